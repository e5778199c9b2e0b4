import Foundation
import Testing

@testable import Gateways
@testable import HotlineCore

@Suite("Kannel adapter: get-url escape codes, charsets, sendsms")
struct KannelTests {
    static func get(_ name: String) throws -> GatewayRequest {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/kannel/\(name)", withExtension: "query"))
        return GatewayRequest(method: "GET", path: "/webhooks/kannel", query: try String(contentsOf: url, encoding: .utf8))
    }

    let adapter = Kannel()

    /// The one message a request carries.
    func message(_ name: String) throws -> InboundSMS {
        let events = try adapter.parse(try Self.get(name))
        guard events.count == 1, case .message(let sms) = events[0] else { throw GatewayError(status: 0, reason: "not one message") }
        return sms
    }

    @Test("a GSM message gives sender, short code, text, id and time")
    func gsm() throws {
        let sms = try message("gsm")
        #expect(sms.from.value == "+84912345678")
        #expect(sms.to == "18001769")
        #expect(sms.text == "toi bi bo danh")
        #expect(sms.messageID == "0b5e2c3e-7a1f-4c59-8d51-6f1c0a2e9b11")
        #expect(sms.receivedAt == Date(timeIntervalSince1970: 1_795_932_285))
    }

    @Test("a UCS-2 message arrives as UTF-16BE bytes and is decoded to Vietnamese")
    func ucs2() throws {
        #expect(try message("ucs2").text == "Chú ơi")
    }

    @Test("with mo-recode, a UCS-2 message arrives as UTF-8 and says so in charset")
    func recoded() throws {
        #expect(try message("ucs2-recoded").text == "Chú ơi")
    }

    @Test("bytes that are not UTF-8 and a missing sender are 400 with the reason")
    func badInput() throws {
        let bad = #expect(throws: GatewayError.self) { try adapter.parse(try Self.get("bad-utf8")) }
        #expect(bad?.reason.contains("not valid UTF-8") == true)
        #expect(throws: GatewayError.missingField("sender")) { try adapter.parse(try Self.get("no-sender")) }
    }

    @Test("the reply is the text/plain body; sendsms carries coding 0 for GSM and 2 for Vietnamese marks")
    func replyAndSend() throws {
        #expect(adapter.respond(reply: "Da nhan").body == "Da nhan")
        #expect(adapter.respond(reply: nil).body == "")
        let phone = try PhoneNumber(parsing: "0912345678")
        let account = SendAccount(url: "http://127.0.0.1:13013/cgi-bin/sendsms", username: "hotline", secret: "p w", from: "18001769")
        let plain = adapter.sendRequest(OutboundText(to: phone, text: "Chao em", reference: "hl-7"), account: account)
        #expect(
            plain.url
                == "http://127.0.0.1:13013/cgi-bin/sendsms?username=hotline&password=p%20w&to=%2B84912345678&text=Chao%20em&charset=UTF-8&coding=0&from=18001769"
        )
        let marked = adapter.sendRequest(OutboundText(to: phone, text: "Chào em ơi", reference: "hl-8"), account: account)
        #expect(marked.url.contains("&coding=2"))
        #expect(
            adapter.readSendResponse(status: 202, body: Array("0: Accepted for delivery".utf8), reference: "hl-7")
                == .accepted(gatewayMessageID: "hl-7"))
        #expect(adapter.readSendResponse(status: 503, body: [], reference: "hl-7") == .retry("HTTP 503: "))
        #expect(
            adapter.readSendResponse(status: 403, body: Array("Authorization failed for sendsms".utf8), reference: "hl-7")
                == .failed("HTTP 403: Authorization failed for sendsms"))
    }

    @Test("a Kannel part's UDH (8- and 16-bit references) makes it a part; a malformed UDH leaves a message")
    func kannelUDH() throws {
        let kannel = Kannel()
        let eight = GatewayRequest(method: "GET", path: "/", query: "sender=0912345678&text=abc&udh=%05%00%03%2A%03%02&id=p2")
        guard case .part(let part) = try #require(try kannel.parse(eight).first) else {
            Issue.record("not a part")
            return
        }
        #expect(part.reference == "42")
        #expect(part.total == 3)
        #expect(part.index == 2)
        #expect(UDH.concatenation([6, 8, 4, 1, 2, 2, 1]) == UDH.Concatenation(reference: 258, total: 2, index: 1))
        #expect(UDH.concatenation([5, 0, 3, 1, 1, 1]) == nil)  // a "set" of one part
        #expect(UDH.concatenation([5, 0, 3, 1, 2, 3]) == nil)  // part 3 of 2
        #expect(UDH.concatenation([9, 0, 3]) == nil)  // shorter than it claims
        let broken = GatewayRequest(method: "GET", path: "/", query: "sender=0912345678&text=abc&udh=%05%00")
        _ = try kannel.parse(broken).onlyMessage()
    }

    @Test("Kannel delivery reports name our reference and map dlr codes")
    func kannelReports() throws {
        let request = GatewayRequest(method: "GET", path: "/", query: "dlr=hl-12&status=1")
        #expect(try Kannel().parse(request).onlyReport() == DeliveryReport(gatewayMessageID: "hl-12", status: .delivered, detail: "dlr 1"))
        #expect(Kannel.deliveryStatus(16) == .failed)
        #expect(Kannel.deliveryStatus(8) == .sent)
        let send = Kannel().sendRequest(
            OutboundText(to: Fixture.phone, text: "x", reference: "hl-12"),
            account: SendAccount(
                url: "http://k/cgi-bin/sendsms", username: "u", secret: "p", statusCallback: "http://127.0.0.1:8080/webhooks/kannel"))
        #expect(send.url.contains("&dlr-mask=31&dlr-url=http%3A%2F%2F127.0.0.1%3A8080%2Fwebhooks%2Fkannel%3Fdlr%3Dhl-12%26status%3D%25d"))
    }
}
