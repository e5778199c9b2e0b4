import Testing

@testable import HotlineCore

@Suite("USSD screens under each encoding policy")
struct EncodingPolicyTests {
    let vietnamese = "Bây giờ có trẻ đang gặp nguy hiểm không?\n1. Có, ngay lúc này\n2. Không"

    @Test("gsm7 sends unaccented text")
    func gsm7() {
        let r = EncodingPolicy.gsm7.renderScreen(vietnamese)
        #expect(r.text == "Bay gio co tre dang gap nguy hiem khong?\n1. Co, ngay luc nay\n2. Khong")
        #expect(r.encoding == .gsm7)
        #expect(!r.truncated)
    }

    @Test("auto keeps marks when the UCS-2 screen fits, and drops them when it does not")
    func auto() {
        let short = EncodingPolicy.auto.renderScreen("Cảm ơn bạn.")
        #expect(short.text == "Cảm ơn bạn." && short.encoding == .ucs2)
        let long = EncodingPolicy.auto.renderScreen(vietnamese + "\n3. Tôi không biết chắc chắn lắm")
        #expect(long.encoding == .gsm7)
        #expect(!long.text.contains("ô"))
        #expect(!long.truncated)
    }

    @Test("no policy ever returns a screen over the limit")
    func neverOver() {
        let huge = String(repeating: "Đường dây nóng 😢 ", count: 30)
        for policy in EncodingPolicy.allCases {
            let r = policy.renderScreen(huge)
            #expect(r.length <= USSDLimits.standard.limit(for: r.encoding), "\(policy)")
            #expect(SMSText.length(of: r.text, in: r.encoding)! <= USSDLimits.standard.limit(for: r.encoding))
            #expect(r.truncated)
        }
    }

    @Test("exactly 182 GSM-7 characters fit; 183 are cut")
    func boundary() {
        #expect(!EncodingPolicy.gsm7.renderScreen(String(repeating: "a", count: 182)).truncated)
        let cut = EncodingPolicy.gsm7.renderScreen(String(repeating: "a", count: 183))
        #expect(cut.truncated && cut.length == 182 && cut.text.hasSuffix("..."))
    }

    @Test("SMS replies are re-encoded, never cut")
    func sms() {
        let long = String(repeating: "Cảm ơn bạn đã nhắn tin. ", count: 10)
        let gsm = EncodingPolicy.gsm7.renderSMS(long)
        #expect(gsm.encoding == .gsm7 && gsm.text == long.unaccented && !gsm.truncated)
        #expect(EncodingPolicy.auto.renderSMS(long).encoding == .ucs2)
        #expect(EncodingPolicy.auto.renderSMS("Cam on ban").encoding == .gsm7)
        let forced = EncodingPolicy.ucs2.renderSMS("Cam on ban")
        #expect(forced.encoding == .ucs2 && forced.length == 10)
    }
}
