import Foundation
import Testing

@testable import Gateways
@testable import HotlineCore

@Suite("Vonage adapter: inbound, concat parts, receipts, send API, signed webhooks")
struct VonageTests {
    let adapter = Vonage()

    @Test("an inbound GET gives its id, sender (made international), number, text and time")
    func message() throws {
        let sms = try adapter.parse(try Fixture.request("vonage", "message.query")).onlyMessage()
        #expect(sms.messageID == "FEF3FCDFE66547C7")
        #expect(sms.from == Fixture.phone)
        #expect(sms.text == "toi bi bo danh")
        #expect(sms.receivedAt == (try Date("2026-11-29T06:14:05Z", strategy: .iso8601)))
        #expect(try adapter.parse(try Fixture.request("vonage", "message-unicode.query")).onlyMessage().text.contains("ơ"))
        // The same fields as a POST form are read the same way.
        var post = try Fixture.request("vonage", "message.query")
        post = GatewayRequest(
            method: "POST", path: post.path, headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Array(post.query.utf8))
        #expect(try adapter.parse(post).onlyMessage().messageID == "FEF3FCDFE66547C7")
    }

    @Test("a three-part message arrives as three parts with one reference, texts kept exactly")
    func concatParts() throws {
        var texts: [Int: String] = [:]
        for name in ["concat-1", "concat-3", "concat-2"] {
            let events = try adapter.parse(try Fixture.request("vonage", "\(name).query"))
            guard case .part(let part) = try #require(events.first) else {
                Issue.record("\(name) is not a part")
                return
            }
            #expect(part.reference == "147")
            #expect(part.total == 3)
            texts[part.index] = part.message.text
        }
        let joined = (1...3).compactMap { texts[$0] }.joined()
        #expect(joined.hasPrefix("Chao chu, em ten la Lan"))
        #expect(joined.contains("rat dau, em khong dam ve nha."))
        #expect(joined.hasSuffix("nhan tin cho chu nhe."))
    }

    @Test("receipts map delivered and failed; a concat part with a bad number is 400")
    func receipts() throws {
        let delivered = try adapter.parse(try Fixture.request("vonage", "dlr-delivered.query")).onlyReport()
        #expect(delivered == DeliveryReport(gatewayMessageID: "5E7F0FE90BEBB047", status: .delivered, detail: "delivered"))
        #expect(try adapter.parse(try Fixture.request("vonage", "dlr-failed.query")).onlyReport().status == .failed)
        #expect(try adapter.parse(try Fixture.request("vonage", "dlr-accepted.query")).onlyReport().status == .sent)
        let withReference = GatewayRequest(method: "GET", path: "/", query: "messageId=X1&status=delivered&client-ref=hl-42&err-code=0")
        #expect(try adapter.parse(withReference).onlyReport().gatewayMessageID == "hl-42")
        let bad = GatewayRequest(
            method: "GET", path: "/",
            query: "msisdn=84912345678&messageId=A&text=x&type=text&concat=true&concat-ref=1&concat-total=3&concat-part=4")
        #expect(throws: GatewayError.self) { try adapter.parse(bad) }
    }

    @Test("sends are form posts with type unicode only for marked text and our client-ref")
    func send() {
        let account = SendAccount(
            url: Vonage.defaultSendURL, username: "key", secret: "sec", from: "18001769",
            statusCallback: "https://h.example/webhooks/vonage")
        let plain = adapter.sendRequest(OutboundText(to: Fixture.phone, text: "Chao em", reference: "hl-9"), account: account)
        #expect(
            plain.bodyText
                == "api_key=key&api_secret=sec&to=84912345678&text=Chao%20em&type=text&client-ref=hl-9&from=18001769&status-report-req=1&callback=https%3A%2F%2Fh.example%2Fwebhooks%2Fvonage"
        )
        let marked = adapter.sendRequest(OutboundText(to: Fixture.phone, text: "Chú ơi", reference: "hl-9"), account: account)
        #expect(marked.bodyText.contains("&type=unicode&"))
    }

    @Test("send answers: status 0 accepted under our reference, 1 retried, other statuses final even with HTTP 200")
    func sendAnswers() throws {
        #expect(
            adapter.readSendResponse(status: 200, body: try Fixture.bytes("vonage", "send-response.json"), reference: "hl-9")
                == .accepted(gatewayMessageID: "hl-9"))
        #expect(
            adapter.readSendResponse(status: 200, body: try Fixture.bytes("vonage", "send-rejected.json"), reference: "hl-9")
                == .failed("Vonage status 29: Non White-listed Destination - rejected"))
        guard case .retry = adapter.readSendResponse(status: 200, body: try Fixture.bytes("vonage", "send-throttled.json"), reference: "")
        else { throw GatewayError(status: 0, reason: "throttled must be retried") }
    }

    /// The moment the published vectors were signed (their `timestamp`): checked then, they are fresh.
    static let vectorTime = Date(timeIntervalSince1970: 1_385_047_698)

    @Test("the published md5hash and HMAC-SHA256 vectors pass; forgeries and a wrong method fail")
    func signatureVectors() throws {
        let secret = "my_secret_key_for_testing"
        let md5 = WebhookAuth(signature: .vonage(secret: secret, method: .md5hash))
        let sha256 = WebhookAuth(signature: .vonage(secret: secret, method: .sha256))
        let signed = try Fixture.request("vonage", "signed.query")
        #expect(md5.refusal(signed, remoteAddress: nil, now: Self.vectorTime) == nil)
        #expect(sha256.refusal(signed, remoteAddress: nil, now: Self.vectorTime)?.status == 403)
        let signedSHA = try Fixture.request("vonage", "signed-sha256.query")
        #expect(sha256.refusal(signedSHA, remoteAddress: nil, now: Self.vectorTime) == nil)
        // The same vector as a POST form verifies too: every method is signed alike.
        let post = GatewayRequest(
            method: "POST", path: "/", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Array(signed.query.utf8))
        #expect(md5.refusal(post, remoteAddress: nil, now: Self.vectorTime) == nil)

        var tampered = signed
        tampered.query = signed.query.replacingOccurrences(of: "Test+again", with: "Test+agai")
        #expect(md5.refusal(tampered, remoteAddress: nil, now: Self.vectorTime)?.status == 403)
        let wrongSecret = WebhookAuth(signature: .vonage(secret: "not_the_secret", method: .md5hash))
        #expect(wrongSecret.refusal(signed, remoteAddress: nil, now: Self.vectorTime)?.status == 403)
        var unsigned = signed
        unsigned.query = signed.query.components(separatedBy: "&sig=")[0]
        #expect(md5.refusal(unsigned, remoteAddress: nil, now: Self.vectorTime)?.status == 401)
    }

    /// The fixtures' common time; the clock every freshness test reads.
    static let clock = Date(timeIntervalSince1970: 1_795_932_845)
    static let secret = "vonage-signature-secret-hotline"

    /// An inbound SMS as Vonage sends it with signed webhooks on, signed `offset` seconds from `clock`.
    static func signedInbound(offset: Int, method: String) -> GatewayRequest {
        let params = [
            "msisdn": "84912345678", "to": "84900000169", "messageId": "1E0000011B7F3C4A", "text": "Em can giup & tu van = ngay",
            "type": "text", "keyword": "EM", "api-key": "abcd1234", "message-timestamp": "2026-11-29 06:14:05",
            "nonce": "7b6e1f0a-3c2d-4e5f-9a8b-1c2d3e4f5a6b", "timestamp": String(Int(clock.timeIntervalSince1970) + offset),
        ]
        return GatewayRequest(
            method: "GET", path: "/webhooks/vonage", query: VonageReferenceSigner.signedQuery(params, secret: secret, method: method))
    }

    @Test(
        "a signed request within 5 minutes of the clock, either way, is accepted (md5hash and sha256)",
        arguments: ["md5hash", "sha256"], [-300, -1, 0, 1, 300])
    func freshSignedRequest(method: String, offset: Int) throws {
        let auth = WebhookAuth(signature: .vonage(secret: Self.secret, method: try #require(VonageSignature.Method(rawValue: method))))
        let request = Self.signedInbound(offset: offset, method: method)
        #expect(auth.refusal(request, remoteAddress: nil, now: Self.clock) == nil)
        #expect(try adapter.parse(request).onlyMessage().text == "Em can giup & tu van = ngay")
    }

    @Test(
        "a signed request more than 5 minutes old or ahead is refused 401 as a possible replay (md5hash and sha256)",
        arguments: ["md5hash", "sha256"], [-301, 301, -3_600, 86_400, -8 * 86_400])
    func staleSignedRequest(method: String, offset: Int) throws {
        let auth = WebhookAuth(signature: .vonage(secret: Self.secret, method: try #require(VonageSignature.Method(rawValue: method))))
        let refusal = try #require(auth.refusal(Self.signedInbound(offset: offset, method: method), remoteAddress: nil, now: Self.clock))
        #expect(refusal.status == 401)
        let when = offset < 0 ? "\(-offset) s old" : "\(offset) s ahead of our clock"
        #expect(
            refusal.reason
                == "the signed timestamp is \(when); requests more than 5 minutes from our clock are refused as possible replays (check both clocks)"
        )
    }

    @Test("the window is held to the injected clock to the fraction of a second")
    func windowEdge() {
        let auth = WebhookAuth(signature: .vonage(secret: Self.secret, method: .sha256))
        let request = Self.signedInbound(offset: 0, method: "sha256")
        #expect(auth.refusal(request, remoteAddress: nil, now: Self.clock.addingTimeInterval(300)) == nil)
        #expect(auth.refusal(request, remoteAddress: nil, now: Self.clock.addingTimeInterval(300.001))?.status == 401)
        #expect(auth.refusal(request, remoteAddress: nil, now: Self.clock.addingTimeInterval(-300)) == nil)
        #expect(auth.refusal(request, remoteAddress: nil, now: Self.clock.addingTimeInterval(-300.001))?.status == 401)
    }

    @Test("a correctly signed request without a usable timestamp is refused 401 with the reason")
    func signedWithoutTimestamp() {
        let auth = WebhookAuth(signature: .vonage(secret: Self.secret, method: .md5hash))
        let base = ["msisdn": "84912345678", "to": "84900000169", "messageId": "1E0000011B7F3C4B", "text": "chao", "type": "text"]
        let none = GatewayRequest(
            method: "GET", path: "/", query: VonageReferenceSigner.signedQuery(base, secret: Self.secret, method: "md5hash"))
        #expect(
            auth.refusal(none, remoteAddress: nil, now: Self.clock)
                == GatewayError(status: 401, reason: "the signed request carries no timestamp, so it could be a replay"))
        var words = base
        words["timestamp"] = "2026-11-29T06:14:05Z"
        let unreadable = GatewayRequest(
            method: "GET", path: "/", query: VonageReferenceSigner.signedQuery(words, secret: Self.secret, method: "md5hash"))
        #expect(
            auth.refusal(unreadable, remoteAddress: nil, now: Self.clock)
                == GatewayError(status: 401, reason: "the signed timestamp is not Unix seconds"))
    }

    @Test("a forged signature is 403 whatever its timestamp: freshness is only read once the signature holds")
    func forgedStaysForbidden() {
        let auth = WebhookAuth(signature: .vonage(secret: "another-secret", method: .md5hash))
        for offset in [0, -3_600] {
            #expect(auth.refusal(Self.signedInbound(offset: offset, method: "md5hash"), remoteAddress: nil, now: Self.clock)?.status == 403)
        }
    }

    @Test("every Vonage method signs the sorted fields; values' & and = become _")
    func signingString() {
        let fields = [(name: "text", value: "a=b&c"), (name: "message-timestamp", value: "t"), (name: "messageId", value: "1")]
        for method in VonageSignature.Method.allCases {
            let one = VonageSignature.sign(fields, secret: "s", method: method)
            #expect(one == VonageSignature.sign(fields.reversed(), secret: "s", method: method))
            #expect(
                one
                    == VonageSignature.sign(
                        [fields[0]] + [(name: "message-timestamp", value: "t"), (name: "messageId", value: "1")], secret: "s",
                        method: method))
            #expect(one != VonageSignature.sign(fields, secret: "t", method: method))
        }
        #expect(
            VonageSignature.sign([(name: "text", value: "a=b&c")], secret: "s", method: .md5hash)
                == VonageSignature.sign([(name: "text", value: "a_b_c")], secret: "s", method: .md5hash))
    }
}
