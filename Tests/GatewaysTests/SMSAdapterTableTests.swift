import Foundation
import Testing

@testable import Gateways
@testable import HotlineCore

@Suite("Jasmin, Infobip and Clickatell adapters: captured payloads in, requests out")
struct SMSAdapterTableTests {
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
