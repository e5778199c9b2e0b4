import HotlineCore

/// Where and as whom a gateway's send API is called. The secret (API key, password, auth
/// token) comes from the environment variable the gateway's file names.
public struct SendAccount: Sendable {
    public var url: String
    public var username: String
    public var secret: String
    /// Sender id or short code; nil lets the gateway choose.
    public var from: String?
    /// Where the gateway should post delivery reports; nil requests none.
    public var statusCallback: String?

    public init(url: String, username: String, secret: String, from: String? = nil, statusCallback: String? = nil) {
        self.url = url
        self.username = username
        self.secret = secret
        self.from = from.flatMap { $0.isEmpty ? nil : $0 }
        self.statusCallback = statusCallback
    }
}

/// One SMS to send, already rendered under the gateway's encoding policy.
public struct OutboundText: Sendable, Equatable {
    public var to: PhoneNumber
    public var text: String
    /// Our id for this message (`hl-<outbox id>`): sent as the client reference where the
    /// gateway echoes one in delivery reports, and the key reports are matched by otherwise.
    public var reference: String

    public init(to: PhoneNumber, text: String, reference: String) {
        self.to = to
        self.text = text
        self.reference = reference
    }
}

/// One SMS gateway's formats: its webhook (messages and delivery reports), its answer to the
/// webhook, and its send API. Pure values in and out, so each is tested with captured payloads.
public protocol SMSAdapter: Sendable {
    /// Every event one webhook request carries (Infobip batches several messages).
    func parse(_ request: GatewayRequest) throws(GatewayError) -> [SMSEvent]
    /// Whether the webhook's answer can carry the reply SMS (Kannel's text/plain, TwiML).
    var repliesInResponse: Bool { get }
    /// The webhook's answer; `reply` is the conversation's reply when it goes in the response.
    func respond(reply: String?) -> GatewayResponse
    func sendRequest(_ message: OutboundText, account: SendAccount) -> OutboundHTTPRequest
    func readSendResponse(status: Int, body: [UInt8], reference: String) -> SendOutcome
}

extension SMSAdapter {
    public var repliesInResponse: Bool { false }
    public func respond(reply: String?) -> GatewayResponse { GatewayResponse(body: "") }

    /// What every gateway means by an HTTP status: 429 and 5xx are worth another try, other
    /// non-2xx are final. Nil for 2xx: the adapter reads the body.
    static func httpFailure(status: Int, body: [UInt8]) -> SendOutcome? {
        if (200..<300).contains(status) { return nil }
        let text = "HTTP \(status): \(String(decoding: body.prefix(200), as: UTF8.self))"
        return status == 429 || status >= 500 ? .retry(text) : .failed(text)
    }
}

/// The sender's number as an error a gateway operator understands.
func parsePhone(_ raw: String, field: String) throws(GatewayError) -> PhoneNumber {
    do {
        return try PhoneNumber(parsing: raw)
    } catch {
        // SMSCs often drop the + of a foreign number (8613912345678 from a Chinese SIM near
        // Móng Cái): digits too long to be Vietnamese are read as international.
        let digits = raw.filter(\.isNumber)
        if digits.count == raw.count, digits.count >= 11, !digits.hasPrefix("0"),
            let international = try? PhoneNumber(parsing: "+" + digits)
        {
            return international
        }
        throw GatewayError(status: 400, reason: "field '\(field)': \(error)")
    }
}

/// A number from a gateway that documents international form, often without its `+`
/// (`84912345678`, `8613912345678`): read as international unless it is a national `0...`.
func parseInternationalPhone(_ raw: String, field: String) throws(GatewayError) -> PhoneNumber {
    try parsePhone(raw.first?.isNumber == true && !raw.hasPrefix("0") ? "+" + raw : raw, field: field)
}

/// A message text within what an SMS conversation can carry.
func checkedText(_ text: String, field: String) throws(GatewayError) -> String {
    guard text.utf8.count <= 8 * 1024 else {
        throw GatewayError(status: 400, reason: "field '\(field)' is over 8 KiB; an SMS conversation message is far shorter")
    }
    return text
}

/// A gateway message id within reason.
func checkedID(_ id: String, field: String) throws(GatewayError) -> String {
    guard !id.isEmpty, id.utf8.count <= 128 else {
        throw GatewayError(status: 400, reason: "field '\(field)' must hold 1 to 128 characters")
    }
    return id
}

/// Local digits without `+` (Vonage and Infobip want `84912345678`).
extension PhoneNumber {
    var digits: String { value.hasPrefix("+") ? String(value.dropFirst()) : value }
}
