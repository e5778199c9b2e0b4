import Foundation
import HotlineCore
import Storage

/// The queue's tabs and their order: what an operator on shift must look at first.
struct ConsoleQueue: Sendable {
    enum Tab: String, CaseIterable, Sendable {
        case needsAction = "needs"
        case mine, unassigned, resolved

        var labelKey: String {
            switch self {
            case .needsAction: "needs_action"
            case .mine: "mine"
            case .unassigned: "unassigned"
            case .resolved: "resolved"
            }
        }
    }

    let open: [CaseSummary]
    let resolved: [CaseSummary]
    let me: String

    /// Unacknowledged P1 and P2 cases, and any whose escalation to 111 failed: failed first,
    /// then the most urgent, then the deadline that passes soonest, then the longest waiting.
    var needsAction: [CaseSummary] {
        open.filter(Self.needsAction).sorted { a, b in
            if a.escalationFailed != b.escalationFailed { return a.escalationFailed }
            if a.priority != b.priority { return a.priority > b.priority }
            if a.acknowledgeBy != b.acknowledgeBy {
                guard let x = a.acknowledgeBy else { return false }
                guard let y = b.acknowledgeBy else { return true }
                return x < y
            }
            return a.createdAt < b.createdAt
        }
    }

    static func needsAction(_ summary: CaseSummary) -> Bool {
        summary.handling != .resolved
            && (summary.escalationFailed || (summary.handling == .new && summary.priority >= .p2))
    }

    func cases(_ tab: Tab) -> [CaseSummary] {
        switch tab {
        case .needsAction: needsAction
        case .mine: open.filter { $0.claimedBy == me }.sorted(by: Self.urgentFirst)
        case .unassigned: open.filter { $0.claimedBy == nil }.sorted(by: Self.urgentFirst)
        case .resolved: resolved.sorted { $0.updatedAt > $1.updatedAt }
        }
    }

    static func urgentFirst(_ a: CaseSummary, _ b: CaseSummary) -> Bool {
        a.priority != b.priority ? a.priority > b.priority : a.createdAt < b.createdAt
    }
}
