import Foundation
import HotlineCore

/// A referral the hotline makes to a commune, as the store is asked to write it. What may be
/// shared was decided before (Services/Referrals); the store keeps the choice.
public struct NewReferral: Sendable {
    public var reference: String
    public var communeID: String
    public var shareTranscript: Bool
    public var shareNumber: Bool
    /// The hotline's words to the commune (sealed: it may name the child).
    public var note: String?
    public var actor: String
    /// The neutral SMS telling the commune's workers (reference only).
    public var alerts: [OutboundSMS]
    public var deadlines: [(step: ReferralStep, due: Date)]

    public init(
        reference: String, communeID: String, shareTranscript: Bool, shareNumber: Bool, note: String?, actor: String,
        alerts: [OutboundSMS], deadlines: [(step: ReferralStep, due: Date)]
    ) {
        self.reference = reference
        self.communeID = communeID
        self.shareTranscript = shareTranscript
        self.shareNumber = shareNumber
        self.note = note
        self.actor = actor
        self.alerts = alerts
        self.deadlines = deadlines
    }
}

/// One step of a referral as recorded.
public struct ReferralStepRecord: Sendable, Equatable {
    public var step: ReferralStep
    public var at: Date
    public var actor: String
    public var note: String?
}

/// A deadline of a referral: a durable row, chased by the dispatcher through the outbox.
public struct ReferralDeadlineRecord: Sendable, Equatable {
    public var step: ReferralStep
    public var dueAt: Date
    public var metAt: Date?
    public var alertedAt: Date?

    public func isLate(at now: Date) -> Bool { (metAt ?? now) > dueAt }
}

/// A case's referral to a commune, with its steps and deadlines.
public struct ReferralRecord: Sendable, Equatable {
    public var id: Int64
    public var reference: String
    public var communeID: String
    public var shareTranscript: Bool
    public var shareNumber: Bool
    public var sentBy: String
    public var sentAt: Date
    /// The worker's first assessment: nil until it is made.
    public var seriousRisk: Bool?
    public var closedAt: Date?
    public var steps: [ReferralStepRecord]
    public var deadlines: [ReferralDeadlineRecord]

    public var taken: Set<ReferralStep> { Set(steps.map(\.step)) }
    /// The furthest step recorded (notes aside).
    public var lastStep: ReferralStep { steps.last { $0.step != .note }?.step ?? .sent }
}

/// A line of a commune worker's list: no personal data.
public struct ReferralListEntry: Sendable, Equatable {
    public var reference: String
    public var communeID: String
    public var priority: Priority
    public var category: String?
    public var sentAt: Date
    public var lastStep: ReferralStep
    public var seriousRisk: Bool?
    /// The soonest deadline not yet met, and whether it has passed.
    public var nextDue: Date?
    public var overdue: Bool
    public var closed: Bool
}

/// A step to record, with what it starts.
public struct ReferralStepEntry: Sendable {
    public var reference: String
    public var step: ReferralStep
    public var actor: String
    public var note: String?
    /// For `assessed`: the worker's judgement.
    public var seriousRisk: Bool?
    /// A deadline this step starts (measures, after a serious-risk assessment).
    public var deadline: (step: ReferralStep, due: Date)?

    public init(
        reference: String, step: ReferralStep, actor: String, note: String? = nil, seriousRisk: Bool? = nil,
        deadline: (step: ReferralStep, due: Date)? = nil
    ) {
        self.reference = reference
        self.step = step
        self.actor = actor
        self.note = note
        self.seriousRisk = seriousRisk
        self.deadline = deadline
    }
}
