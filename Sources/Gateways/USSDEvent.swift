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

    public init(sessionID: String, serviceCode: String, phone: PhoneNumber, network: String?, text: String) {
        self.sessionID = sessionID
        self.serviceCode = serviceCode
        self.phone = phone
        self.network = network
        self.text = text
    }
}

public enum USSDEvent: Sendable, Equatable {
    /// A person dialled or answered: a screen is owed.
    case request(USSDRequest)
    /// The gateway tells us the session is over (the person hung up, timed out, or we ended it).
    case ended(sessionID: String, status: String)
}
