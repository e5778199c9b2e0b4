import ArgumentParser
import Foundation
import HotlineCore
import HotlineServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "An interactive phone for trainers and testers: USSD or SMS, each screen as the handset shows it.",
        discussion: """
            By default it dials a running server's USSD webhook (--url, --gateway), exactly as Africa's Talking would.
            With --in-process it runs the conversation inside this command, with no server and no database;
            that is also how the SMS channel is tried: an SMS reply leaves through the gateway's send API, not in the
            webhook's answer, so a webhook client cannot show it.
            Type an answer and Enter. /new starts a new session, /quit leaves.
            """)

    @Option(help: "ussd or sms.")
    var channel: String = "ussd"

    @Flag(help: "Run the conversation in this process instead of through a running server.")
    var inProcess = false

    @Option(help: "The running server.")
    var url: String = "http://127.0.0.1:8080"

    @Option(help: "The USSD gateway id on the server.")
    var gateway: String = "at-ussd"

    @Option(help: "The phone number the simulated person texts from.")
    var phone: String = "+84900000001"

    @Option(help: "The gateway-config folder, for --in-process (env HOTLINE_CONFIG). [default: gateway-config]")
    var config: String?

    func run() async throws {
        guard let channel = Simulator.Channel(rawValue: channel) else {
            throw ValidationError("--channel must be ussd or sms")
        }
        if channel == .sms && !inProcess {
            throw ValidationError(
                "SMS replies leave through the gateway's send API, not the webhook's answer; try the SMS conversation with --in-process")
        }
        print(
            "Hotline simulator: \(channel.rawValue.uppercased()) \(inProcess ? "in-process" : "via \(url)/webhooks/\(gateway)"). /new, /quit."
        )
        if inProcess {
            try runInProcess(channel)
        } else {
            try await runViaServer()
        }
    }

    func runInProcess(_ channel: Simulator.Channel) throws {
        let directory = configDirectory(config)
        let loaded = try ConfigLoader.load(directory: directory)
        var simulator = Simulator(config: loaded, channel: channel)
        if channel == .ussd { show(simulator.start()) }
        while let line = prompt() {
            if line == "/quit" { return }
            if line == "/new" {
                simulator = Simulator(config: loaded, channel: channel)
                if channel == .ussd { show(simulator.start()) }
                continue
            }
            let display = simulator.send(line)
            show(display)
            if let report = simulator.report {
                print("  [case \(report.reference) · \(report.priority.rawValue) · \(report.status.rawValue)]")
            }
        }
    }

    func runViaServer() async throws {
        var session = "SIM\(UInt32.random(in: 100_000...999_999))"
        var answers: [String]? = nil
        func hit(_ text: String) async throws -> String {
            var request = URLRequest(url: URL(string: "\(url)/webhooks/\(gateway)")!)
            request.httpMethod = "POST"
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            var form = URLComponents()
            form.queryItems = [
                URLQueryItem(name: "sessionId", value: session), URLQueryItem(name: "serviceCode", value: "*384*1769#"),
                URLQueryItem(name: "phoneNumber", value: phone), URLQueryItem(name: "networkCode", value: "45204"),
                URLQueryItem(name: "text", value: text),
            ]
            request.httpBody = Data(form.percentEncodedQuery!.replacingOccurrences(of: "+", with: "%2B").utf8)
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            let body = String(decoding: data, as: UTF8.self)
            guard status == 200 else { return "(the server answered \(status): \(body))" }
            return body
        }
        func dial() async throws {
            answers = []
            session = "SIM\(UInt32.random(in: 100_000...999_999))"
            showUSSD(try await hit(""))
        }
        try await dial()
        while let line = prompt() {
            if line == "/quit" { return }
            if line == "/new" || answers == nil {
                try await dial()
                continue
            }
            answers!.append(line)
            let body = try await hit(answers!.joined(separator: "*"))
            showUSSD(body)
            if body.hasPrefix("END") { answers = nil }
        }
    }

    func prompt() -> String? {
        print("> ", terminator: "")
        fflush(nil)
        return readLine()
    }

    func showUSSD(_ body: String) {
        let continues = body.hasPrefix("CON ")
        let text = body.hasPrefix("CON ") || body.hasPrefix("END ") ? String(body.dropFirst(4)) : body
        let analysis = SMSText.analyze(text)
        let limit = analysis.encoding == .gsm7 ? USSDLimits.standard.gsm7 : USSDLimits.standard.ucs2
        show(
            Simulator.Display(
                text: text, continues: continues, encoding: analysis.encoding, length: analysis.length, segments: 1, limit: limit))
    }

    func show(_ display: Simulator.Display) {
        let size =
            display.limit.map { "\(display.length)/\($0) \(display.encoding.rawValue)" }
            ?? "\(display.length) \(display.encoding.rawValue), \(display.segments) SMS"
        let width = 44
        let head = "┌─ \(display.continues ? "screen" : "last screen") · \(size) "
        print(head + String(repeating: "─", count: max(2, width - head.count)))
        for line in display.text.split(separator: "\n", omittingEmptySubsequences: false) { print("│ \(line)") }
        print("└" + String(repeating: "─", count: width - 1))
        if !display.continues { print("(session ended: type anything to dial again)") }
    }
}
