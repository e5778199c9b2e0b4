import Foundation
import Testing

@testable import Gateways
@testable import HotlineCore

@Suite("Hubtel, Infobip and generic USSD adapters")
struct USSDAdapterTests {
    func request(_ event: USSDEvent) throws -> USSDRequest {
        guard case .request(let request) = event else { throw GatewayError(status: 0, reason: "not a request: \(event)") }
        return request
    }

    @Test("Hubtel: the initiation starts with no answer, a response carries the latest answer and its sequence")
    func hubtel() throws {
        let hubtel = HubtelUSSD()
        let start = try request(try hubtel.parse(try Fixture.request("hubtel-ussd", "initiation.json")))
        #expect(start.text == "")
        #expect(start.phone == Fixture.phone)
        #expect(start.cumulative == false)
        let answer = try request(try hubtel.parse(try Fixture.request("hubtel-ussd", "response.json")))
        #expect(answer.text == "1")
        #expect(answer.sequence == "2")
        #expect(answer.sessionID == start.sessionID)
        #expect(
            try hubtel.parse(try Fixture.request("hubtel-ussd", "release.json")) == .ended(sessionID: start.sessionID, status: "Release"))
        #expect(
            try hubtel.parse(try Fixture.request("hubtel-ussd", "timeout.json")) == .ended(sessionID: start.sessionID, status: "Timeout"))
        let reply = try JSONBody(Array(hubtel.reply("1. Bao cao", continues: true).body.utf8))
        #expect(reply.string("Type") == "Response")
        #expect(reply.string("Message") == "1. Bao cao")
        #expect(try JSONBody(Array(hubtel.reply("Tam biet", continues: false).body.utf8)).string("Type") == "Release")
    }

    @Test("Infobip USSD: the session id and action come from the path; end is a PUT without a number")
    func infobip() throws {
        let infobip = InfobipUSSD()
        let base = "/webhooks/infobip-ussd/session/8ac3a1f0e5d14b2c"
        let start = try request(try infobip.parse(try Fixture.request("infobip-ussd", "start.json", path: base + "/start")))
        #expect(start.sessionID == "8ac3a1f0e5d14b2c")
        #expect(start.text == "")
        let answer = try request(try infobip.parse(try Fixture.request("infobip-ussd", "response.json", path: base + "/response")))
        #expect(answer.text == "1")
        #expect(
            try infobip.parse(try Fixture.request("infobip-ussd", "end.json", path: base + "/end", method: "PUT"))
                == .ended(sessionID: "8ac3a1f0e5d14b2c", status: "ok"))
        #expect(throws: GatewayError.self) { try infobip.parse(try Fixture.request("infobip-ussd", "start.json", path: base + "/reboot")) }
        let reply = try JSONBody(Array(infobip.reply("Menu", continues: false).body.utf8))
        #expect(reply.bool("shouldClose") == true)
        #expect(reply.string("ussdMenu") == "Menu")
        #expect(reply.string("responseExitCode") == "200")
    }

    @Test("generic USSD reads the configured fields and answers with the configured keys")
    func generic() throws {
        let adapter = GenericUSSD(format: GenericUSSDFormat(sessionID: "session.id", phone: "msisdn", text: "input", end: "event"))
        let hit = GatewayRequest(
            method: "POST", path: "/", headers: ["Content-Type": "application/json"],
            body: Array(#"{"session":{"id":"s-1"},"msisdn":"84912345678","input":"2"}"#.utf8))
        let parsed = try request(try adapter.parse(hit))
        #expect(parsed.sessionID == "s-1")
        #expect(parsed.text == "2")
        let end = GatewayRequest(method: "POST", path: "/", body: Array(#"{"session":{"id":"s-1"},"event":"END"}"#.utf8))
        #expect(try adapter.parse(end) == .ended(sessionID: "s-1", status: "END"))
        #expect(adapter.reply("x", continues: true).body == #"{"close":false,"message":"x"}"#)
    }
}
