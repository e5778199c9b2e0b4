import Foundation
import HotlineCore
import HotlineServer
import Testing

@Suite("The trainers' simulator, in-process")
struct SimulatorTests {
    @Test("a USSD report walks to its confirmation, each screen within the limit it shows")
    func ussd() throws {
        var simulator = Simulator(config: try bundledConfig.get(), channel: .ussd)
        var display = simulator.start()
        #expect(display.text.hasPrefix("Duong day bao ve tre em."))
        for answer in ["1", "2", "1", "2", "Cam Pha", "10", "3"] {
            display = simulator.send(answer)
            #expect(display.length <= (display.limit ?? 0))
            #expect(display.continues)
        }
        display = simulator.send("#")
        #expect(!display.continues)
        #expect(display.text.hasPrefix("Cam on ban. Ma so: QN-"))
        #expect(simulator.report?.status == .submitted)
        #expect(simulator.answers["area"] == "Cẩm Phả")
    }

    @Test("an SMS conversation: the first message opens the menu; urgent words go to help now; parts are counted")
    func sms() throws {
        var simulator = Simulator(config: try bundledConfig.get(), channel: .sms)
        let first = simulator.send("alo")
        // As the bundled SMS gateway (`gsm7`) sends it, its parts counted.
        #expect(first.text.hasPrefix("Duong day bao ve tre em."))
        #expect(first.encoding == .gsm7 && first.limit == nil)
        #expect(first.segments == SMSText.analyze(first.text).segments)
        let urgent = simulator.send("chu oi bo dang danh em")
        #expect(urgent.text.hasPrefix("Goi ngay 111 mien phi neu co the."))
        #expect(simulator.report?.priority == .p1)
    }

    @Test("in English, in SMS: back, menu, a wrong answer, and cancel")
    func englishNavigation() throws {
        var simulator = Simulator(config: try bundledConfig.get(), channel: .sms)
        _ = simulator.send("hi")
        _ = simulator.send("5")
        #expect(simulator.send("2").text.hasPrefix("Child protection line. What do you need?"))
        #expect(simulator.send("1").text.hasPrefix("Who is this report about?"))
        #expect(simulator.send("0").text.hasPrefix("Child protection line."))
        #expect(simulator.send("1").text.hasPrefix("Who is this report about?"))
        #expect(simulator.send("9").text.hasPrefix("Not an option. Press a number below.\nWho is this report about?"))
        #expect(simulator.send("00").text.hasPrefix("Child protection line."))
        let stop = simulator.send("STOP")
        #expect(stop.text == "Stopped. We will not text you. For help, call 111 free.")
        #expect(!stop.continues)
    }
}
