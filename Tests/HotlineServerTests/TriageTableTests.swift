import Foundation
import HotlineCore
import HotlineServer
import Testing

/// Messages written the ways children and worried adults really write — with and without
/// marks, teencode, Telex and VNI residue, negations, mixed with chit-chat — each with the
/// level the bundled triage.yaml must give it.
@Suite("Triage of real-looking messages with the bundled rules and model")
struct TriageTableTests {
    static let triage: Triage = {
        let config = try! bundledConfig.get()
        return config.makeEngine().triage!
    }()

    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var priority: Priority
        var category: String?
        var testDescription: String { "\(priority.rawValue) \(text)" }
    }

    static func c(_ p: Priority, _ text: String, _ category: String? = nil) -> Case { Case(text: text, priority: p, category: category) }

    static let cases: [Case] = [
        // P1: happening now, in every way of typing it.
        c(.p1, "bố đang đánh em, cứu em với", "physical"), c(.p1, "bo dang danh em cuu em voi", "physical"),
        c(.p1, "bme dang danh e", "physical"), c(.p1, "boos ddang ddanhs em", "physical"), c(.p1, "bo61 d9ang d9a1nh em", "physical"),
        c(.p1, "BỐ ĐANG ĐÁNH MẸ", "physical"), c(.p1, "dượng cầm dao dọa giết mẹ con em", "physical"),
        c(.p1, "duong cam dao doa giet me", "physical"), c(.p1, "chu oi cuu chau, bo say ruou dang danh chau", "physical"),
        c(.p1, "em bị nhốt trong nhà không cho ra", "physical"), c(.p1, "em bi nhot trong kho", "physical"),
        c(.p1, "me em bi danh chay mau dau", "physical"), c(.p1, "ban em bi danh bat tinh roi", "physical"),
        c(.p1, "ông ấy đang bóp cổ mẹ em", "physical"), c(.p1, "e bi troi o nha", "physical"),
        c(.p1, "hắn đang xâm hại em", "sexual"), c(.p1, "co nguoi dang sam so em", "sexual"),
        c(.p1, "chú hàng xóm sờ mó em", "sexual"), c(.p1, "ck của cô em hay sờ vào chỗ kín em", "sexual"),
        c(.p1, "co nguoi xaam haji em", "sexual"), c(.p1, "có người xa6m ha5i em", "sexual"),
        c(.p1, "thầy giáo bắt em cởi đồ", "sexual"), c(.p1, "anh ho hiep em", "sexual"), c(.p1, "he touched me", "sexual"),
        c(.p1, "em muốn chết", "self_harm"), c(.p1, "e muon chet lam roi", "self_harm"), c(.p1, "em ko muốn sống nữa", "self_harm"),
        c(.p1, "mk chan song qua", "self_harm"), c(.p1, "em vừa uống thuốc ngủ", "self_harm"), c(.p1, "e dang cat tay", "self_harm"),
        c(.p1, "bạn em nói sẽ nhảy cầu tối nay", "self_harm"), c(.p1, "i want to die", "self_harm"),
        c(.p1, "ko ai hiểu em, em muốn tự tử", "self_harm"), c(.p1, "tu tu cho xong", "self_harm"),
        c(.p1, "em bé nhà hàng xóm bị bắt cóc", "missing_trafficking"), c(.p1, "con toi mat tich tu chieu qua", "missing_trafficking"),
        c(.p1, "lạc mất con ở chợ Hạ Long", "missing_trafficking"), c(.p1, "ko thay con dau ca", "missing_trafficking"),
        c(.p1, "chị em bị bán sang trung quốc", "missing_trafficking"), c(.p1, "em trai bi bat di roi", "missing_trafficking"),
        c(.p1, "có bé bị đuối nước ở bãi tắm", "drowning_injury"), c(.p1, "thang be nga xuong song", "drowning_injury"),
        c(.p1, "em bé bị bỏ đói mấy ngày rồi", "neglect"), c(.p1, "bố đánh em, sos", "physical"),
        c(.p1, "me em bi danh, khan cap", "physical"), c(.p1, "bố đánh em ngay bây giờ", "physical"),
        c(.p1, "cuuuuu em voi bo dang danh", "physical"), c(.p1, "giupppp em vs, co nguoi dang danh em", "physical"),
        c(.p1, "ko sao dau, bo dang danh em", "physical"), c(.p1, "em ổn mà, chỉ là chú ấy đang sờ người em", "sexual"),
        c(.p1, "help me my dad beats me now", "physical"), c(.p1, "e so lam, hn dang danh e", "physical"),
        // P2: disclosed, not this minute.
        c(.p2, "bố hay đánh em", "physical"), c(.p2, "bo hay danh em lam", "physical"), c(.p2, "bme danh e suot", "physical"),
        c(.p2, "ko sao dau, bo danh em", "physical"), c(.p2, "em ổn, chỉ là mẹ đánh em", "physical"),
        c(.p2, "hôm qua bị đánh", "physical"), c(.p2, "hom qua me danh em bam tim", "physical"),
        c(.p2, "dượng bạo hành mẹ con em", "physical"), c(.p2, "nha em co bao luc gia dinh", "physical"),
        c(.p2, "thay giao tat em", "physical"), c(.p2, "e bi da vao bung", "physical"), c(.p2, "my dad hits me", "physical"),
        c(.p2, "hồi nhỏ em từng bị xâm hại", "sexual"), c(.p2, "nam ngoai em bi quay roi", "sexual"),
        c(.p2, "truoc day chu em da tung so mo em", "sexual"), c(.p2, "e bi doa tung anh nong", "online"),
        c(.p2, "có người đòi ảnh nude của em", "online"), c(.p2, "nguoi la bat e gui anh", "online"),
        c(.p2, "ban trai cu doa dang anh len face", "online"), c(.p2, "bị tống tiền trên mạng", "online"),
        c(.p2, "bố mẹ ép em lấy chồng", "labour_marriage"), c(.p2, "e moi 15t ma bi ep cuoi", "labour_marriage"),
        c(.p2, "chủ bắt em làm việc không trả lương", "labour_marriage"), c(.p2, "bi bat di an xin", "labour_marriage"),
        c(.p2, "em trốn nhà đi rồi", "missing_trafficking"),
        c(.p2, "co nguoi ru e sang trung quoc lam viec, lua di lam", "missing_trafficking"),
        c(.p2, "bố mẹ bỏ đói em", "neglect"), c(.p2, "me ko cho em an", "neglect"), c(.p2, "bi duoi ra khoi nha", "neglect"),
        c(.p2, "em ngu ngoai duong may hom nay", "neglect"), c(.p2, "tụi nó đánh hội đồng em", "bullying"),
        c(.p2, "bon no quay clip danh em", "bullying"), c(.p2, "em tự làm đau mình", "self_harm"),
        c(.p2, "mẹ dọa đuổi em đi", "emotional"), c(.p2, "bố bị chửi hàng ngày và nhục mạ em", "emotional"),
        c(.p2, "chú em hiếp dâm em hồi năm ngoái", "sexual"), c(.p2, "lâu rồi em bị sờ mó", "sexual"),
        c(.p2, "ko sao dau, chi la hay bi danh thoi", "physical"), c(.p2, "e ko sao, me danh e thoi", "physical"),
        c(.p2, "bo e say ruou la danh me", "physical"), c(.p2, "chị ơi, dượng hay tát em", "physical"),
        c(.p2, "em bi thuong o tay do bo", "physical"), c(.p2, "bị đá đau lắm", "physical"),
        c(.p2, "mk bi danh o truong", "physical"), c(.p2, "xin chao, em ten la Lan, bo em hay danh em", "physical"),
        // P3: routine.
        c(.p3, "em bị bắt nạt ở trường", "bullying"), c(.p3, "e bi bat nat", "bullying"), c(.p3, "cac ban hay treu choc em", "bullying"),
        c(.p3, "ca lop co lap em", "bullying"), c(.p3, "i am bullied at school", "bullying"), c(.p3, "em bị chửi", "emotional"),
        c(.p3, "mẹ hay mắng em", "emotional"), c(.p3, "em buồn lắm", "emotional"), c(.p3, "e khoc suot dem", "emotional"),
        c(.p3, "cho em hỏi về tuổi dậy thì", "advice"), c(.p3, "em muon hoi ve tuoi day thi", "advice"),
        c(.p3, "bố mẹ cãi nhau em phải làm sao", "advice"), c(.p3, "ap luc hoc qua", "advice"), c(.p3, "xin loi khuyen a", "advice"),
        c(.p3, "em cần tư vấn", "advice"), c(.p3, "có người lạ nhắn tin làm quen", "online"), c(.p3, "nick fb em bi hack", "online"),
        c(.p3, "em hay đi tắm sông một mình", "drowning_injury"), c(.p3, "lam the nao de noi voi me", "advice"),
        c(.p3, "hoc kem bi me mang", "advice"),
        // Negated: set aside.
        c(.none, "em không bị đánh", nil), c(.none, "e ko bi danh", nil), c(.none, "khong co ai danh em ca", nil),
        c(.none, "bố không đánh em", nil), c(.none, "em chua bi xam hai", nil), c(.none, "không phải bị đánh đâu", nil),
        c(.none, "nobody hit me", nil), c(.none, "bo chang bao gio danh em", nil), c(.none, "e khum bi danh", nil),
        c(.none, "toi khong bi xaam haji", nil),
        // Nothing to act on.
        c(.none, "xin chào", nil), c(.none, "alo", nil), c(.none, "hello", nil), c(.none, "hom nay em vui", nil),
        c(.none, "ok", nil), c(.none, "cam on", nil), c(.none, "1", nil), c(.none, "", nil), c(.none, "??", nil),
        c(.none, "😢", nil), c(.none, "em o Ha Long", nil), c(.none, "Cam Pha", nil), c(.none, "em 12 tuoi", nil),
        c(.none, "đánh đàn piano hay quá", nil), c(.none, "ko bit j", nil), c(.none, "test", nil), c(.none, "e an com chua", nil),
        c(.none, "minh muon lam quen", nil), c(.none, "bao gio thi nghi he", nil), c(.none, "thoi tiet dep", nil),
        c(.none, "cho em số điện thoại", nil), c(.none, "ko sao dau", nil), c(.none, "em on", nil), c(.none, "oki", nil),
    ]

    /// P1 exactly; a same-day disclosure P2 or, erring upward, P1; a routine message never P1
    /// and never below its level; nothing to act on never a case (P2 or higher).
    @Test("each message gets its expected level, or a higher one where erring upward is safe", arguments: cases)
    func level(_ c: Case) {
        let decision = Self.triage.judge(text: c.text)
        switch c.priority {
        case .p1, .none:
            #expect(decision.priority == c.priority || (c.priority == .none && decision.priority == .p3), "\(decision.reasons)")
        case .p2: #expect(decision.priority >= .p2, "\(decision.reasons)")
        case .p3: #expect(decision.priority == .p3 || decision.priority == .p2, "\(decision.reasons)")
        }
        if let category = c.category { #expect(decision.category == category, "\(decision.reasons)") }
        if c.priority != .none { #expect(!decision.reasons.isEmpty) }
    }

    @Test("a threat written laughing is P2 for a person to read, never lower; laughing while it is happening stays P1")
    func laughter() {
        let joke = Self.triage.judge(text: "chị em sẽ giết em nếu biết em dùng son của chỉ haha")
        #expect(joke.priority == .p2)
        #expect(joke.reasons.contains { $0.contains("written laughing ('haha')") && $0.contains(Triage.needsReview) })
        let lol = Self.triage.judge(text: "we played hide and seek and my cousin hid so well we thought he was kidnapped lol")
        #expect(lol.priority == .p2, "\(lol.reasons)")
        #expect(Self.triage.judge(text: "bố đang cầm dao haha").priority == .p1)
        #expect(Self.triage.judge(text: "haha cứu em với bố đang đánh em").priority == .p1)
    }

    @Test("a negation after 'nếu' or 'if' is a condition, so a threat is not set aside as denied")
    func conditionalNegation() {
        for text in [
            "có người trên mạng dọa nếu em không gửi ảnh thì sẽ đăng lên mạng",
            "he says if i dont send nudes he will post my photos",
        ] {
            let decision = Self.triage.judge(text: text)
            #expect(decision.priority >= .p2, "\(text): \(decision.reasons)")
            #expect(!decision.reasons.contains { $0.hasPrefix("set aside") }, "\(text): \(decision.reasons)")
        }
        #expect(Self.triage.judge(text: "bố em không đánh em").priority < .p2)
    }

    @Test("the table holds at least 150 messages")
    func size() {
        #expect(Self.cases.count >= 150)
    }

    @Test("menu answers set levels: danger now is P1, sexual abuse P2, a young child alone P1")
    func answers() {
        #expect(Self.triage.judge(text: "", answers: ["danger_now": "yes", "category": "physical"]).priority == .p1)
        #expect(Self.triage.judge(text: "", answers: ["category": "sexual"]).priority == .p2)
        #expect(Self.triage.judge(text: "", answers: ["age": "4", "alone": "yes"]).priority == .p1)
        #expect(Self.triage.judge(text: "", answers: ["age": "12", "alone": "yes"]).priority == .none)
        // The higher of answer and text wins, with both reasons.
        let both = Self.triage.judge(text: "em bị bắt nạt", answers: ["danger_now": "yes"])
        #expect(both.priority == .p1)
        #expect(both.reasons.count == 2)
    }
}
