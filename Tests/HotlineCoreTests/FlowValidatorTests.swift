import Testing

@testable import HotlineCore

@Suite("Flow validation")
struct FlowValidatorTests {
    let flow = ConversationEngineTests.flow

    @Test("the test flow is valid")
    func valid() {
        #expect(FlowValidator.validate(flow, languages: ["vi", "en"], targets: [], variables: [:]).isEmpty)
    }

    @Test("dangling transitions, missing translations, reserved keys and loops are reported with their path")
    func broken() {
        var broken = flow
        broken.nodes["menu"]!.options[0].next = "nowhere"
        broken.nodes["where"]!.text = LocalizedText(["vi": "O dau?"])
        broken.nodes["menu"]!.options[1].key = "0"
        broken.nodes["help"]!.onMiss = nil
        broken.nodes["orphan"] = FlowNode(type: .end, text: LocalizedText(["vi": "x", "en": "x"]))
        let problems = FlowValidator.validate(broken, languages: ["vi", "en"], targets: [], variables: [:])
        let paths = problems.map { $0.path.joined(separator: ".") }
        #expect(paths.contains("nodes.menu.options.0.next"))
        #expect(paths.contains("nodes.where.text"))
        #expect(paths.contains("nodes.menu.options.1.key"))
        #expect(paths.contains("nodes.help.on_miss"))
        #expect(problems.contains { $0.path == ["nodes", "orphan"] && $0.severity == .warning })
    }

    @Test("a screen too long for a USSD gateway's encoding is reported")
    func screenTooLong() {
        var long = flow
        long.nodes["where"]!.text = LocalizedText(["vi": String(repeating: "ở đâu ", count: 20), "en": "Where?"])
        let gsm = ScreenTarget(gatewayID: "at", policy: .gsm7, limits: .standard)
        let ucs = ScreenTarget(gatewayID: "ucs", policy: .ucs2, limits: .standard)
        #expect(FlowValidator.validate(long, languages: ["vi", "en"], targets: [gsm], variables: [:]).isEmpty)
        let problems = FlowValidator.validate(long, languages: ["vi", "en"], targets: [ucs], variables: [:])
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("over its limit of 80") == true)
    }

    @Test("a screen that would take more than three SMS parts is a warning")
    func smsOverThreeParts() {
        var long = flow
        long.nodes["where"]!.text = LocalizedText(["vi": String(repeating: "ở đâu? ", count: 40), "en": "Where?"])
        let problems = FlowValidator.validate(long, languages: ["vi", "en"], targets: [], variables: [:])
        #expect(problems.count == 1)
        #expect(problems.first?.severity == .warning)
        #expect(problems.first?.message.contains("5 SMS parts") == true)
    }
}
