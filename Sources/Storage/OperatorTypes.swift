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
    public var limit: Int

    public init(status: CaseStatus? = nil, handling: Handling? = nil, priority: Priority? = nil, limit: Int = 100) {
        self.status = status
        self.handling = handling
        self.priority = priority
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
    public var channel: Channel
    public var gatewayID: String
    public var maskedPhone: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var acknowledgedBy: String?
    public var claimedBy: String?
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
