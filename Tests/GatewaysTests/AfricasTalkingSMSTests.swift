import Foundation
import Testing

@testable import Gateways
@testable import HotlineCore

@Suite("Africa's Talking SMS adapter: incoming messages, delivery reports, the send API")
struct AfricasTalkingSMSTests {
    static func post(_ name: String) throws -> GatewayRequest {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/africastalking-sms/\(name)", withExtension: "form"))
        return GatewayRequest(
            method: "POST", path: "/webhooks/at-sms", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: Array(try Data(contentsOf: url)))
    }

    let adapter = AfricasTalkingSMS()

    @Test("an incoming message gives its id, sender, short code, text and time")
    func message() throws {
        let event = try adapter.event(try Self.post("message"))
        #expect(
            event
                == .message(
                    InboundSMS(
                        messageID: "ATXid_a7a9bd8b1b1b1b1b", from: try PhoneNumber(parsing: "+84912345678"), to: "18001769",
                        text: "toi bi bo danh", receivedAt: Date(timeIntervalSince1970: 1_493_791_485))))
    }

    @Test("accented text, a local number and an ISO time are read")
    func accentedLocal() throws {
        guard case .message(let sms) = try adapter.event(try Self.post("accented-local")) else {
            Issue.record("not a message")
            return
        }
        #expect(sms.text == "Chú ơi cứu em")
        #expect(sms.from.value == "+84912345678")
        #expect(sms.receivedAt == Date(timeIntervalSince1970: 1_795_932_285))
    }

    @Test("delivery reports map Success to delivered and Rejected to failed")
    func deliveryReports() throws {
        #expect(
            try adapter.event(try Self.post("delivered"))
                == .deliveryReport(DeliveryReport(gatewayMessageID: "ATXid_dd6e2f5e9d", status: .delivered, detail: "Success")))
        #expect(
            try adapter.event(try Self.post("rejected"))
                == .deliveryReport(DeliveryReport(gatewayMessageID: "ATXid_dd6e2f5e9e", status: .failed, detail: "Rejected")))
        #expect(AfricasTalkingSMS.deliveryStatus("Buffered") == .sent)
    }

    @Test("a sender that is not a phone number is a 400 naming the field")
    func badSender() throws {
        let request = try Self.post("bad-from")
        let error = #expect(throws: GatewayError.self) { try adapter.event(request) }
        #expect(error?.status == 400)
        #expect(error?.reason.hasPrefix("field 'from'") == true)
    }

    @Test("GET and JSON bodies are refused with 405 and 415")
    func wrongMethodOrType() throws {
        var request = try Self.post("message")
        request.method = "GET"
        #expect(throws: GatewayError(status: 405, reason: "Africa's Talking posts SMS and delivery reports; got GET")) {
            try adapter.event(request)
        }
        request = GatewayRequest(method: "POST", path: "/", headers: ["Content-Type": "application/json"], body: Array("{}".utf8))
        #expect(throws: GatewayError.self) { try adapter.event(request) }
    }

    @Test("the send request carries username, number, text and the API key header")
    func sendRequest() throws {
        let request = adapter.sendRequest(
            OutboundText(to: try PhoneNumber(parsing: "0912345678"), text: "Chào em & 111", reference: "hl-1"),
            account: SendAccount(
                url: "https://api.africastalking.com/version1/messaging", username: "hotline-qn", secret: "k3y", from: "18001769"))
        #expect(request.method == "POST")
        #expect(request.headers.contains { $0.0 == "apiKey" && $0.1 == "k3y" })
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == "username=hotline-qn&to=%2B84912345678&message=Ch%C3%A0o%20em%20%26%20111&from=18001769")
    }

    @Test("send responses: Success is accepted with its id, 5xx and 429 are retried, a rejected number fails")
    func sendResponses() {
        let ok =
            #"{"SMSMessageData":{"Message":"Sent to 1/1","Recipients":[{"statusCode":101,"number":"+84912345678","status":"Success","cost":"VND 250","messageId":"ATXid_1"}]}}"#
        #expect(adapter.readSendResponse(status: 201, body: Array(ok.utf8), reference: "hl-1") == .accepted(gatewayMessageID: "ATXid_1"))
        #expect(adapter.readSendResponse(status: 503, body: [], reference: "hl-1") == .retry("HTTP 503: "))
        #expect(adapter.readSendResponse(status: 429, body: [], reference: "hl-1") == .retry("HTTP 429: "))
        if case .failed = adapter.readSendResponse(status: 401, body: Array("bad key".utf8), reference: "hl-1") {
        } else {
            Issue.record("401 must be final")
        }
        let blocked = #"{"SMSMessageData":{"Recipients":[{"statusCode":406,"status":"UserInBlacklist","messageId":"None"}]}}"#
        #expect(adapter.readSendResponse(status: 201, body: Array(blocked.utf8), reference: "hl-1") == .failed("UserInBlacklist"))
        let held = #"{"SMSMessageData":{"Recipients":[{"statusCode":500,"status":"RiskHold"}]}}"#
        #expect(adapter.readSendResponse(status: 201, body: Array(held.utf8), reference: "hl-1") == .retry("RiskHold"))
    }
}
