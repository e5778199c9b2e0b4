import Foundation

/// The steps of a referral to a commune's child-protection worker (Decree 56/2017, art. 26-28),
/// in the order the worker takes them.
public enum ReferralStep: String, Sendable, Codable, CaseIterable {
    /// The hotline passed the case to the commune.
    case sent
    /// The worker took it on.
    case accepted
    /// The first risk assessment (Form 02): serious risk or not.
    case assessed
    /// Protective measures started (due within 12 hours when the risk is serious).
    case measures
    /// The support plan (Form 04) submitted (due within 5 working days).
    case plan
    case closed
    /// A note from either side; not a step of the order.
    case note

    /// Whether a worker may record `self` after the steps already taken. Returns the reason
    /// when not, in words the page shows.
    public func refusal(after taken: Set<ReferralStep>, seriousRisk: Bool?) -> String? {
        if taken.contains(.closed) && self != .note { return "the referral is closed" }
        switch self {
        case .sent: return "a referral is sent once, by the hotline"
        case .accepted: return taken.contains(.accepted) ? "already accepted" : nil
        case .assessed:
            if !taken.contains(.accepted) { return "accept the referral first" }
            return taken.contains(.assessed) ? "already assessed" : nil
        case .measures:
            if !taken.contains(.assessed) { return "record the risk assessment first" }
            return taken.contains(.measures) ? "already recorded" : nil
        case .plan:
            if !taken.contains(.assessed) { return "record the risk assessment first" }
            if seriousRisk == true && !taken.contains(.measures) { return "record the protective measures first" }
            return taken.contains(.plan) ? "already submitted" : nil
        case .closed:
            return taken.contains(.accepted) ? nil : "accept the referral first"
        case .note: return nil
        }
    }
}

/// How long the commune has for each step, from configuration.
public struct ReferralDeadlines: Sendable, Equatable {
    /// From the referral to its acceptance.
    public var acceptWithin: TimeInterval
    /// From the referral to protective measures, when the assessment says serious risk.
    public var measuresWithin: TimeInterval
    /// Working days from the referral to the support plan.
    public var planWithinWorkingDays: Int
    public var calendar: WorkingCalendar

    public init(
        acceptWithin: TimeInterval = 2 * 3600, measuresWithin: TimeInterval = 12 * 3600, planWithinWorkingDays: Int = 5,
        calendar: WorkingCalendar = WorkingCalendar()
    ) {
        self.acceptWithin = acceptWithin
        self.measuresWithin = measuresWithin
        self.planWithinWorkingDays = planWithinWorkingDays
        self.calendar = calendar
    }

    /// The deadlines a new referral starts with.
    public func onReferral(at sent: Date) -> [(step: ReferralStep, due: Date)] {
        [(.accepted, sent.addingTimeInterval(acceptWithin)), (.plan, calendar.end(ofWorkingDays: planWithinWorkingDays, after: sent))]
    }

    /// The deadline an assessment starts: measures within 12 hours of the referral when the
    /// risk is serious (already passed if the assessment came late), none otherwise.
    public func onAssessment(seriousRisk: Bool, referredAt sent: Date) -> (step: ReferralStep, due: Date)? {
        seriousRisk ? (.measures, sent.addingTimeInterval(measuresWithin)) : nil
    }
}
