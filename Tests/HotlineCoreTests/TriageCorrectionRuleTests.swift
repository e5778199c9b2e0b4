import Testing

@testable import HotlineCore

@Suite("Triage corrections: when a correction escalates, and how the conversation learns of it")
struct TriageCorrectionRuleTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var from: Priority
        var to: Priority
        var status: CaseStatus
        var resolved: Bool
        var escalates: Bool
        var testDescription: String {
            "\(from.rawValue) -> \(to.rawValue), \(status.rawValue)\(resolved ? ", resolved" : ""): \(escalates)"
        }
    }

    static let rows: [Row] = [
        Row(from: .p3, to: .p1, status: .open, resolved: false, escalates: true),
        Row(from: .p2, to: .p1, status: .submitted, resolved: false, escalates: true),
        Row(from: .none, to: .p1, status: .incomplete, resolved: false, escalates: true),
        // Below P1 an open report is escalated by its conversation, at the new level.
        Row(from: .p3, to: .p2, status: .open, resolved: false, escalates: false),
        Row(from: .p3, to: .p2, status: .submitted, resolved: false, escalates: true),
        Row(from: .p3, to: .p2, status: .incomplete, resolved: false, escalates: true),
        // Lowering, or nothing changed, or a resolved case: never.
        Row(from: .p1, to: .p3, status: .submitted, resolved: false, escalates: false),
        Row(from: .p2, to: .p2, status: .submitted, resolved: false, escalates: false),
        Row(from: .p3, to: .p1, status: .submitted, resolved: true, escalates: false),
    ]

    @Test("a raise escalates at once to P1, or below P1 once the conversation will not; lowering or a resolved case never", arguments: rows)
    func escalation(_ row: Row) {
        let correction = TriageCorrection(
            reference: "QN-ABC123", from: row.from, to: row.to, fromCategory: nil, toCategory: nil, actor: "dev")
        #expect(correction.escalatesNow(status: row.status, resolved: row.resolved) == row.escalates)
    }

    @Test("the conversation holding the case takes the corrected priority, category and reason, as its report or the one it offers")
    func conversationLearns() {
        var state = ConversationState(flowID: "main", nodeID: "report_where", language: "vi")
        var draft = CaseDraft(reference: "QN-ABC123", priority: .p2, reasons: ["P2: category = sexual"])
        draft.escalatedAt = .p3
        state.report = draft
        state.answers["category"] = "sexual"
        let correction = TriageCorrection(
            reference: "QN-ABC123", from: .p2, to: .p1, fromCategory: "sexual", toCategory: "online", actor: "duty-desk")
        #expect(correction.summary == "P2 -> P1, category sexual -> online")
        let held = state.apply(correction, escalated: true)
        #expect(held)
        #expect(state.report?.priority == .p1)
        #expect(state.report?.escalatedAt == .p1)
        #expect(state.report?.reasons == ["P2: category = sexual", "P1: corrected by duty-desk (was P2)"])
        #expect(state.answers["category"] == "online")

        // Offered to be continued: the offered report is corrected; an unrelated one is not.
        var offering = ConversationState(flowID: "main", nodeID: "resume_offer", language: "vi")
        offering.unfinished = UnfinishedReport(nodeID: "report_where", language: "vi", answers: [:], trail: [], report: draft)
        let lowered = TriageCorrection(reference: "QN-ABC123", from: .p2, to: .p3, fromCategory: nil, toCategory: "advice", actor: "dev")
        let offered = offering.apply(lowered, escalated: false)
        #expect(offered)
        #expect(offering.unfinished?.report.priority == .p3)
        #expect(offering.unfinished?.report.escalatedAt == .p3)
        #expect(offering.unfinished?.answers["category"] == "advice")
        var other = ConversationState(flowID: "main", nodeID: "main_menu", language: "vi")
        other.report = CaseDraft(reference: "QN-OTHER1", priority: .p2)
        let unrelated = other.apply(correction, escalated: true)
        #expect(!unrelated)
        #expect(other.report?.priority == .p2)
    }
}
