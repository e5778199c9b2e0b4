import Foundation
import Testing

@testable import Gateways
@testable import HotlineCore

@Suite("Hubtel USSD adapter")
struct HubtelUSSDTests: USSDEventReading {
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
}
