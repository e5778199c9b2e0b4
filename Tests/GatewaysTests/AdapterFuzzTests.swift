import Foundation
import Testing

@testable import Gateways
@testable import HotlineCore

/// Random bytes and mutated real payloads against every adapter: the answer is always a
/// parse or a 4xx with a reason: never a crash, a hang, or anything a server would turn
/// into a 500.
@Suite("Adapters under random and mutated input")
struct AdapterFuzzTests {
    /// A small deterministic generator, so a failure is reproducible from its seed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    enum Target {
        case sms(any SMSAdapter)
        case ussd(any USSDAdapter)
        case auth(WebhookAuth)
    }

    static let targets: [(name: String, kind: String, target: Target)] = [
        ("at-sms", "africastalking-sms", .sms(AfricasTalkingSMS())),
        ("twilio", "twilio", .sms(Twilio())),
        ("vonage", "vonage", .sms(Vonage())),
        ("kannel", "kannel", .sms(Kannel())),
        ("jasmin", "jasmin", .sms(Jasmin())),
        ("infobip", "infobip", .sms(Infobip())),
        ("clickatell", "clickatell", .sms(Clickatell())),
        (
            "generic-xml", "generic",
            .sms(GenericSMS(format: GenericFormat(body: .xml, id: "msgId", from: "source", to: "destination", text: "content")))
        ),
        (
            "generic-json", "generic",
            .sms(GenericSMS(format: GenericFormat(body: .json, id: "message.id", from: "message.from", to: nil, text: "message.text")))
        ),
        ("at-ussd", "africastalking-ussd", .ussd(AfricasTalkingUSSD())),
        ("hubtel-ussd", "hubtel-ussd", .ussd(HubtelUSSD())),
        ("infobip-ussd", "infobip-ussd", .ussd(InfobipUSSD())),
        ("vonage-signature", "vonage", .auth(WebhookAuth(signature: .vonage(secret: "s", method: .sha256)))),
        ("twilio-signature", "twilio", .auth(WebhookAuth(signature: .twilio(authToken: "t", publicURL: nil), basicAuth: ("u", "p")))),
    ]

    /// Every captured request of a kind, as seeds for mutation.
    static func seeds(_ kind: String) throws -> [GatewayRequest] {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures/\(kind)", withExtension: nil))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            !$0.hasPrefix("send-") && !$0.hasPrefix("reply-") && !$0.hasSuffix(".md") && !$0.hasSuffix(".txt")
        }
        return try files.sorted().map {
            try Fixture.request(kind, $0, path: kind == "infobip-ussd" ? "/webhooks/i/session/abc/response" : nil)
        }
    }

    static func mutate(_ seed: GatewayRequest, _ rng: inout SplitMix) -> GatewayRequest {
        var request = seed
        let interesting: [[UInt8]] = [
            Array("%".utf8), Array("%0".utf8), Array("%ZZ".utf8), Array("&&=".utf8), Array("=".utf8), [0], [0xFF, 0xFE], [0xC3],
            Array("\u{1F600}".utf8), Array("<".utf8), Array("]]>".utf8), Array("&#xD800;".utf8), Array("{\"".utf8), Array("null".utf8),
            Array("*".utf8), Array("+84".utf8), Array("concat=true".utf8), Array("9999999999999999999999".utf8),
        ]
        var bytes = seed.query.isEmpty ? seed.body : Array(seed.query.utf8)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !bytes.isEmpty:  // flip a byte
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 1 where !bytes.isEmpty:  // truncate
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
            case 2:  // insert something a parser must handle
                let piece = interesting.randomElement(using: &rng)!
                bytes.insert(contentsOf: piece, at: Int.random(in: 0...bytes.count, using: &rng))
            case 3 where bytes.count > 2:  // duplicate a slice
                let start = Int.random(in: 0..<bytes.count, using: &rng)
                let end = min(bytes.count, start + Int.random(in: 1...40, using: &rng))
                bytes.insert(contentsOf: bytes[start..<end], at: Int.random(in: 0...bytes.count, using: &rng))
            case 4:  // random bytes
                bytes = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            default:  // another method or content type
                request.method = ["GET", "POST", "PUT", "DELETE"].randomElement(using: &rng)!
                request.headers["content-type"] =
                    ["application/json", "application/x-www-form-urlencoded", "text/xml", "text/plain", "multipart/form-data; boundary=x"]
                    .randomElement(using: &rng)!
            }
        }
        if seed.query.isEmpty { request.body = bytes } else { request.query = String(decoding: bytes, as: UTF8.self) }
        return request
    }

    /// Parses and checks the outcome; returns whether the input was refused.
    static func exercise(_ target: Target, _ request: GatewayRequest) -> GatewayError? {
        do throws(GatewayError) {
            switch target {
            case .sms(let adapter): _ = try adapter.parse(request)
            case .ussd(let adapter): _ = try adapter.parse(request)
            case .auth(let auth): return auth.refusal(request, remoteAddress: "10.0.0.1")
            }
            return nil
        } catch {
            return error
        }
    }

    @Test("120,000 mutated payloads and random bytes: every refusal is a 4xx with a reason")
    func mutatedPayloads() throws {
        var rng = SplitMix(state: 0x5EED_2026_1129)
        var refused = 0
        var accepted = 0
        let perTarget = 120_000 / Self.targets.count
        for (name, kind, target) in Self.targets {
            let seeds = try Self.seeds(kind)
            try #require(!seeds.isEmpty, "no fixtures for \(kind)")
            for i in 0..<perTarget {
                let request = Self.mutate(seeds[i % seeds.count], &rng)
                if let error = Self.exercise(target, request) {
                    refused += 1
                    if !(400..<500).contains(error.status) || error.reason.isEmpty {
                        Issue.record("\(name) case \(i): \(error) for \(request)")
                        return
                    }
                } else {
                    accepted += 1
                }
            }
        }
        // Both outcomes occur, so the mutations neither all break nor all miss the parsers.
        #expect(refused > 10_000)
        #expect(accepted > 1_000)
    }
}
