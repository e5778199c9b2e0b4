import Foundation
import HotlineCore

/// Where an operator stands with a case.
public enum Handling: String, Sendable, Codable, CaseIterable {
    /// Nobody has acknowledged it yet.
    case new
    case acknowledged
    /// An operator works it.
    case claimed
    case resolved
}

public struct CaseFilter: Sendable {
    public var status: CaseStatus?
    public var handling: Handling?
    public var priority: Priority?
    /// Every case not yet resolved (the console's open queues).
    public var excludeResolved: Bool
    public var limit: Int

    public init(
        status: CaseStatus? = nil, handling: Handling? = nil, priority: Priority? = nil, excludeResolved: Bool = false, limit: Int = 100
    ) {
        self.status = status
        self.handling = handling
        self.priority = priority
        self.excludeResolved = excludeResolved
        self.limit = limit
    }
}

/// A case in a list: no answers, the number masked.
public struct CaseSummary: Sendable, Equatable, Codable {
    public var id: Int64
    public var reference: String
    public var priority: Priority
    public var category: String?
    public var status: CaseStatus
    public var handling: Handling
    public var area: String?
    public var channel: CaseChannel
    public var gatewayID: String
    public var maskedPhone: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var acknowledgedBy: String?
    public var claimedBy: String?
    /// When the running acknowledgement deadline passes (nil: none runs).
    public var acknowledgeBy: Date? = nil
    /// The escalation to 111 was given up on (the SMS ladder took over).
    public var escalationFailed = false
}

/// One line of what was said, in order.
public struct TranscriptLine: Sendable, Equatable, Codable {
    /// `in` from the person, `out` from the service.
    public var direction: String
    public var text: String
    public var at: Date
}

/// One entry of a case's history (opened, priority raised, escalated, alerted, acknowledged...).
public struct CaseEvent: Sendable, Equatable, Codable {
    public var at: Date
    public var kind: String
    public var detail: String
    public var actor: String?
}

/// Everything an operator working a case sees.
public struct CaseDetail: Sendable, Equatable {
    public var summary: CaseSummary
    public var reasons: [String]
    public var answers: [String: String]
    public var language: String
    /// The full number, only when the person agreed to be contacted.
    public var phone: PhoneNumber?
    public var contact: String?
    public var transcript: [TranscriptLine]
    public var events: [CaseEvent]
    public var outcome: String?
    /// The outcome chosen from the console's list, when it was closed there.
    public var outcomeCode: String? = nil
}

/// What an operator's triage correction did.
public struct TriageCorrected: Sendable, Equatable {
    public var correction: TriageCorrection
    /// True when it queued an escalation at the new priority (with its acknowledgement clock).
    public var escalated: Bool

    public init(correction: TriageCorrection, escalated: Bool) {
        self.correction = correction
        self.escalated = escalated
    }
}

/// Why an operator action could not be done; each maps to one HTTP status.
public enum OperatorActionError: Error, Equatable {
    case notFound(String)
    /// The action conflicts with the case's state (409), with the reason.
    case conflict(String)
}

/// How a case reached the hotline: a conversation through a gateway, or a contact an operator
/// recorded (a call to the provincial line, someone who walked in).
public enum CaseChannel: String, Sendable, Codable, CaseIterable {
    case ussd, sms, phone
    case walkIn = "walk-in"
}

/// A call or walk-in an operator records as a case, already triaged by the caller.
public struct OfflineContact: Sendable {
    public var reference: String
    public var channel: CaseChannel
    public var priority: Priority
    public var category: String?
    public var reasons: [String]
    /// What the form holds: summary, age, area, contact choice...
    public var answers: [String: String]
    public var language: String
    /// A number to call back, when the person gave one and agreed to be contacted.
    public var phone: PhoneNumber?
    public var actor: String
    /// Escalate to 111 now (with the acknowledgement clock its priority has).
    public var escalate: Bool

    public init(
        reference: String, channel: CaseChannel, priority: Priority, category: String?, reasons: [String], answers: [String: String],
        language: String, phone: PhoneNumber?, actor: String, escalate: Bool
    ) {
        self.reference = reference
        self.channel = channel
        self.priority = priority
        self.category = category
        self.reasons = reasons
        self.answers = answers
        self.language = language
        self.phone = phone
        self.actor = actor
        self.escalate = escalate
    }
}
