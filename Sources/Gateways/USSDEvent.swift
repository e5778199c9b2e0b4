import HotlineCore

/// One USSD hit, whatever gateway it came through.
public struct USSDRequest: Sendable, Equatable {
    /// The gateway's own session id: it owns the USSD session.
    public var sessionID: String
    public var serviceCode: String
    public var phone: PhoneNumber
    public var network: String?
    /// The answer this hit carries, as the gateway sent it. For Africa's Talking this is the
    /// cumulative `*`-joined history; `USSDInput.latest` reads the new part from it.
    public var text: String
    /// True when `text` is the whole history (Africa's Talking); false when it is the latest
    /// answer only (Hubtel, Infobip), empty on the first hit.
    public var cumulative: Bool
    /// For latest-answer gateways: what tells a retried hit from a new one with the same
    /// answer (Hubtel's `Sequence`); nil when the gateway sends nothing of the kind.
    public var sequence: String?

    public init(
        sessionID: String, serviceCode: String, phone: PhoneNumber, network: String?, text: String, cumulative: Bool = true,
        sequence: String? = nil
    ) {
        self.sessionID = sessionID
        self.serviceCode = serviceCode
        self.phone = phone
        self.network = network
        self.text = text
        self.cumulative = cumulative
        self.sequence = sequence
    }
}

public enum USSDEvent: Sendable, Equatable {
    /// A person dialled or answered: a screen is owed.
    case request(USSDRequest)
    /// The gateway tells us the session is over (the person hung up, timed out, or we ended it).
    case ended(sessionID: String, status: String)
}
