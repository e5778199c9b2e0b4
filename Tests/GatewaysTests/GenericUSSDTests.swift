import Foundation
import Testing

@testable import Gateways
@testable import HotlineCore

@Suite("Generic USSD adapter: fields named in config")
struct GenericUSSDTests: USSDEventReading {
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
