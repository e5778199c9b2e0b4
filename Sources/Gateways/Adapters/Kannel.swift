import Foundation
import HotlineCore

/// Kannel's smsbox calls the `get-url` of an `sms-service` for each incoming SMS, with the
/// values its escape codes name. The bundled gateway file documents the expected line:
/// `get-url = "https://<host>/webhooks/kannel?sender=%p&to=%P&text=%b&id=%I&ts=%T&coding=%c&charset=%C&udh=%u"`
/// (`%b`, the raw bytes: `%a` splits UCS-2 text on bytes that look like spaces).
/// A `text/plain` answer is sent back to the phone as the reply; an empty one sends nothing.
public struct Kannel: SMSAdapter {
    public static let descriptor = GatewayDescriptor(
        kind: "kannel", displayName: "Kannel SMS", channel: .sms, webhookMethods: ["GET"], defaultReply: .sync,
        build: { _ in .sms(Kannel()) })

    public init() {}

    public func parse(_ request: GatewayRequest) throws(GatewayError) -> [SMSEvent] {
        guard request.method == "GET" || request.method == "POST" else {
            throw GatewayError(status: 405, reason: "Kannel calls get-url with GET (or POST); got \(request.method)")
        }
        let raw = try RawFormFields(query: request.query, body: request.mediaType == FormFields.mediaType ? request.body : [])
        // A delivery report: the dlr-url sendRequest gave smsbox, with `%d` expanded.
        if let reference = try raw.text("dlr", charset: nil) {
            let code = try raw.text("status", charset: nil).flatMap { Int($0) }
            guard let code else { throw GatewayError(status: 400, reason: "a delivery report needs status=%d") }
            return [.deliveryReport(DeliveryReport(gatewayMessageID: reference, status: Self.deliveryStatus(code), detail: "dlr \(code)"))]
        }
        let sender = try raw.text("sender", charset: nil)
        guard let sender, !sender.isEmpty else { throw .missingField("sender") }
        let from = try parsePhone(sender, field: "sender")
        let charset = try raw.text("charset", charset: nil)
        let coding = try raw.text("coding", charset: nil).flatMap { Int($0) }
        // `%c` is 0 for 7-bit text, 1 for 8-bit data, 2 for UCS-2 (Kannel's DC_* values).
        if coding == 1 {
            return [.ignored("an 8-bit binary SMS (coding 1) carries no text")]
        }
        // Without a charset, UCS-2 arrives as its UTF-16BE bytes.
        let textCharset = charset.flatMap { $0.isEmpty ? nil : $0 } ?? (coding == 2 ? "UTF-16BE" : "UTF-8")
        guard let text = try raw.text("text", charset: textCharset) else { throw .missingField("text") }
        let id = try raw.text("id", charset: nil)
        let message = InboundSMS(
            messageID: id.flatMap { $0.isEmpty ? nil : $0 } ?? "", from: from, to: try raw.text("to", charset: nil) ?? "",
            text: try checkedText(text, field: "text"),
            receivedAt: try raw.text("ts", charset: nil).flatMap { Double($0) }.map { Date(timeIntervalSince1970: $0) })
        if let udh = raw.bytes("udh"), let concat = UDH.concatenation(udh) {
            return [.part(MessagePart(message: message, reference: String(concat.reference), total: concat.total, index: concat.index))]
        }
        return [.message(message)]
    }

    /// 1 delivered, 2 failed, 16 rejected by the SMSC; 4 buffered and 8 submitted are on the way.
    static func deliveryStatus(_ code: Int) -> DeliveryStatus {
        if code & 1 != 0 { return .delivered }
        if code & (2 | 16) != 0 { return .failed }
        return .sent
    }

    public var repliesInResponse: Bool { true }

    /// The reply SMS itself, as smsbox expects it; an empty body sends nothing.
    public func respond(reply: String?) -> GatewayResponse {
        GatewayResponse(body: reply ?? "")
    }

    /// `GET /cgi-bin/sendsms` on the smsbox's sendsms port. Texts outside GSM-7 go as UCS-2
    /// (`coding=2`) with `charset=UTF-8`, so smsbox converts them. With a status callback,
    /// smsbox calls it back with our reference and `%d` (dlr-mask 31: every state).
    public func sendRequest(_ message: OutboundText, account: SendAccount) -> OutboundHTTPRequest {
        var fields = [
            ("username", account.username), ("password", account.secret), ("to", message.to.value), ("text", message.text),
            ("charset", "UTF-8"),
        ]
        fields.append(("coding", SMSText.analyze(message.text).encoding == .gsm7 ? "0" : "2"))
        if let from = account.from { fields.append(("from", from)) }
        if let callback = account.statusCallback {
            let separator = callback.contains("?") ? "&" : "?"
            fields.append(("dlr-mask", "31"))
            fields.append(("dlr-url", "\(callback)\(separator)dlr=\(message.reference)&status=%d"))
        }
        let query = String(decoding: FormEncoding.encode(fields), as: UTF8.self)
        return OutboundHTTPRequest(
            method: "GET", url: account.url + (account.url.contains("?") ? "&" : "?") + query, headers: [], body: [])
    }

    /// `202` with `0: Accepted for delivery` (or `3: Queued for later delivery`) is accepted;
    /// sendsms returns no id, so reports are matched by our reference.
    public func readSendResponse(status: Int, body: [UInt8], reference: String) -> SendOutcome {
        Self.httpFailure(status: status, body: body) ?? .accepted(gatewayMessageID: reference)
    }
}

/// Form fields kept as bytes until their charset is known (Kannel sends UTF-16BE bytes
/// percent-escaped for UCS-2 messages).
struct RawFormFields {
    private var values: [String: [UInt8]] = [:]

    init(query: String, body: [UInt8]) throws(GatewayError) {
        for source in [Array(query.utf8), body] {
            for pair in source.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
                let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(decoding: try FormFields.percentDecode(parts[0]), as: UTF8.self).lowercased()
                guard !name.isEmpty else { continue }
                values[name] = parts.count > 1 ? try FormFields.percentDecode(parts[1]) : []
            }
        }
    }

    func bytes(_ name: String) -> [UInt8]? { values[name].flatMap { $0.isEmpty ? nil : $0 } }

    /// The value of `name` decoded in `charset` (UTF-8 when nil); nil when absent.
    func text(_ name: String, charset: String?) throws(GatewayError) -> String? {
        guard let bytes = values[name] else { return nil }
        return try Self.decode(bytes, name: name, charset: charset)
    }

    static func decode(_ bytes: [UInt8], name: String, charset: String?) throws(GatewayError) -> String {
        switch (charset ?? "UTF-8").uppercased() {
        case "UTF-8", "UTF8":
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw GatewayError(status: 400, reason: "field '\(name)' is not valid UTF-8; send its charset")
            }
            return text
        case "UTF-16BE", "UCS-2", "UCS-2BE", "UTF-16":
            guard bytes.count % 2 == 0 else {
                throw GatewayError(status: 400, reason: "field '\(name)' has an odd number of UTF-16BE bytes")
            }
            let units = stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
            guard let text = String(validating: units, as: UTF16.self) else {
                throw GatewayError(status: 400, reason: "field '\(name)' is not valid UTF-16BE")
            }
            return text
        case "ISO-8859-1", "LATIN1", "WINDOWS-1252":
            return String(decoding: bytes.map { UInt16($0) }, as: UTF16.self)
        default:
            throw GatewayError(status: 400, reason: "charset '\(charset ?? "")' is not supported; use UTF-8, UTF-16BE or ISO-8859-1")
        }
    }
}
