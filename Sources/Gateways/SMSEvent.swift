import Foundation
import HotlineCore

/// One SMS a person sent, whatever gateway carried it.
public struct InboundSMS: Sendable, Equatable {
    /// The gateway's id for this message: a retry carries the same, so it is processed once.
    public var messageID: String
    public var from: PhoneNumber
    /// The number or short code it was sent to.
    public var to: String
    public var text: String
    public var receivedAt: Date?

    public init(messageID: String, from: PhoneNumber, to: String, text: String, receivedAt: Date? = nil) {
        self.messageID = messageID
        self.from = from
        self.to = to
        self.text = text
        self.receivedAt = receivedAt
    }
}

/// How far an outbound message got, as gateways report it.
public enum DeliveryStatus: String, Sendable, Equatable, Codable {
    /// Accepted by the gateway, not yet on the phone.
    case sent
    case delivered
    case failed
}

/// A gateway's report on a message we sent.
public struct DeliveryReport: Sendable, Equatable {
    public var gatewayMessageID: String
    public var status: DeliveryStatus
    /// The gateway's own status word, kept for the operator ("Rejected", "UNDELIV").
    public var detail: String

    public init(gatewayMessageID: String, status: DeliveryStatus, detail: String) {
        self.gatewayMessageID = gatewayMessageID
        self.status = status
        self.detail = detail
    }
}

/// One part of a long message the gateway delivers part by part (Vonage `concat`, a Kannel
/// UDH): the parts are joined before the conversation sees them.
public struct MessagePart: Sendable, Equatable {
    /// This part as received: its own id, and its piece of the text.
    public var message: InboundSMS
    /// The concatenation reference; unique per sender only.
    public var reference: String
    public var total: Int
    /// 1-based.
    public var index: Int

    public init(message: InboundSMS, reference: String, total: Int, index: Int) {
        self.message = message
        self.reference = reference
        self.total = total
        self.index = index
    }
}

/// What an SMS webhook carried.
public enum SMSEvent: Sendable, Equatable {
    case message(InboundSMS)
    case part(MessagePart)
    case deliveryReport(DeliveryReport)
    /// Acknowledged and dropped, with why (a binary SMS, a channel test ping).
    case ignored(String)
}

/// An HTTP request to a gateway's send API, built without any HTTP client so it is tested as
/// a value; the dispatcher executes it.
public struct OutboundHTTPRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(method: String, url: String, headers: [(String, String)], body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.method == b.method && a.url == b.url && a.body == b.body
            && a.headers.map { "\($0.0): \($0.1)" } == b.headers.map { "\($0.0): \($0.1)" }
    }
}

/// What a send API answered, read by the adapter that built the request.
public enum SendOutcome: Sendable, Equatable {
    /// Accepted; the id delivery reports will name.
    case accepted(gatewayMessageID: String?)
    /// Worth trying again later (transport error, 5xx, 429).
    case retry(String)
    /// The gateway refused it for good (other 4xx, a rejected number).
    case failed(String)
}
