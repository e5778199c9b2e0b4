import Foundation
import HotlineCore

/// How a conversation reaches us.
public enum Channel: String, Sendable, Codable {
    case ussd
    case sms
}

/// One request from a gateway that carries a person's answer.
public struct InboundTurn: Sendable {
    public var gatewayID: String
    public var channel: Channel
    /// The gateway's session id (USSD), or our conversation key (SMS).
    public var externalSessionID: String
    public var phone: PhoneNumber
    /// What the gateway carried, exactly; a retry carries the same.
    public var rawText: String
    public var receivedAt: Date
    /// How far back an unfinished report of the same person is offered to continue.
    public var resumeWindow: TimeInterval
    /// The gateway's id of an SMS: a second request with it is a retry, processed once.
    public var messageID: String?
    /// For a fingerprint standing in for a missing message id: the same fingerprint is a
    /// retry only within this window (a person may send the same "1" again later).
    public var duplicateWindow: TimeInterval?
    /// Said of this turn on every case it escalates ("sent from a blocked number").
    public var flags: [String] = []
    /// Refuse the turn (`StoreError.overHourlyLimit`, nothing stored) when the person's
    /// messages processed since `since` already number `max`. Counted in the writer, so
    /// messages arriving together cannot all pass a count taken before any was stored.
    public var hourlyLimit: (max: Int, since: Date)?

    public init(
        gatewayID: String, channel: Channel, externalSessionID: String, phone: PhoneNumber, rawText: String, receivedAt: Date,
        resumeWindow: TimeInterval = 24 * 3600, messageID: String? = nil, duplicateWindow: TimeInterval? = nil
    ) {
        self.messageID = messageID
        self.duplicateWindow = duplicateWindow
        self.resumeWindow = resumeWindow
        self.gatewayID = gatewayID
        self.channel = channel
        self.externalSessionID = externalSessionID
        self.phone = phone
        self.rawText = rawText
        self.receivedAt = receivedAt
    }
}

/// A session as stored, handed to the decision.
public struct StoredSession: Sendable {
    public var id: Int64
    public var state: ConversationState
    /// The gateway text already processed (for Africa's Talking, the cumulative history).
    public var processedText: String
}

/// What the decision sees: this session (nil when new) and, for a new one, the person's
/// most recent unfinished report within the resume window.
public struct TurnContext: Sendable {
    public var session: StoredSession?
    public var unfinished: UnfinishedReport?
}

/// The screen sent back, kept so a retried request gets exactly the same answer.
public struct StoredReply: Sendable, Equatable, Codable {
    public var text: String
    public var continues: Bool

    public init(text: String, continues: Bool) {
        self.text = text
        self.continues = continues
    }
}

/// What the service decided for one turn; the store writes all of it in one transaction.
public struct TurnDecision: Sendable {
    public var state: ConversationState
    public var reply: StoredReply
    /// The person's new answers, as stored in the message log (empty for a fresh dial).
    public var inboundText: String
    public var effects: [StepEffect]
    /// Texts to send (an SMS conversation's reply), queued in the same transaction.
    public var messages: [OutboundSMS]
    /// The person sent STOP/HUY: after this turn's own reply, no SMS goes to them until
    /// they start a new conversation.
    public var optOut = false

    public init(
        state: ConversationState, reply: StoredReply, inboundText: String, effects: [StepEffect], messages: [OutboundSMS] = []
    ) {
        self.messages = messages
        self.state = state
        self.reply = reply
        self.inboundText = inboundText
        self.effects = effects
    }
}

public struct TurnResult: Sendable, Equatable {
    public var reply: StoredReply
    /// True when this request repeated one already answered: nothing new was stored.
    public var replayed: Bool
}

/// A case as an operator or a test reads it.
public struct StoredCase: Sendable, Equatable {
    public var reference: String
    public var category: String?
    public var priority: Priority
    public var reasons: [String]
    public var status: CaseStatus
    public var answers: [String: String]
    public var language: String
    public var gatewayID: String
    public var channel: CaseChannel
    public var phone: PhoneNumber?
    public var createdAt: Date
    public var updatedAt: Date
}

/// A row of the outbox: something the service promised to do after the reply.
public struct OutboxItem: Sendable, Equatable {
    public var id: Int64
    public var kind: String
    public var caseReference: String?
    public var priority: Priority
    public var status: String
}

public enum StoreError: Error, CustomStringConvertible {
    case caseReferenceTaken(String)
    /// The turn's `hourlyLimit` was reached; nothing of it was stored.
    case overHourlyLimit
    /// The database has no deployment id (its `deployment` table was emptied by hand).
    case noDeploymentID

    public var description: String {
        switch self {
        case .caseReferenceTaken(let r): "case reference \(r) already exists"
        case .overHourlyLimit: "the number reached its hourly message limit"
        case .noDeploymentID: "the database's deployment table is empty; restore it from a backup, or escalation keys could repeat"
        }
    }
}

/// A long SMS's parts, joined in order: complete, or what arrived before the timeout.
public struct PartSet: Sendable, Equatable {
    public var gatewayID: String
    public var phone: PhoneNumber
    public var to: String
    public var reference: String
    public var total: Int
    /// The parts that arrived, in order, joined.
    public var text: String
    public var partsReceived: Int
    /// Stands for the whole message once joined, so it is processed once.
    public var messageID: String
    public var firstReceivedAt: Date
    /// The rows this set was read from: only these are deleted once it is processed, so a
    /// part arriving meanwhile is kept.
    public var rowIDs: [Int64] = []

    public var isComplete: Bool { partsReceived == total }

    public init(
        gatewayID: String, phone: PhoneNumber, to: String, reference: String, total: Int, text: String, partsReceived: Int,
        messageID: String, firstReceivedAt: Date
    ) {
        self.gatewayID = gatewayID
        self.phone = phone
        self.to = to
        self.reference = reference
        self.total = total
        self.text = text
        self.partsReceived = partsReceived
        self.messageID = messageID
        self.firstReceivedAt = firstReceivedAt
    }
}

/// One part as a gateway delivered it.
public struct InboundPart: Sendable {
    public var gatewayID: String
    public var phone: PhoneNumber
    public var to: String
    public var reference: String
    public var total: Int
    public var index: Int
    /// The gateway's id for this part ("" when it sends none).
    public var messageID: String
    public var text: String

    public init(
        gatewayID: String, phone: PhoneNumber, to: String, reference: String, total: Int, index: Int, messageID: String, text: String
    ) {
        self.gatewayID = gatewayID
        self.phone = phone
        self.to = to
        self.reference = reference
        self.total = total
        self.index = index
        self.messageID = messageID
        self.text = text
    }
}

/// What the service knows about a number before it runs a turn.
public struct ContactStatus: Sendable, Equatable {
    public var blocked: Bool
    /// Messages this number sent in the window asked about.
    public var recentMessages: Int
    /// The number's SMS conversation in progress holds a P1 case: its answers (where, what)
    /// are what operators need, so no limit holds them back.
    public var inUrgentConversation: Bool

    public init(blocked: Bool, recentMessages: Int, inUrgentConversation: Bool = false) {
        self.blocked = blocked
        self.recentMessages = recentMessages
        self.inUrgentConversation = inUrgentConversation
    }
}

/// One blocked number, as operators see it.
public struct BlockEntry: Sendable, Equatable, Codable {
    public var id: Int64
    public var phone: String
    public var reason: String
    public var addedBy: String
    public var addedAt: Date

    public init(id: Int64, phone: String, reason: String, addedBy: String, addedAt: Date) {
        self.id = id
        self.phone = phone
        self.reason = reason
        self.addedBy = addedBy
        self.addedAt = addedAt
    }
}
