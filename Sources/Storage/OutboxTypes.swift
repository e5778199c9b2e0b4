import Foundation
import HotlineCore

/// Why an SMS is sent, which decides who may see it and how it is worded.
public enum SMSPurpose: String, Sendable, Codable {
    /// The conversation's own reply to a person texting us.
    case conversation
    /// An alert to an on-call operator about a case.
    case alert
    /// An operator's message to a reporter who accepted SMS.
    case operatorReply = "operator_reply"
    /// The service confirming something to an operator (an acknowledgement by SMS).
    case operatorNotice = "operator_notice"
    /// The confirmation of a STOP/HUY: the last text before they stop.
    case stopConfirmation = "stop_confirmation"
    /// A gentle note to a number over its rate limit.
    case rateLimitNotice = "rate_limit_notice"

    /// Texts to people who texted us stop when they send STOP/HUY; texts to on-call
    /// operators, and the confirmation itself, do not.
    public var stopsAtOptOut: Bool {
        self == .conversation || self == .operatorReply || self == .rateLimitNotice
    }
}

/// A text the service promised to send, written to the outbox in the transaction that
/// decided it.
public struct OutboundSMS: Sendable, Codable, Equatable {
    public var gatewayID: String
    public var to: PhoneNumber
    public var text: String
    public var purpose: SMSPurpose

    public init(gatewayID: String, to: PhoneNumber, text: String, purpose: SMSPurpose) {
        self.gatewayID = gatewayID
        self.to = to
        self.text = text
        self.purpose = purpose
    }
}

/// What an outbox row asks for.
public enum OutboxWork: Sendable, Equatable {
    /// Tell the 111 system about a case (the signed webhook).
    case escalation(reference: String)
    case sms(OutboundSMS, caseReference: String?)
    /// The acknowledgement deadline of a case: if nobody acknowledged it, alert `tier`.
    case acknowledgementCheck(reference: String, tier: Int)
    /// A referral's deadline: if the commune has not taken the step, alert the supervisors.
    case referralDeadline(reference: String, deadlineID: Int64)
}

/// An outbox row claimed by the dispatcher: nobody else delivers it until `leaseUntil`.
public struct ClaimedOutbox: Sendable, Equatable {
    public var id: Int64
    public var work: OutboxWork
    public var priority: Priority
    /// Attempts so far, this one included.
    public var attempts: Int
    public var createdAt: Date
    /// For an escalation: the body sent on the first attempt, sent again unchanged.
    public var storedBody: String?
}

/// How one delivery attempt ended.
public enum OutboxOutcome: Sendable, Equatable {
    case delivered(detail: String)
    /// For an SMS: the gateway's id for it, which its delivery reports will carry.
    case sent(gatewayMessageID: String?)
    case retry(at: Date, error: String)
    case failed(error: String)
    /// Nothing left to do (a deadline check for a case already acknowledged).
    case settled(detail: String)
}

/// When each priority must be acknowledged; a priority absent here is not chased.
public struct AcknowledgementPolicy: Sendable {
    public var deadlines: [Priority: TimeInterval]

    public init(deadlines: [Priority: TimeInterval] = [.p1: 300]) {
        self.deadlines = deadlines
    }
}

/// An outbox row as the operator API lists it.
public struct OutboxItemSummary: Sendable, Equatable, Codable {
    public var id: Int64
    public var kind: String
    public var caseReference: String?
    public var priority: Priority
    public var status: String
    public var attempts: Int
    public var lastError: String?
    public var dueAt: Date
    public var deliveredAt: Date?
}

/// Our id for an outbound SMS, `hl-<outbox id>`: sent where a gateway echoes a client
/// reference, so its delivery reports find the message even before the send settled.
public enum OutboundReference {
    public static let prefix = "hl-"

    public static func make(outboxID: Int64) -> String { "\(prefix)\(outboxID)" }
}
