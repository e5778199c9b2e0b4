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
            By default it talks to a running server's webhook (--url, --gateway) exactly as the gateway would: USSD as
            Africa's Talking (gateway at-ussd), SMS as Kannel (gateway kannel), whose replies come back in the webhook's
            answer. With --in-process it runs the conversation inside this command, with no server and no database.
            Type an answer and Enter. /new starts a new session, /quit leaves.
            """)

    @Option(help: "ussd or sms.")
    var channel: String = "ussd"

    @Flag(help: "Run the conversation in this process instead of through a running server.")
    var inProcess = false

    @Option(help: "The running server.")
    var url: String = "http://127.0.0.1:8080"

    @Option(help: "The gateway id on the server. [default: at-ussd for USSD, kannel for SMS]")
    var gateway: String?

    @Option(help: "The phone number the simulated person texts from.")
    var phone: String = "+84900000001"

    @Option(help: "The gateway-config folder, for --in-process (env HOTLINE_CONFIG). [default: gateway-config]")
    var config: String?

    func run() async throws {
        guard let channel = Simulator.Channel(rawValue: channel) else {
            throw ValidationError("--channel must be ussd or sms")
        }
        let gateway = self.gateway ?? (channel == .ussd ? "at-ussd" : "kannel")
        print(
            "Hotline simulator: \(channel.rawValue.uppercased()) \(inProcess ? "in-process" : "via \(url)/webhooks/\(gateway)"). /new, /quit."
        )
        if inProcess {
            try runInProcess(channel)
        } else if channel == .ussd {
            try await runViaServer(gateway: gateway)
        } else {
            try await textViaServer(gateway: gateway)
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

    /// Texts through a Kannel-kind gateway: each line is one SMS, the answer is the reply SMS.
    func textViaServer(gateway: String) async throws {
        print("(type your first text message, for example: chao)")
        while let line = prompt() {
            if line == "/quit" { return }
            if line == "/new" {
                print("(an SMS conversation belongs to the phone: text HUY to end it, or start with another --phone)")
                continue
            }
            var query = URLComponents()
            query.queryItems = [
                URLQueryItem(name: "sender", value: phone), URLQueryItem(name: "to", value: "18001769"),
                URLQueryItem(name: "text", value: line), URLQueryItem(name: "id", value: UUID().uuidString),
                URLQueryItem(name: "ts", value: String(Int(Date().timeIntervalSince1970))), URLQueryItem(name: "charset", value: "UTF-8"),
            ]
            let encoded = query.percentEncodedQuery!.replacingOccurrences(of: "+", with: "%2B")
            let (data, response) = try await URLSession.shared.data(from: URL(string: "\(url)/webhooks/\(gateway)?\(encoded)")!)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            let body = String(decoding: data, as: UTF8.self)
            guard status == 200 else {
                print("(the server answered \(status): \(body))")
                continue
            }
            if body.isEmpty {
                print("(no reply SMS)")
                continue
            }
            let analysis = SMSText.analyze(body)
            show(
                Simulator.Display(
                    text: body, continues: true, encoding: analysis.encoding, length: analysis.length, segments: analysis.segments,
                    limit: nil))
        }
    }

    func runViaServer(gateway: String) async throws {
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
