import Foundation
import Testing

@testable import Gateways
@testable import HotlineCore

@Suite("Africa's Talking USSD adapter")
struct AfricasTalkingUSSDTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/africastalking-ussd/\(name)", withExtension: "form"))
        return Array(try Data(contentsOf: url))
    }

    static func post(_ name: String, contentType: String = "application/x-www-form-urlencoded") throws -> GatewayRequest {
        GatewayRequest(method: "POST", path: "/webhooks/at-ussd", headers: ["Content-Type": contentType], body: try fixture(name))
    }

    let adapter = AfricasTalkingUSSD()

    @Test("the first hit of a session has empty text")
    func start() throws {
        let event = try adapter.parse(try Self.post("start"))
        #expect(
            event
                == .request(
                    USSDRequest(
                        sessionID: "ATUid_e0f0d4a3b0d4c1a9f5e6", serviceCode: "*384*1769#", phone: try PhoneNumber(parsing: "+84912345678"),
                        network: "45204", text: "")))
    }

    @Test("later hits carry every answer so far, joined by *")
    func cumulative() throws {
        guard case .request(let request) = try adapter.parse(try Self.post("cumulative")) else {
            Issue.record("not a request")
            return
        }
        #expect(request.text == "1*2*Ha Long")
    }

    @Test("fields in any order, unescaped * and # and UTF-8 text are read")
    func unordered() throws {
        guard
            case .request(let request) = try adapter.parse(
                try Self.post("unordered-utf8", contentType: "application/x-www-form-urlencoded; charset=utf-8"))
        else {
            Issue.record("not a request")
            return
        }
        #expect(request.text == "1*Tôi bị đánh")
        #expect(request.serviceCode == "*384*123#")
        #expect(request.phone.value == "+254711082300")
    }

    /// A hit from `raw`, escaped as Africa's Talking escapes it.
    static func hit(phone raw: String) -> GatewayRequest {
        let phone = raw.replacingOccurrences(of: "+", with: "%2B")
        return GatewayRequest(
            method: "POST", path: "/webhooks/at-ussd", headers: ["Content-Type": AfricasTalkingUSSD.mediaType],
            body: Array("sessionId=ATUid_1&serviceCode=%2A384%2A1769%23&phoneNumber=\(phone)&networkCode=45204&text=".utf8))
    }

    func phone(_ raw: String) throws -> PhoneNumber {
        guard case .request(let request) = try adapter.parse(Self.hit(phone: raw)) else {
            throw GatewayError(status: 0, reason: "not a request")
        }
        return request.phone
    }

    @Test("a number sent without its + is read as international, as the SMS adapters read it")
    func droppedPlus() throws {
        #expect(try phone("84912345678").value == "+84912345678")
        // Too long to be Vietnamese: a foreign SIM whose + the network dropped.
        #expect(try phone("8613912345678").value == "+8613912345678")
    }

    @Test(
        "a number normalises to the same person as the SMS adapters make of it",
        arguments: ["84912345678", "+84912345678", "0912345678", "8613912345678", "+8613912345678"])
    func sameAsSMS(_ raw: String) throws {
        let escaped = raw.replacingOccurrences(of: "+", with: "%2B")
        let smsRequests: [(any SMSAdapter, GatewayRequest)] = [
            (
                AfricasTalkingSMS(),
                GatewayRequest(
                    method: "POST", path: "/", headers: ["Content-Type": AfricasTalkingSMS.mediaType],
                    body: Array("id=ATXid_1&from=\(escaped)&to=18001769&text=chao".utf8))
            ),
            (Kannel(), GatewayRequest(method: "GET", path: "/", query: "sender=\(escaped)&to=18001769&text=chao&id=k1")),
            (Vonage(), GatewayRequest(method: "GET", path: "/", query: "msisdn=\(escaped)&to=1&messageId=V1&text=chao&type=text")),
        ]
        let ussd = try phone(raw)
        for (sms, request) in smsRequests {
            #expect(try sms.parse(request).onlyMessage().from == ussd, "\(type(of: sms))")
        }
    }

    @Test("the end-of-session notification is recognised")
    func sessionEnd() throws {
        #expect(try adapter.parse(try Self.post("session-end")) == .ended(sessionID: "ATUid_e0f0d4a3b0d4c1a9f5e6", status: "Success"))
    }

    @Test(
        "bad requests are refused with the status and reason a gateway operator can act on",
        arguments: [
            ("missing-phone", 400, "missing field 'phoneNumber'"),
            ("bad-phone", 400, "field 'phoneNumber': the phone number holds 'n'"),
            ("bad-escape", 400, "malformed percent-escape"),
        ])
    func refuses(_ c: (String, Int, String)) throws {
        let request = try Self.post(c.0)
        do {
            _ = try adapter.parse(request)
            Issue.record("accepted \(c.0)")
        } catch {
            #expect(error.status == c.1)
            #expect(error.reason.hasPrefix(c.2), "\(error.reason)")
        }
    }

    @Test("a JSON body is refused as the wrong media type")
    func wrongMediaType() throws {
        let request = GatewayRequest(method: "POST", path: "/", headers: ["content-type": "application/json"], body: Array("{}".utf8))
        #expect(throws: GatewayError.unsupportedMediaType("application/json", expected: AfricasTalkingUSSD.mediaType)) {
            try adapter.parse(request)
        }
    }

    @Test("replies start with CON to continue and END to close")
    func replies() {
        #expect(adapter.reply("Menu\n1. A", continues: true).body == "CON Menu\n1. A")
        #expect(adapter.reply("Bye", continues: false).body == "END Bye")
        #expect(adapter.reply("x", continues: true).contentType.hasPrefix("text/plain"))
    }

    @Test(
        "the new answer is read out of the cumulative text",
        arguments: [
            ("", nil, [String]()), ("1", "", ["1"]), ("1*2", "1", ["2"]), ("1*2*Ha Long", "1*2", ["Ha Long"]),
            ("1*2*a*b", "1*2", ["a*b"]),  // a typed * stays inside the answer
            ("1*0*3", "1*2", ["3"]),  // history rewritten by the network: the last part
            ("1*2", nil, ["1", "2"]),  // a dial with answers in it (*384*1769*1*2#)
        ] as [(String, String?, [String])])
    func newInputs(_ c: (String, String?, [String])) {
        #expect(USSDInput.newInputs(cumulative: c.0, processed: c.1) == c.2)
    }

    @Test("100,000 random and mutated bodies are refused or parsed, never a crash")
    func fuzz() throws {
        var generator = SystemRandomNumberGenerator()
        let seeds = try ["start", "cumulative", "unordered-utf8", "session-end"].map(Self.fixture)
        for i in 0..<100_000 {
            var body: [UInt8]
            if i % 4 == 0 {
                body = (0..<Int.random(in: 0..<200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                body = seeds[i % seeds.count]
                for _ in 0..<Int.random(in: 1...6, using: &generator) where !body.isEmpty {
                    let at = Int.random(in: 0..<body.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: body[at] = UInt8.random(in: 0...255, using: &generator)
                    case 1: body.remove(at: at)
                    default: body.insert(Array("%&=*+".utf8).randomElement(using: &generator)!, at: at)
                    }
                }
            }
            let request = GatewayRequest(method: "POST", path: "/", headers: ["content-type": AfricasTalkingUSSD.mediaType], body: body)
            do {
                _ = try adapter.parse(request)
            } catch {
                #expect((400..<500).contains(error.status))
                #expect(!error.reason.isEmpty)
            }
        }
    }
}
