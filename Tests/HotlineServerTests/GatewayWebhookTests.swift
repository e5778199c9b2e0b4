import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Storage
import Testing

@testable import Gateways
@testable import HotlineCore
@testable import HotlineServer

/// Every bundled gateway through the real router and a real SQLite file.
@Suite("Gateways end to end: signatures, retries, long messages, USSD formats")
struct GatewayWebhookTests {
    static let twilioURL = "https://hotline.example.org/webhooks/twilio"

    func form(_ pairs: [(String, String)]) -> String {
        String(decoding: FormEncoding.encode(pairs), as: UTF8.self)
    }

    func twilio(_ client: any TestClientProtocol, body: String, signature: String?) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let signature { headers[HTTPField.Name("X-Twilio-Signature")!] = signature }
        return try await client.execute(uri: "/webhooks/twilio", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    @Test("Twilio: a signed message gets its reply in TwiML; unsigned (401) and forged (403) ones are counted, audited, not stored")
    func twilioSignatures() async throws {
        let environment = ServiceEnvironment(["TWILIO_AUTH_TOKEN": "tw-token"])
        try await withApp(environment: environment) { client, store in
            let fields = [
                ("MessageSid", "SM0001"), ("AccountSid", "AC1"), ("From", "+84912345678"), ("To", "+18005550111"), ("Body", "chao"),
                ("NumSegments", "1"), ("NumMedia", "0"),
            ]
            let body = form(fields)
            let good = TwilioSignature.sign(
                url: Self.twilioURL, parameters: fields.map { (name: $0.0, value: $0.1) }, authToken: "tw-token")
            let reply = try await twilio(client, body: body, signature: good)
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType]?.hasPrefix("text/xml") == true)
            #expect(String(buffer: reply.body).contains("<Response><Message>Duong day bao ve tre em. Ban can gi?"))
            let stored = try await store.messageCount()

            #expect(try await twilio(client, body: form(fields + [("X", "1")]), signature: nil).status == .unauthorized)
            let forged = TwilioSignature.sign(url: Self.twilioURL, parameters: fields.map { (name: $0.0, value: $0.1) }, authToken: "guess")
            let refused = try await twilio(client, body: form([("MessageSid", "SM0002")] + fields.dropFirst()), signature: forged)
            #expect(refused.status == .forbidden)
            #expect(String(buffer: refused.body).contains("X-Twilio-Signature does not match"))
            #expect(try await store.messageCount() == stored)

            let audit = try await store.auditTrail(reference: nil).filter { $0.action == "webhook_refused" }
            #expect(audit.map(\.actor) == ["gateway:twilio", "gateway:twilio"])
            #expect(audit.allSatisfy { !$0.detail.contains("84912345678") && !$0.detail.contains("chao") })
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"hotline_webhook_refused_total{gateway="twilio",status="401"} 1"#))
            #expect(metrics.contains(#"hotline_webhook_refused_total{gateway="twilio",status="403"} 1"#))
            #expect(metrics.contains(#"hotline_webhook_requests_total{gateway="twilio",status="200"} 1"#))
        }
    }

    /// A Vonage inbound GET signed (md5hash, the bundled method) at `timestamp`.
    func signedVonage(_ client: any TestClientProtocol, id: String, timestamp: Date) async throws -> TestResponse {
        var fields = [
            ("msisdn", "84912345678"), ("to", "84900000169"), ("messageId", id), ("text", "chao"), ("type", "text"),
            ("keyword", "CHAO"), ("message-timestamp", "2026-11-29 06:14:05"), ("nonce", UUID().uuidString),
            ("timestamp", String(Int(timestamp.timeIntervalSince1970))),
        ]
        fields.append(("sig", VonageSignature.sign(fields.map { (name: $0.0, value: $0.1) }, secret: "vn-secret", method: .md5hash)))
        return try await client.execute(uri: "/webhooks/vonage?\(form(fields))", method: .get)
    }

    @Test("Vonage: a freshly signed message is stored; one signed an hour ago is refused 401 as a replay, audited, not stored")
    func vonageReplayWindow() async throws {
        try await withApp(environment: ServiceEnvironment(["VONAGE_SIGNATURE_SECRET": "vn-secret"])) { client, store in
            #expect(try await signedVonage(client, id: "VF1", timestamp: Date()).status == .ok)
            let stored = try await store.messageCount()
            #expect(stored > 0)  // the message and the menu sent back

            let replay = try await signedVonage(client, id: "VF2", timestamp: Date().addingTimeInterval(-3_600))
            #expect(replay.status == .unauthorized)
            #expect(String(buffer: replay.body).contains("s old; requests more than 5 minutes from our clock are refused"))
            let ahead = try await signedVonage(client, id: "VF3", timestamp: Date().addingTimeInterval(3_600))
            #expect(ahead.status == .unauthorized)
            #expect(try await store.messageCount() == stored)

            let audit = try await store.auditTrail(reference: nil).filter { $0.action == "webhook_refused" }
            #expect(audit.map(\.actor) == ["gateway:vonage"])  // one row a minute per gateway and status
            #expect(audit.allSatisfy { !$0.detail.contains("84912345678") && !$0.detail.contains("chao") })
        }
    }

    /// Vonage's inbound GET for one part of a long message.
    func vonagePart(_ client: any TestClientProtocol, ref: String, part: Int, total: Int, text: String, id: String) async throws
        -> TestResponse
    {
        let query = form([
            ("msisdn", "84912345678"), ("to", "84900000169"), ("messageId", id), ("text", text), ("type", "text"), ("concat", "true"),
            ("concat-ref", ref), ("concat-total", String(total)), ("concat-part", String(part)),
            ("message-timestamp", "2026-11-29 06:14:05"),
        ])
        return try await client.execute(uri: "/webhooks/vonage?\(query)", method: .get)
    }

    @Test("Vonage: three parts out of order become one message, processed once even when a part is retried")
    func vonageThreeParts() async throws {
        let config = try bundledConfigWithoutAuth()
        defer { try? FileManager.default.removeItem(at: config.deletingLastPathComponent()) }
        try await withApp(config: config.path) { client, store async throws in
            let parts = ["chu oi cuu em, bo dang ", "danh em chay mau, em so ", "lam"]
            #expect(try await vonagePart(client, ref: "77", part: 3, total: 3, text: parts[2], id: "P3").status == .ok)
            #expect(try await vonagePart(client, ref: "77", part: 1, total: 3, text: parts[0], id: "P1").status == .ok)
            #expect(try await store.messageCount() == 0)
            #expect(try await vonagePart(client, ref: "77", part: 2, total: 3, text: parts[1], id: "P2").status == .ok)
            #expect(try await store.messageCount() == 2)
            // The joined sentence is urgent: one P1 escalation, one reply queued for the send API.
            #expect(try await store.outbox(kind: "escalation").map(\.priority) == [.p1])
            #expect(try await store.outbox(kind: "sms").count == 1)
            // Vonage retries a part it did not hear 200 for; nothing happens twice.
            #expect(try await vonagePart(client, ref: "77", part: 2, total: 3, text: parts[1], id: "P2").status == .ok)
            #expect(try await vonagePart(client, ref: "77", part: 1, total: 3, text: parts[0], id: "P1").status == .ok)
            #expect(try await store.messageCount() == 2)
            #expect(try await store.partSetsDue(before: Date().addingTimeInterval(3600)).isEmpty)
        }
    }

    @Test("a long message whose last part never comes is processed with what arrived after the timeout")
    func partsTimeOut() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try bundledConfigWithoutAuth()
        defer { try? FileManager.default.removeItem(at: config.deletingLastPathComponent()) }
        try await withApp(config: config.path, databaseFolder: folder) { client, store async throws in
            #expect(try await vonagePart(client, ref: "9", part: 1, total: 3, text: "em bi ", id: "Q1").status == .ok)
            #expect(try await vonagePart(client, ref: "9", part: 2, total: 3, text: "bo danh", id: "Q2").status == .ok)
            let loaded = try ConfigLoader.load(directory: config.path)
            let sweeper = PartSetSweeper(
                store: store, gateways: Dictionary(uniqueKeysWithValues: loaded.gateways.map { ($0.id, $0) }),
                sms: makeSMSHandler(config: loaded, store: store, logger: Logger(label: "test")), logger: Logger(label: "test"))
            #expect(await sweeper.sweep(now: Date().addingTimeInterval(30)) == 0)
            #expect(await sweeper.sweep(now: Date().addingTimeInterval(61)) == 1)
            #expect(try await store.messageCount() == 2)
            #expect(try await store.outbox(kind: "sms").count == 1)
            #expect(await sweeper.sweep(now: Date().addingTimeInterval(120)) == 0)
            // The missing part arriving late is processed on its own, not a second time with the rest.
            #expect(try await vonagePart(client, ref: "9", part: 2, total: 3, text: "bo danh", id: "Q2").status == .ok)
            #expect(try await store.partSetsDue(before: Date().addingTimeInterval(3600)).isEmpty)
        }
    }

    func genericXML(_ client: any TestClientProtocol, text: String, id: String?) async throws -> TestResponse {
        let idElement = id.map { "<msgId>\($0)</msgId>" } ?? ""
        let body =
            "<moRequest><source>84912345678</source><destination>18001769</destination><content>\(text)</content>\(idElement)</moRequest>"
        return try await client.execute(
            uri: "/webhooks/generic-sms", method: .post, headers: [.contentType: "text/xml"], body: ByteBuffer(string: body))
    }

    @Test("a generic XML platform: its configured answer, ids de-duplicated, and id-less retries caught by fingerprint")
    func genericFingerprint() async throws {
        let config = try bundledConfigWithoutAuth()
        defer { try? FileManager.default.removeItem(at: config.deletingLastPathComponent()) }
        try await withApp(config: config.path) { client, store async throws in
            let first = try await genericXML(client, text: "chao", id: nil)
            #expect(first.status == .ok)
            #expect(String(buffer: first.body) == "<moResponse><status>0</status></moResponse>")
            #expect(try await store.messageCount() == 2)
            #expect(try await genericXML(client, text: "chao", id: nil).status == .ok)
            #expect(try await store.messageCount() == 2)
            #expect(try await genericXML(client, text: "1", id: nil).status == .ok)
            #expect(try await store.messageCount() == 4)
            #expect(try await genericXML(client, text: "1", id: "m-1").status == .ok)
            #expect(try await genericXML(client, text: "1", id: "m-1").status == .ok)
            #expect(try await store.messageCount() == 6)
        }
    }

    func hubtel(_ client: any TestClientProtocol, type: String, message: String, sequence: Int) async throws -> TestResponse {
        let body =
            #"{"Mobile":"84912345678","SessionId":"hub-1","ServiceCode":"714*1769","Type":"\#(type)","Message":"\#(message)","Operator":"mtn","Sequence":\#(sequence),"ClientState":""}"#
        return try await client.execute(
            uri: "/webhooks/hubtel-ussd", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
    }

    @Test("Hubtel USSD: latest-answer hits walk the menu; a retried sequence gets the same screen and is not processed again")
    func hubtelMenu() async throws {
        let config = try bundledConfigWithoutAuth()
        defer { try? FileManager.default.removeItem(at: config.deletingLastPathComponent()) }
        try await withApp(config: config.path) { client, store async throws in
            let start = try JSONBody(Array(buffer: try await hubtel(client, type: "Initiation", message: "*714*1769#", sequence: 1).body))
            #expect(start.string("Type") == "Response")
            #expect(start.string("Message")?.hasPrefix("Duong day bao ve tre em") == true)
            let next = String(buffer: try await hubtel(client, type: "Response", message: "1", sequence: 2).body)
            #expect(next.contains("Ban bao tin cho ai?"))
            let count = try await store.messageCount()
            #expect(String(buffer: try await hubtel(client, type: "Response", message: "1", sequence: 2).body) == next)
            #expect(try await store.messageCount() == count)
            let third = String(buffer: try await hubtel(client, type: "Response", message: "1", sequence: 3).body)
            #expect(third != next)
            #expect(try await store.messageCount() == count + 2)
            #expect(try await hubtel(client, type: "Release", message: "", sequence: 4).status == .ok)
        }
    }

    @Test("Infobip USSD: start and response under the session path, end by PUT")
    func infobipUSSD() async throws {
        let config = try bundledConfigWithoutAuth()
        defer { try? FileManager.default.removeItem(at: config.deletingLastPathComponent()) }
        try await withApp(config: config.path) { client, _ in
            let json: HTTPFields = [.contentType: "application/json"]
            let start = try await client.execute(
                uri: "/webhooks/infobip-ussd/session/ib-7/start", method: .post, headers: json,
                body: ByteBuffer(string: #"{"msisdn":"84912345678","shortCode":"*1769#","text":"*1769#"}"#))
            #expect(start.status == .ok)
            let menu = try JSONBody(Array(buffer: start.body))
            #expect(menu.bool("shouldClose") == false)
            #expect(menu.string("ussdMenu")?.hasPrefix("Duong day bao ve tre em") == true)
            let answer = try await client.execute(
                uri: "/webhooks/infobip-ussd/session/ib-7/response", method: .post, headers: json,
                body: ByteBuffer(string: #"{"msisdn":"84912345678","text":"2"}"#))
            #expect(try JSONBody(Array(buffer: answer.body)).string("ussdMenu") != menu.string("ussdMenu"))
            let end = try await client.execute(
                uri: "/webhooks/infobip-ussd/session/ib-7/end", method: .put, headers: json, body: ByteBuffer(string: #"{"reason":"ok"}"#))
            #expect(end.status == .ok)
        }
    }

    @Test("a delivery report naming our reference is kept even when it beats the send's own settling")
    func reportBeforeSettle() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("h.sqlite").path)
        let now = Date()
        try await store.queueNotice(
            OutboundSMS(gatewayID: "kannel", to: try PhoneNumber(parsing: "0912345678"), text: "x", purpose: .operatorNotice), at: now)
        let item = try #require(try await store.claimDueOutbox(now: now, limit: 1, lease: 60).first)
        let reference = OutboundReference.make(outboxID: item.id)
        #expect(
            try await store.recordDelivery(gatewayID: "other", gatewayMessageID: reference, status: "delivered", detail: "", at: now)
                == false)
        #expect(
            try await store.recordDelivery(gatewayID: "kannel", gatewayMessageID: reference, status: "delivered", detail: "dlr 1", at: now))
        try await store.settleOutbox(item, outcome: .sent(gatewayMessageID: reference), at: now)
        let statuses = try await store.outboundMessageStatuses()
        #expect(statuses.count == 1)
        #expect(statuses.first?.status == "delivered")
        #expect(statuses.first?.gatewayMessageID == reference)
        try await store.close()
    }

    @Test("the allow-list is checked against the real peer address")
    func allowList() async throws {
        let config = try copyOfBundledConfig()
        defer { try? FileManager.default.removeItem(at: config.deletingLastPathComponent()) }
        let body = "id=j-1&from=84912345678&to=18001769&content=chao&coding=0"
        let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        try await withApp(config: config.path, mode: .live) { client, _ in
            let allowed = try await client.execute(uri: "/webhooks/jasmin", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(allowed.status == .ok)
            #expect(String(buffer: allowed.body) == "ACK/Jasmin")
        }
        let file = config.appendingPathComponent("gateways/jasmin.yaml")
        try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: #"["127.0.0.1", "10.0.0.0/8"]"#, with: #"["10.0.0.0/8"]"#)
            .write(to: file, atomically: true, encoding: .utf8)
        try await withApp(config: config.path, mode: .live) { client, store in
            let refused = try await client.execute(uri: "/webhooks/jasmin", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(refused.status == .forbidden)
            #expect(try await store.messageCount() == 0)
        }
    }
}

@Suite("Webhooks under mutated input, through the router")
struct WebhookFuzzTests {
    /// Seeds: one real request per bundled gateway.
    static let seeds: [(path: String, method: HTTPRequest.Method, type: String, body: String)] = [
        (
            "/webhooks/at-sms", .post, "application/x-www-form-urlencoded",
            "id=ATXid_1&from=%2B84912345678&to=18001769&text=chao&date=2026-11-29+06%3A04%3A45"
        ),
        (
            "/webhooks/at-ussd", .post, "application/x-www-form-urlencoded",
            "sessionId=S1&serviceCode=*384*1769%23&phoneNumber=%2B84912345678&text=1*2"
        ),
        ("/webhooks/twilio", .post, "application/x-www-form-urlencoded", "MessageSid=SM1&From=%2B84912345678&To=%2B1800&Body=chao"),
        (
            "/webhooks/vonage?msisdn=84912345678&to=1&messageId=V1&text=chao&type=text&concat=true&concat-ref=1&concat-total=2&concat-part=1",
            .get, "", ""
        ),
        (
            "/webhooks/kannel?sender=0912345678&to=18001769&text=%00C%00h&coding=2&charset=UTF-16BE&id=K1&udh=%05%00%03%01%02%01", .get, "",
            ""
        ),
        ("/webhooks/jasmin", .post, "application/x-www-form-urlencoded", "id=J1&from=84912345678&to=18001769&content=chao&coding=0"),
        (
            "/webhooks/infobip", .post, "application/json",
            #"{"results":[{"messageId":"I1","from":"84912345678","to":"18001769","text":"chao"}]}"#
        ),
        (
            "/webhooks/clickatell", .post, "application/json",
            #"{"messageId":"C1","fromNumber":"84912345678","text":"%00C","charset":"UTF-16BE"}"#
        ),
        (
            "/webhooks/hubtel-ussd", .post, "application/json",
            #"{"Mobile":"84912345678","SessionId":"H1","Type":"Response","Message":"1","Sequence":2}"#
        ),
        ("/webhooks/infobip-ussd/session/B1/response", .post, "application/json", #"{"msisdn":"84912345678","text":"1"}"#),
        (
            "/webhooks/generic-sms", .post, "text/xml",
            "<moRequest><source>84912345678</source><content>chao</content><msgId>G1</msgId></moRequest>"
        ),
    ]

    @Test("3,000 mutated webhook requests: never a 5xx, and every refusal says why")
    func mutatedRequests() async throws {
        let config = try bundledConfigWithoutAuth()
        defer { try? FileManager.default.removeItem(at: config.deletingLastPathComponent()) }
        try await withApp(config: config.path) { client, _ async throws in
            var rng = AdapterRNG(state: 2026_11_29)
            for i in 0..<3_000 {
                let seed = Self.seeds[i % Self.seeds.count]
                var body = Array(seed.body.utf8)
                var path = seed.path
                let pieces = ["%", "%G0", "&", "=", "\u{0}", "ơ", "<", "\"", "{", "*", "99999999999999999999", "+84", "&concat-part=9"]
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let piece = Array(pieces.randomElement(using: &rng)!.utf8)
                    if seed.method == .get {
                        var bytes = Array(path.utf8)
                        let start = path.firstIndex(of: "?").map { path.utf8.distance(from: path.utf8.startIndex, to: $0) } ?? bytes.count
                        let at = Int.random(in: start...bytes.count, using: &rng)
                        if Bool.random(using: &rng) {
                            bytes.insert(contentsOf: piece, at: at)
                        } else if at < bytes.count {
                            bytes.removeSubrange(at..<min(bytes.count, at + 3))
                        }
                        path = String(decoding: bytes, as: UTF8.self)
                    } else if Bool.random(using: &rng) || body.isEmpty {
                        body.insert(contentsOf: piece, at: Int.random(in: 0...body.count, using: &rng))
                    } else {
                        body[Int.random(in: 0..<body.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                    }
                }
                var headers = HTTPFields()
                if !seed.type.isEmpty { headers[.contentType] = seed.type }
                guard
                    let response = try? await client.execute(
                        uri: path, method: seed.method, headers: headers, body: ByteBuffer(bytes: body))
                else { continue }  // a URI the HTTP layer itself rejects never reaches us
                #expect(response.status.code < 500, "case \(i) \(path): \(response.status.code) \(String(buffer: response.body))")
                if response.status.code >= 400 {
                    #expect(!String(buffer: response.body).isEmpty, "case \(i): a refusal without a reason")
                }
            }
        }
    }
}

/// A small deterministic generator, so a failing case is reproducible.
struct AdapterRNG: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("A first text through every bundled SMS gateway gets the menu, by the gateway's own way of replying")
struct EverySMSGatewayTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var gateway: String
        var method: HTTPRequest.Method
        var contentType: String
        var body: String
        var query: String = ""
        /// True when the reply is in the webhook answer; false when it is queued for the send API.
        var inResponse: Bool
        var testDescription: String { gateway }
    }

    static let cases: [Case] = [
        Case(
            gateway: "at-sms", method: .post, contentType: "application/x-www-form-urlencoded",
            body: "id=A1&from=%2B84912345678&to=18001769&text=chao", inResponse: false),
        Case(
            gateway: "twilio", method: .post, contentType: "application/x-www-form-urlencoded",
            body: "MessageSid=SM1&From=%2B84912345678&To=%2B18005550111&Body=chao", inResponse: true),
        Case(
            gateway: "vonage", method: .get, contentType: "", body: "",
            query: "msisdn=84912345678&to=84900000169&messageId=V1&text=chao&type=text", inResponse: false),
        Case(
            gateway: "kannel", method: .get, contentType: "", body: "",
            query: "sender=0912345678&to=18001769&text=chao&id=K1&coding=0&charset=UTF-8", inResponse: true),
        Case(
            gateway: "jasmin", method: .post, contentType: "application/x-www-form-urlencoded",
            body: "id=J1&from=84912345678&to=18001769&content=chao&coding=0", inResponse: false),
        Case(
            gateway: "infobip", method: .post, contentType: "application/json",
            body:
                #"{"results":[{"messageId":"I1","from":"84912345678","to":"18001769","text":"chao","receivedAt":"2026-11-29T06:14:45.000+0000"}]}"#,
            inResponse: false),
        Case(
            gateway: "clickatell", method: .post, contentType: "application/json",
            body:
                #"{"messageId":"C1","fromNumber":"84912345678","toNumber":"18001769","timestamp":1795932845000,"text":"chao","charset":"UTF-8"}"#,
            inResponse: false),
        Case(
            gateway: "generic-sms", method: .post, contentType: "text/xml",
            body:
                "<moRequest><source>84912345678</source><destination>18001769</destination><content>chao</content><msgId>G1</msgId></moRequest>",
            inResponse: false),
    ]

    @Test(
        "the menu comes back (again to a retry, where the reply is the response) and a retry changes nothing", arguments: cases)
    func firstText(_ c: Case) async throws {
        let config = try bundledConfigWithoutAuth()
        defer { try? FileManager.default.removeItem(at: config.deletingLastPathComponent()) }
        try await withApp(config: config.path) { client, store async throws in
            var headers = HTTPFields()
            if !c.contentType.isEmpty { headers[.contentType] = c.contentType }
            let uri = "/webhooks/\(c.gateway)" + (c.query.isEmpty ? "" : "?\(c.query)")
            for attempt in 1...2 {
                let response = try await client.execute(uri: uri, method: c.method, headers: headers, body: ByteBuffer(string: c.body))
                #expect(response.status == .ok, "\(c.gateway): \(String(buffer: response.body))")
                let answer = String(buffer: response.body)
                // A gateway that reads the reply from the response retries only when it got none.
                #expect(answer.contains("Duong day bao ve tre em") == c.inResponse, "\(c.gateway) attempt \(attempt) answer: \(answer)")
                #expect(try await store.messageCount() == 2)
                let queued = try await store.outbox(kind: "sms")
                #expect(queued.count == (c.inResponse ? 0 : 1))
            }
        }
    }

    @Test("Kannel parts with a UDH are joined; the last part's answer carries the reply")
    func kannelParts() async throws {
        let config = try bundledConfigWithoutAuth()
        defer { try? FileManager.default.removeItem(at: config.deletingLastPathComponent()) }
        try await withApp(config: config.path) { client, store async throws in
            let first = try await client.execute(
                uri: "/webhooks/kannel?sender=0912345678&to=18001769&text=chu+oi+cuu+em%2C+bo+dang+&id=U1&udh=%05%00%03%2A%02%01",
                method: .get)
            #expect(String(buffer: first.body).isEmpty)
            #expect(try await store.messageCount() == 0)
            let second = try await client.execute(
                uri: "/webhooks/kannel?sender=0912345678&to=18001769&text=danh+em&id=U2&udh=%05%00%03%2A%02%02", method: .get)
            #expect(String(buffer: second.body).hasPrefix("Goi ngay 111 mien phi"))
            #expect(try await store.outbox(kind: "escalation").map(\.priority) == [.p1])
        }
    }
}

@Suite("Replies within a gateway's max_parts")
struct ReplySplitTests {
    @Test("a reply over max_parts goes as several messages, each within it, nothing lost")
    func split() {
        let words = (1...120).map { "tu\($0)" }.joined(separator: " ")  // about 700 GSM-7 characters: 5 parts
        let messages = SMSTurnHandler.messages(words, maxParts: 2)
        #expect(messages.count == 3)
        #expect(messages.allSatisfy { SMSText.analyze($0).segments <= 2 })
        #expect(messages.joined().filter { !$0.isWhitespace } == words.filter { !$0.isWhitespace })
        #expect(SMSTurnHandler.messages("ngan", maxParts: 1) == ["ngan"])
    }
}

@Suite("Each bundled gateway's proof of origin, through the router")
struct GatewayAuthTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var gateway: String
        var variable: String
        var uri: String
        var contentType: String
        var body: String
        /// What proves the request: headers to add, or a suffix to the URI.
        var proofHeader: (String, String)?
        var proofQuery: String?
        var testDescription: String { gateway }
    }

    static let cases: [Case] = [
        Case(
            gateway: "infobip", variable: "INFOBIP_WEBHOOK_SECRET", uri: "/webhooks/infobip", contentType: "application/json",
            body: #"{"results":[{"messageId":"I9","from":"84912345678","to":"18001769","text":"chao"}]}"#, proofQuery: "secret=s3cret"),
        Case(
            gateway: "clickatell", variable: "CLICKATELL_WEBHOOK_SECRET", uri: "/webhooks/clickatell", contentType: "application/json",
            body: #"{"messageId":"C9","fromNumber":"84912345678","text":"chao","charset":"UTF-8"}"#,
            proofHeader: ("X-Hotline-Secret", "s3cret")),
        Case(
            gateway: "hubtel-ussd", variable: "HUBTEL_WEBHOOK_PASSWORD", uri: "/webhooks/hubtel-ussd", contentType: "application/json",
            body: #"{"Mobile":"84912345678","SessionId":"h9","Type":"Initiation","Message":"*714#","Sequence":1}"#,
            proofHeader: ("Authorization", "Basic " + Data("hubtel:s3cret".utf8).base64EncodedString())),
        Case(
            gateway: "generic-sms", variable: "GENERIC_SMS_WEBHOOK_PASSWORD", uri: "/webhooks/generic-sms", contentType: "text/xml",
            body: "<moRequest><source>84912345678</source><content>chao</content><msgId>g9</msgId></moRequest>",
            proofHeader: ("Authorization", "Basic " + Data("telco:s3cret".utf8).base64EncodedString())),
    ]

    @Test(
        "with its secret set: proven passes, unproven is 401; with the secret unset the gateway answers 503, nothing stored",
        arguments: cases)
    func proof(_ c: Case) async throws {
        @Sendable func send(_ client: any TestClientProtocol, proven: Bool) async throws -> TestResponse {
            var headers: HTTPFields = [.contentType: c.contentType]
            if proven, let (name, value) = c.proofHeader { headers[HTTPField.Name(name)!] = value }
            let uri = proven && c.proofQuery != nil ? "\(c.uri)?\(c.proofQuery!)" : c.uri
            return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: c.body))
        }
        try await withApp(environment: ServiceEnvironment([c.variable: "s3cret"])) { client, store async throws in
            #expect(try await send(client, proven: false).status == .unauthorized)
            #expect(try await store.messageCount() == 0)
            #expect(try await send(client, proven: true).status == .ok)
            #expect(try await store.messageCount() == 2)
        }
        try await withApp { client, store async throws in
            let closed = try await send(client, proven: true)
            #expect(closed.status == .serviceUnavailable)
            #expect(String(buffer: closed.body).contains("\(c.variable) is not set"))
            #expect(try await store.messageCount() == 0)
        }
    }
}

@Suite("Review fixes: parts, masked errors, foreign numbers")
struct ReviewFixTests {
    @Test("processing a timed-out set deletes only the parts it read, so one arriving meanwhile is kept")
    func partArrivingDuringSweep() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("h.sqlite").path)
        let phone = try PhoneNumber(parsing: "0912345678")
        func part(_ index: Int) -> InboundPart {
            InboundPart(
                gatewayID: "vonage", phone: phone, to: "1", reference: "r", total: 3, index: index, messageID: "p\(index)",
                text: "t\(index)")
        }
        _ = try await store.storePart(part(1), at: Date())
        let read = try #require(try await store.partSetsDue(before: Date().addingTimeInterval(60)).first)
        _ = try await store.storePart(part(2), at: Date())
        try await store.deletePartSet(read)
        let left = try await store.partSetsDue(before: Date().addingTimeInterval(60))
        #expect(left.map(\.text) == ["t2"])
        #expect(left.first?.messageID != read.messageID)
        try await store.close()
    }

    @Test("a gateway's error quoting the number is stored with the number masked")
    func maskedErrors() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("h.sqlite").path)
        try await store.queueNotice(
            OutboundSMS(gatewayID: "twilio", to: try PhoneNumber(parsing: "0912345678"), text: "x", purpose: .operatorNotice), at: Date())
        let item = try #require(try await store.claimDueOutbox(now: Date(), limit: 1, lease: 60).first)
        try await store.settleOutbox(item, outcome: .failed(error: "Twilio 21211: Invalid 'To' Phone Number: +84912345678"), at: Date())
        let summary = try #require(try await store.outboxSummaries(kind: "sms", status: "failed", limit: 5).first)
        #expect(summary.lastError == "Twilio 21211: Invalid 'To' Phone Number: +8491*******")
        try await store.close()
    }

    @Test("an SMSC's foreign sender without its + is read as international, and refusals do not repeat the digits")
    func foreignSender() throws {
        let events = try Kannel().parse(GatewayRequest(method: "GET", path: "/", query: "sender=8613912345678&text=ni+hao&id=f1"))
        guard case .message(let sms) = try #require(events.first) else {
            Issue.record("not a message")
            return
        }
        #expect(sms.from.value == "+8613912345678")
        let refused = #expect(throws: GatewayError.self) {
            try Kannel().parse(GatewayRequest(method: "GET", path: "/", query: "sender=0912345&text=x"))
        }
        #expect(refused?.reason.contains("0912345") == false)
    }
}
