import Foundation
import HotlineCore

/// `referrals:` in `escalation.yaml`: how long a commune has for each step of a referral, and
/// who is told when a step is late.
public struct ReferralConfig: Sendable, Decodable {
    public var deadlines: ReferralDeadlines
    /// The ladder's tier (1 = first) alerted when a referral's deadline passes: the supervisors.
    public var alertTier: Int

    enum CodingKeys: String, CodingKey, CaseIterable {
        case holidays
        case acceptWithinHours = "accept_within_hours"
        case measuresWithinHours = "measures_within_hours"
        case planWithinWorkingDays = "plan_within_working_days"
        case alertTier = "alert_tier"
    }

    public init(deadlines: ReferralDeadlines = ReferralDeadlines(), alertTier: Int = 2) {
        self.deadlines = deadlines
        self.alertTier = alertTier
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let accept = try c.decodeIfPresent(Double.self, forKey: .acceptWithinHours) ?? 2
        let measures = try c.decodeIfPresent(Double.self, forKey: .measuresWithinHours) ?? 12
        let plan = try c.decodeIfPresent(Int.self, forKey: .planWithinWorkingDays) ?? 5
        guard accept > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .acceptWithinHours, in: c, debugDescription: "must be above 0 hours")
        }
        guard measures > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .measuresWithinHours, in: c, debugDescription: "must be above 0 hours")
        }
        guard plan >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .planWithinWorkingDays, in: c, debugDescription: "must be 1 working day or more")
        }
        let holidays = try c.decodeIfPresent([String].self, forKey: .holidays) ?? []
        for day in holidays where !WorkingCalendar.validDay(day) {
            throw DecodingError.dataCorruptedError(
                forKey: .holidays, in: c, debugDescription: "'\(day)' is not a date written yyyy-MM-dd, such as 2026-09-02")
        }
        alertTier = try c.decodeIfPresent(Int.self, forKey: .alertTier) ?? 2
        guard alertTier >= 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: .alertTier, in: c, debugDescription: "alert_tier counts tiers from 1; got \(alertTier)")
        }
        deadlines = ReferralDeadlines(
            acceptWithin: accept * 3600, measuresWithin: measures * 3600, planWithinWorkingDays: plan,
            calendar: WorkingCalendar(holidays: Set(holidays)))
    }

    /// The tier told of a late step, when there is a ladder.
    public func tier(in alerts: EscalationConfig.Alerts) -> EscalationConfig.Tier? {
        alerts.ladder.isEmpty ? nil : alerts.ladder[min(alertTier, alerts.ladder.count) - 1]
    }
}
