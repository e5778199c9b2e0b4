import Foundation
import Testing

@testable import Gateways
@testable import HotlineCore

@Suite("Infobip SMS adapter: captured payloads in, requests out")
struct InfobipTests {
    @Test("Infobip pushes several messages in one request; each is read with its time")
    func infobipMessages() throws {
        let events = try Infobip().parse(try Fixture.request("infobip", "message-batch.json"))
        #expect(events.count == 2)
        guard case .message(let first) = events[0], case .message(let second) = events[1] else {
            Issue.record("not two messages")
            return
        }
        #expect(first.from == Fixture.phone)
        #expect(first.text == "1")
        #expect(first.receivedAt == (try Date("2026-11-29T06:14:45Z", strategy: .iso8601)))
        #expect(second.from.value == "+84987654321")
        #expect(try Infobip().parse(try Fixture.request("infobip", "message-unicode.json")).onlyMessage().text.contains("ơ"))
    }

    @Test("Infobip reports by status group; sends carry our reference as the message id")
    func infobipReportsAndSend() throws {
        let infobip = Infobip()
        let report = try infobip.parse(try Fixture.request("infobip", "dlr.json")).onlyReport()
        #expect(
            report
                == DeliveryReport(
                    gatewayMessageID: "f41f8b78-7d9a-4b62-af02-7b4eeb972185", status: .delivered, detail: "DELIVERED_TO_HANDSET"))
        #expect(try infobip.parse(try Fixture.request("infobip", "dlr-undeliverable.json")).onlyReport().status == .failed)
        let request = infobip.sendRequest(
            OutboundText(to: Fixture.phone, text: "Chao em", reference: "hl-4"),
            account: SendAccount(url: Infobip.defaultSendURL, username: "", secret: "k", from: "18001769", statusCallback: "https://h/cb"))
        #expect(request.header("Authorization") == "App k")
        let body = try JSONBody(request.body)
        #expect(body.string("messages.0.destinations.0.to") == "84912345678")
        #expect(body.string("messages.0.destinations.0.messageId") == "hl-4")
        #expect(body.string("messages.0.content.text") == "Chao em")
        #expect(body.string("messages.0.sender") == "18001769")
        #expect(body.string("messages.0.webhooks.delivery.url") == "https://h/cb")
        #expect(
            infobip.readSendResponse(status: 200, body: try Fixture.bytes("infobip", "send-response.json"), reference: "hl-4")
                == .accepted(gatewayMessageID: "f41f8b78-7d9a-4b62-af02-7b4eeb972185"))
    }
}
