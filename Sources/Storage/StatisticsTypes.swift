import Foundation
import HotlineCore

/// What the dashboard and the monthly report count about one case: no reference, no number,
/// no words of the person. The area and the age come from the report's answers (gone once the
/// case is purged; counted then as unknown).
public struct CaseFacts: Sendable, Equatable {
    public var createdAt: Date
    public var priority: Priority
    public var category: String?
    public var channel: CaseChannel
    public var area: String?
    public var age: String?
    public var handling: Handling
    public var acknowledgedAt: Date?
    public var claimedBy: String?
    public var outcomeCode: String?
    /// When the case was first referred to a commune.
    public var referredAt: Date?
    /// A running acknowledgement deadline, when the case still waits for one.
    public var acknowledgeBy: Date?
    public var escalationFailed: Bool
}

/// One deadline of a referral, for the share met in time.
public struct ReferralDeadlineFacts: Sendable, Equatable {
    public var step: ReferralStep
    public var dueAt: Date
    public var metAt: Date?
    /// The referral was closed (a step left untaken then is not late any more).
    public var closed: Bool
}
