import Foundation
import HotlineCore

/// Kannel's smsbox calls the `get-url` of an `sms-service` for each incoming SMS, with the
/// values its escape codes name. The bundled gateway file documents the expected line:
/// `get-url = "https://<host>/webhooks/kannel?sender=%p&to=%P&text=%a&id=%I&ts=%T&coding=%c&charset=%C"`.
/// A `text/plain` answer is sent back to the phone as the reply; an empty one sends nothing.
public struct Kannel: Sendable {
    public init() {}

    public func parse(_ request: GatewayRequest) throws(GatewayError) -> InboundSMS {
        guard request.method == "GET" || request.method == "POST" else {
            throw GatewayError(status: 405, reason: "Kannel calls get-url with GET (or POST); got \(request.method)")
        }
        let raw = try RawFormFields(query: request.query, body: request.mediaType == FormFields.mediaType ? request.body : [])
        let sender = try raw.text("sender", charset: nil)
        guard let sender, !sender.isEmpty else { throw .missingField("sender") }
        let from: PhoneNumber
        do {
            from = try PhoneNumber(parsing: sender)
        } catch {
            throw GatewayError(status: 400, reason: "field 'sender': \(error)")
        }
        let charset = try raw.text("charset", charset: nil)
        let coding = try raw.text("coding", charset: nil).flatMap { Int($0) }
        // Without a charset, UCS-2 (coding 3 in get-url's numbering) arrives as UTF-16BE bytes.
        let textCharset = charset.flatMap { $0.isEmpty ? nil : $0 } ?? (coding == 3 ? "UTF-16BE" : "UTF-8")
        guard let text = try raw.text("text", charset: textCharset) else { throw .missingField("text") }
        guard text.utf8.count <= 8 * 1024 else {
            throw GatewayError(status: 400, reason: "field 'text' is over 8 KiB; an SMS conversation message is far shorter")
        }
        let id = try raw.text("id", charset: nil)
        return InboundSMS(
            messageID: id.flatMap { $0.isEmpty ? nil : $0 } ?? "", from: from, to: try raw.text("to", charset: nil) ?? "", text: text,
            receivedAt: try raw.text("ts", charset: nil).flatMap { Double($0) }.map { Date(timeIntervalSince1970: $0) })
    }

    /// The reply SMS itself, as smsbox expects it.
    public func reply(_ text: String) -> GatewayResponse {
        GatewayResponse(body: text)
    }

    /// `GET /cgi-bin/sendsms` on the smsbox's sendsms port. Texts outside GSM-7 go as UCS-2
    /// (`coding=2`) with `charset=UTF-8`, so smsbox converts them.
    public func sendRequest(url: String, username: String, password: String, from: String?, to: PhoneNumber, text: String)
        -> OutboundHTTPRequest
    {
        var fields = [("username", username), ("password", password), ("to", to.value), ("text", text), ("charset", "UTF-8")]
        fields.append(("coding", SMSText.analyze(text).encoding == .gsm7 ? "0" : "2"))
        if let from, !from.isEmpty { fields.append(("from", from)) }
        let query = String(decoding: FormEncoding.encode(fields), as: UTF8.self)
        return OutboundHTTPRequest(method: "GET", url: url + (url.contains("?") ? "&" : "?") + query, headers: [], body: [])
    }

    /// `202` with `0: Accepted for delivery` (or `3: Queued for later delivery`) is accepted.
    public func readSendResponse(status: Int, body: [UInt8]) -> SendOutcome {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        if status == 202 || (200..<300).contains(status) { return .accepted(gatewayMessageID: nil) }
        if status == 429 || status >= 500 || status == 503 { return .retry("HTTP \(status): \(text)") }
        return .failed("HTTP \(status): \(text)")
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

    /// The value of `name` decoded in `charset` (UTF-8 when nil); nil when absent.
    func text(_ name: String, charset: String?) throws(GatewayError) -> String? {
        guard let bytes = values[name] else { return nil }
        switch (charset ?? "UTF-8").uppercased() {
        case "UTF-8", "UTF8":
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw GatewayError(status: 400, reason: "field '\(name)' is not valid UTF-8; set charset=%C in get-url")
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
