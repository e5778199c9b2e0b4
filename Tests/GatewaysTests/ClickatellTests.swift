import Foundation
import Testing

@testable import Gateways
@testable import HotlineCore

@Suite("Clickatell adapter: captured payloads in, requests out")
struct ClickatellTests {
    @Test(
        "Clickatell texts in UTF-8, UTF-16BE and ISO-8859-1 come out as the same characters",
        arguments: [("message.json", "toi bi bo danh"), ("message-utf16.json", "Chú ơi cứu em"), ("message-iso8859.json", "Chú ôi!")])
    func clickatellCharsets(file: String, text: String) throws {
        let sms = try Clickatell().parse(try Fixture.request("clickatell", file)).onlyMessage()
        #expect(sms.text == text)
        #expect(sms.from == Fixture.phone)
        #expect(sms.receivedAt == Date(timeIntervalSince1970: 1_795_932_845))
    }

    @Test("Clickatell status callbacks and its send API")
    func clickatellReportsAndSend() throws {
        let clickatell = Clickatell()
        #expect(try clickatell.parse(try Fixture.request("clickatell", "dlr.json")).onlyReport().status == .delivered)
        #expect(try clickatell.parse(try Fixture.request("clickatell", "dlr-failed.json")).onlyReport().status == .failed)
        let request = clickatell.sendRequest(
            OutboundText(to: Fixture.phone, text: "Chao em", reference: "hl-5"),
            account: SendAccount(url: Clickatell.defaultSendURL, username: "", secret: "ct-key"))
        #expect(request.header("Authorization") == "ct-key")
        let body = try JSONBody(request.body)
        #expect(body.string("to.0") == "84912345678")
        #expect(body.string("clientMessageId") == "hl-5")
        #expect(
            clickatell.readSendResponse(status: 202, body: try Fixture.bytes("clickatell", "send-response.json"), reference: "hl-5")
                == .accepted(gatewayMessageID: "5fa820af689a7778a2239cb55cc3cb6d"))
        guard
            case .failed = clickatell.readSendResponse(status: 400, body: try Fixture.bytes("clickatell", "send-error.json"), reference: "")
        else { throw GatewayError(status: 0, reason: "a 400 must be final") }
    }
}
