import Foundation
import Testing

@testable import Gateways
@testable import HotlineCore

@Suite("Jasmin adapter: captured payloads in, requests out")
struct JasminTests {
    @Test(
        "Jasmin messages decode every coding to the same Vietnamese text",
        arguments: [
            ("message.form", "toi bi bo danh"), ("message-ucs2.form", "Chú ơi cứu em"), ("message-ucs2-rawcoding.form", "Chú ơi cứu em"),
            ("message-gsm-underscore.form", "em ten Lan, zalo lan_2014"),
        ])
    func jasminMessages(file: String, text: String) throws {
        let sms = try Jasmin().parse(try Fixture.request("jasmin", file)).onlyMessage()
        #expect(sms.text == text)
        #expect(sms.from == Fixture.phone)
        #expect(sms.to == "18001769")
    }

    @Test("Jasmin receipts, its exact ACK, and its /send request with hex-content for UCS-2")
    func jasminReceiptsAndSend() throws {
        let jasmin = Jasmin()
        #expect(
            try jasmin.parse(try Fixture.request("jasmin", "dlr-delivered.form")).onlyReport()
                == DeliveryReport(gatewayMessageID: "e43decbc-f1af-4916-af09-cf3237da2e2f", status: .delivered, detail: "DELIVRD"))
        #expect(try jasmin.parse(try Fixture.request("jasmin", "dlr-undeliv.form")).onlyReport().status == .failed)
        #expect(jasmin.respond(reply: "anything").body == "ACK/Jasmin")
        let account = SendAccount(url: "http://127.0.0.1:1401/send", username: "u", secret: "p", from: "18001769")
        let plain = jasmin.sendRequest(OutboundText(to: Fixture.phone, text: "Chao em", reference: "hl-1"), account: account)
        #expect(plain.bodyText == "username=u&password=p&to=84912345678&content=Chao%20em&from=18001769")
        let marked = jasmin.sendRequest(OutboundText(to: Fixture.phone, text: "Chú ơi", reference: "hl-1"), account: account)
        #expect(marked.bodyText.contains("coding=8&hex-content=0043006800fa002001a10069"))
        #expect(
            jasmin.readSendResponse(status: 200, body: try Fixture.bytes("jasmin", "send-response.txt"), reference: "hl-1")
                == .accepted(gatewayMessageID: "e43decbc-f1af-4916-af09-cf3237da2e2f"))
        guard case .failed = jasmin.readSendResponse(status: 400, body: try Fixture.bytes("jasmin", "send-error.txt"), reference: "")
        else { throw GatewayError(status: 0, reason: "a 400 must be final") }
    }
}
