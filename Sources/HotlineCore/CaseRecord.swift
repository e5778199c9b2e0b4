/// Where a report stands.
public enum CaseStatus: String, Sendable, Codable {
    /// The person is still answering.
    case open
    /// The person reached the confirmation: the report is complete.
    case submitted
    /// The conversation ended (timeout, cancel) before the confirmation; what was said is kept.
    case incomplete
}

/// A report as the conversation builds it. The engine owns it inside the session state; the
/// store keeps a copy per case so operators can read it.
public struct CaseDraft: Sendable, Codable, Equatable {
    public var reference: String
    public var priority: Priority
    /// Why the priority is what it is, in words an operator can check ("danger_now = yes").
    public var reasons: [String]
    public var status: CaseStatus
    /// Set once the case has been handed to escalation, so it is not escalated twice.
    public var escalatedAt: Priority?

    public init(reference: String, priority: Priority = .none, reasons: [String] = [], status: CaseStatus = .open) {
        self.reference = reference
        self.priority = priority
        self.reasons = reasons
        self.status = status
        self.escalatedAt = nil
    }
}

/// What the store writes for a case after a step.
public struct CaseSnapshot: Sendable, Equatable {
    public var draft: CaseDraft
    public var category: String?
    public var answers: [String: String]
    public var language: String

    public init(draft: CaseDraft, category: String?, answers: [String: String], language: String) {
        self.draft = draft
        self.category = category
        self.answers = answers
        self.language = language
    }
}
