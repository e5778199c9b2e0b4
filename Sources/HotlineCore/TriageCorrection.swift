/// An operator's correction of a case's triage (its priority and category), and what it means
/// for the case: decided here once, so the store only persists it.
public struct TriageCorrection: Sendable, Equatable {
    public var reference: String
    public var from: Priority
    public var to: Priority
    public var fromCategory: String?
    public var toCategory: String?
    /// Who corrected it (an operator id).
    public var actor: String

    public init(reference: String, from: Priority, to: Priority, fromCategory: String?, toCategory: String?, actor: String) {
        self.reference = reference
        self.from = from
        self.to = to
        self.fromCategory = fromCategory
        self.toCategory = toCategory
        self.actor = actor
    }

    public var raises: Bool { to > from }
    public var lowers: Bool { to < from }

    /// The line added to the case's reasons, which 111 and operators read: who and from what,
    /// never the operator's own words (those are kept sealed in the case history).
    public var reason: String { "\(to.rawValue): corrected by \(actor) (was \(from.rawValue))" }

    /// "P2 -> P1, category physical -> sexual", for the history and the audit trail.
    public var summary: String {
        var parts = ["\(from.rawValue) -> \(to.rawValue)"]
        if fromCategory != toCategory { parts.append("category \(fromCategory ?? "none") -> \(toCategory ?? "none")") }
        return parts.joined(separator: ", ")
    }

    /// Whether the correction hands the case to escalation now, at its new priority: when it
    /// raises a case nobody has resolved, and either to P1 (111 hears of it at once, as of any
    /// P1) or on a report the conversation will not escalate again (submitted, or left
    /// incomplete). An open report raised below P1 is escalated by its conversation at the
    /// next point it would be (its confirmation, a cancel, its expiry), at the new level.
    public func escalatesNow(status: CaseStatus, resolved: Bool) -> Bool {
        guard raises, !resolved else { return false }
        return to == .p1 || status != .open
    }
}

extension ConversationState {
    /// Carries an operator's correction into the conversation holding the case, so later
    /// turns write the corrected priority and category rather than the conversation's own,
    /// and escalate again only above what was escalated. Returns false when this state does
    /// not hold the case (as its report, or the unfinished report it offers).
    public mutating func apply(_ correction: TriageCorrection, escalated: Bool) -> Bool {
        func corrected(_ report: inout CaseDraft, _ answers: inout [String: String]) {
            report.priority = correction.to
            report.reasons.append(correction.reason)
            if escalated, report.escalatedAt.map({ $0 < correction.to }) ?? true { report.escalatedAt = correction.to }
            answers["category"] = correction.toCategory
        }
        var held = false
        if var draft = report, draft.reference == correction.reference {
            corrected(&draft, &answers)
            report = draft
            held = true
        }
        if var offered = unfinished, offered.report.reference == correction.reference {
            corrected(&offered.report, &offered.answers)
            unfinished = offered
            held = true
        }
        return held
    }
}
