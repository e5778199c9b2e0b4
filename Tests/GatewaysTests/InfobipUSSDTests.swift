import Foundation
import Testing

@testable import Gateways
@testable import HotlineCore

@Suite("Infobip USSD adapter")
struct InfobipUSSDTests: USSDEventReading {
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
}
