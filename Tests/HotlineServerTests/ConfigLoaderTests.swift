import Foundation
import HotlineCore
import HotlineServer
import Testing

@Suite("Loading gateway-config/")
struct ConfigLoaderTests {
    @Test("the bundled config loads with no warning")
    func bundled() throws {
        let config = try ConfigLoader.load(directory: bundledConfigDirectory)
        #expect(
            config.gateways.map(\.id) == [
                "at-sms", "at-ussd", "clickatell", "generic-sms", "hubtel-ussd", "infobip", "infobip-ussd", "jasmin", "kannel", "twilio",
                "vonage",
            ])
        #expect(config.escalation.alerts.gateway == "at-sms")
        #expect(config.escalation.acknowledgeWithinSeconds == [.p1: 300])
        #expect(config.service.hotlines.national == "111")
        #expect(config.service.hotlines.provincial == "18001769")
        #expect(config.warnings.isEmpty)
    }

    /// Loads a copy of the bundled config after `edit` broke it, and returns the issues.
    func issues(after edit: (URL) throws -> Void) throws -> [ConfigIssue] {
        let directory = try copyOfBundledConfig()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        try edit(directory)
        do {
            _ = try ConfigLoader.load(directory: directory.path)
            Issue.record("a broken config loaded")
            return []
        } catch {
            return error.issues
        }
    }

    func replace(_ file: String, _ old: String, _ new: String, in directory: URL) throws {
        let url = directory.appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains(old), "fixture text moved: \(old)")
        try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
    }

    func lineNumber(of needle: String, in file: String, directory: URL) throws -> Int {
        let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        return try #require(lines.firstIndex { $0.contains(needle) }) + 1
    }

    @Test("a value outside its choices names the file, line, key and the allowed values")
    func badChoice() throws {
        var expectedLine = 0
        let found = try issues { dir in
            try replace("gateways/at-ussd.yaml", "encoding: gsm7", "encoding: utf8", in: dir)
            expectedLine = try lineNumber(of: "encoding: utf8", in: "gateways/at-ussd.yaml", directory: dir)
        }
        let issue = try #require(found.first)
        #expect(issue.file.hasSuffix("gateway-config/gateways/at-ussd.yaml"))
        #expect(issue.line == expectedLine)
        #expect(issue.key == "encoding")
        #expect(issue.message == "'utf8' is not allowed; expected one of: auto, gsm7, ucs2")
    }

    @Test("gateway files that cannot work for their kind are named with line, key and fix")
    func gatewayKindRules() throws {
        var replyLine = 0
        let found = try issues { dir in
            try replace("gateways/vonage.yaml", "reply: api", "reply: sync", in: dir)
            replyLine = try lineNumber(of: "reply: sync", in: "gateways/vonage.yaml", directory: dir)
            try replace("gateways/jasmin.yaml", "  url: http://127.0.0.1:1401/send\n", "", in: dir)
            try replace("gateways/hubtel-ussd.yaml", "basic_password_env: HUBTEL_WEBHOOK_PASSWORD", "signature_secret_env: X", in: dir)
            try replace(
                "gateways/infobip.yaml", "shared_secret_query: secret", "shared_secret_query: secret\n  allow_ips: [\"10.0.0.0/40\"]",
                in: dir)
        }
        let reply = try #require(found.first { $0.file.hasSuffix("vonage.yaml") })
        #expect(reply.key == "reply")
        #expect(reply.line == replyLine)
        #expect(reply.message.contains("cannot carry a reply in the webhook response; use reply: api"))
        #expect(found.contains { $0.file.hasSuffix("jasmin.yaml") && $0.key == "send.url" && $0.line != nil })
        #expect(found.contains { $0.file.hasSuffix("hubtel-ussd.yaml") && $0.message.contains("only Twilio and Vonage sign") })
        #expect(found.contains { $0.file.hasSuffix("hubtel-ussd.yaml") && $0.message.contains("needs both basic_username") })
        #expect(found.contains { $0.file.hasSuffix("infobip.yaml") && $0.message.contains("'10.0.0.0/40' is not an address") })
    }

    @Test("a laughter word the reader turns into another word is refused with its line and the fix")
    func laughterReadAsAnotherWord() throws {
        var expectedLine = 0
        let found = try issues { dir in
            try replace("triage.yaml", "laughter: [\"haha\",", "laughter: [\"kkk\", \"haha\",", in: dir)
            expectedLine = try lineNumber(of: "laughter: [\"kkk\"", in: "triage.yaml", directory: dir)
        }
        let issue = try #require(found.first { $0.key == "laughter.0" })
        #expect(issue.file.hasSuffix("triage.yaml"))
        #expect(issue.line == expectedLine)
        #expect(issue.message.contains("'kkk' reads as 'khong'") && issue.message.contains("`keep` in text-rules.yaml"))
    }

    @Test("a misspelt key is reported instead of ignored")
    func unknownKey() throws {
        let found = try issues { dir in try replace("service.yaml", "case_reference_prefix:", "case_reference_prefx:", in: dir) }
        #expect(found.contains { $0.key == "case_reference_prefx" && $0.message.contains("unknown key") && $0.line == 10 })
    }

    @Test("broken YAML syntax is reported with its line")
    func syntax() throws {
        let found = try issues { dir in
            try replace("flows/main.yaml", "    type: menu\n    field: for_whom", "    type: menu\n   field: [for_whom", in: dir)
        }
        let issue = try #require(found.first)
        #expect(issue.file.hasSuffix("flows/main.yaml"))
        #expect(issue.message.hasPrefix("YAML syntax:"))
        #expect(issue.line != nil)
    }

    @Test("a transition to a node that does not exist is reported at its line")
    func danglingNext() throws {
        var expectedLine = 0
        let found = try issues { dir in
            try replace("flows/main.yaml", "next: report_age\n", "next: report_agee\n", in: dir)
            expectedLine = try lineNumber(of: "next: report_agee", in: "flows/main.yaml", directory: dir)
        }
        let issue = try #require(found.first { $0.key == "nodes.report_where.next" })
        #expect(issue.line == expectedLine)
        #expect(issue.message.hasPrefix("goes to node 'report_agee', which does not exist"))
    }

    @Test("a missing translation is reported")
    func missingTranslation() throws {
        let found = try issues { dir in
            try replace("flows/main.yaml", "      en: \"Who is this report about?\"\n", "", in: dir)
        }
        #expect(found.contains { $0.key == "nodes.report_for_whom.text" && $0.message.contains("no 'en' text") })
    }

    @Test("a USSD gateway set to UCS-2 is refused because the Vietnamese screens would not fit")
    func screensTooLongForUCS2() throws {
        let found = try issues { dir in try replace("gateways/at-ussd.yaml", "encoding: gsm7", "encoding: ucs2", in: dir) }
        #expect(!found.isEmpty)
        #expect(found.allSatisfy { $0.message.contains("over its limit of 80") && $0.file.hasSuffix("flows/main.yaml") && $0.line != nil })
    }

    @Test("a missing required key says so")
    func missingKey() throws {
        let found = try issues { dir in try replace("service.yaml", "flow: main", "", in: dir) }
        #expect(found.first?.key == "flow")
        #expect(found.first?.message == "is required but missing")
    }

    @Test("every screen of the bundled flows fits a USSD screen under gsm7 and auto, in every language")
    func everyScreenFits() throws {
        let config = try ConfigLoader.load(directory: bundledConfigDirectory)
        for policy in [EncodingPolicy.gsm7, .auto] {
            let target = ScreenTarget(gatewayID: "test", policy: policy, limits: config.service.ussdLimits)
            for flow in config.flows.values {
                let problems = FlowValidator.validate(
                    flow, languages: config.service.languages, targets: [target], variables: config.sampleScreenVariables)
                #expect(problems.isEmpty, "\(policy): \(problems)")
            }
        }
    }

    @Test("text rules from text-rules.yaml extend the built-in ones; a key of several words is refused")
    func textRules() throws {
        let config = try ConfigLoader.load(directory: bundledConfigDirectory)
        #expect(config.textRules.teencode["ko"] == "không")
        #expect(config.textRules.teencode["bđ"] == "bạo lực")
        let found = try issues { dir in try replace("text-rules.yaml", "bđ: \"bạo lực\"", "cuu voi: \"cứu với\"", in: dir) }
        #expect(found.contains { $0.key == "teencode.cuu voi" && $0.message.contains("would never match") && $0.line != nil })
    }

    @Test("a commune worker with an operator's id, a role other than commune, or a holiday that is no date is named by file and line")
    func communeWorkersChecked() throws {
        var roleLine = 0
        var idLine = 0
        let found = try issues { dir in
            try replace(
                "service.yaml", "          - id: cb-bai-chay\n            name: \"Cán bộ BVTE phường Bãi Cháy\"",
                "          - id: duty-desk\n            name: \"Cán bộ BVTE phường Bãi Cháy\"", in: dir)
            idLine = try lineNumber(of: "- id: duty-desk", in: "service.yaml", directory: dir)
        }
        let duplicate = try #require(found.first { $0.message.contains("'duty-desk' is already") })
        #expect(duplicate.file.hasSuffix("service.yaml") && duplicate.line == idLine)
        let holiday = try issues { dir in
            try replace("escalation.yaml", "holidays: [\"2026-01-01\"", "holidays: [\"2026-13-01\"", in: dir)
        }
        #expect(holiday.contains { $0.file.hasSuffix("escalation.yaml") && $0.message.contains("2026-13-01") })
        let role = try issues { dir in
            try replace(
                "service.yaml", "HOTLINE_TOKEN_CB_CAM_PHA\n            role: commune",
                "HOTLINE_TOKEN_CB_CAM_PHA\n            role: supervisor", in: dir)
            roleLine = try lineNumber(of: "role: supervisor", in: "service.yaml", directory: dir)
        }
        let refused = try #require(role.first)
        #expect(refused.message.contains("role commune") && refused.line == roleLine, "\(role)")
    }
}
