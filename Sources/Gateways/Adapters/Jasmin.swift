import Foundation
import HotlineCore

/// Jasmin SMS gateway. Its HTTP MO connector posts a form with `id, from, to, content,
/// coding, origin-connector` (`binary` holds the content in hex); Jasmin joins long messages
/// itself. Delivery receipts post `id, message_status` (DELIVRD, UNDELIV...). Both must be
/// answered with exactly `ACK/Jasmin`, or Jasmin retries. Sends go to its HTTP API `/send`.
public struct Jasmin: SMSAdapter {
    public static let descriptor = GatewayDescriptor(
        kind: "jasmin", displayName: "Jasmin SMS", channel: .sms, build: { _ in .sms(Jasmin()) })

    public init() {}

    public func parse(_ request: GatewayRequest) throws(GatewayError) -> [SMSEvent] {
        guard request.method == "POST" || request.method == "GET" else {
            throw GatewayError(status: 405, reason: "Jasmin posts messages and receipts; got \(request.method)")
        }
        let raw = try RawFormFields(query: request.query, body: request.mediaType == FormFields.mediaType ? request.body : [])
        let id = try checkedID(try raw.text("id", charset: nil) ?? "", field: "id")
        if let status = try raw.text("message_status", charset: nil) {
            return [.deliveryReport(DeliveryReport(gatewayMessageID: id, status: Self.deliveryStatus(status), detail: status))]
        }
        guard let sender = try raw.text("from", charset: nil), !sender.isEmpty else { throw .missingField("from") }
        let from = try parsePhone(sender, field: "from")
        let coding = Self.coding(raw.bytes("coding"))
        if coding == 2 || coding == 4 { return [.ignored("a binary SMS (coding \(coding)) carries no text")] }
        let text = try checkedText(try Self.content(raw, coding: coding), field: "content")
        return [.message(InboundSMS(messageID: id, from: from, to: try raw.text("to", charset: nil) ?? "", text: text))]
    }

    /// The docs send `coding=8`; Jasmin itself sends the raw byte (`coding=%08`).
    static func coding(_ bytes: [UInt8]?) -> Int {
        guard let bytes, !bytes.isEmpty else { return 0 }
        if bytes.count == 1, bytes[0] < 0x30 { return Int(bytes[0]) }
        return Int(String(decoding: bytes, as: UTF8.self)) ?? 0
    }

    /// coding 8 is UCS-2 (UTF-16BE), 3 Latin-1, 0 and 1 GSM septets one per byte; `binary`
    /// repeats the content in hex and is read first.
    static func content(_ raw: RawFormFields, coding: Int) throws(GatewayError) -> String {
        var bytes = raw.bytes("content") ?? []
        if let hex = try raw.text("binary", charset: nil), !hex.isEmpty {
            guard let decoded = Hex.decode(hex) else { throw GatewayError(status: 400, reason: "field 'binary' is not hex") }
            bytes = decoded
        } else if raw.bytes("content") == nil, try raw.text("content", charset: nil) == nil {
            throw .missingField("content")
        }
        switch coding {
        case 8: return try RawFormFields.decode(bytes, name: "content", charset: "UTF-16BE")
        case 3: return try RawFormFields.decode(bytes, name: "content", charset: "ISO-8859-1")
        case 0, 1: return GSMAlphabet.decode(bytes)
        default: throw GatewayError(status: 400, reason: "coding \(coding) is binary data, not text")
        }
    }

    static func deliveryStatus(_ status: String) -> DeliveryStatus {
        switch status.uppercased() {
        case "DELIVRD": .delivered
        case "UNDELIV", "REJECTD", "EXPIRED", "DELETED", "UNKNOWN": .failed
        default: .sent
        }
    }

    /// Jasmin treats anything else as a failed delivery to us and retries.
    public func respond(reply: String?) -> GatewayResponse {
        GatewayResponse(body: "ACK/Jasmin")
    }

    /// Non-GSM text goes as `coding=8` with `hex-content` (UTF-16BE), which Jasmin sends as UCS-2.
    public func sendRequest(_ message: OutboundText, account: SendAccount) -> OutboundHTTPRequest {
        var fields = [("username", account.username), ("password", account.secret), ("to", message.to.digits)]
        if SMSText.analyze(message.text).encoding == .gsm7 {
            fields.append(("content", message.text))
        } else {
            fields.append(("coding", "8"))
            fields.append(("hex-content", Hex.encode(Array(message.text.utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })))
        }
        if let from = account.from { fields.append(("from", from)) }
        if let callback = account.statusCallback {
            fields += [("dlr", "yes"), ("dlr-url", callback), ("dlr-level", "3"), ("dlr-method", "POST")]
        }
        return OutboundHTTPRequest(
            method: "POST", url: account.url, headers: [("Content-Type", FormFields.mediaType)], body: FormEncoding.encode(fields))
    }

    /// `Success "<message id>"`; errors are `Error "<reason>"` with a 4xx.
    public func readSendResponse(status: Int, body: [UInt8], reference: String) -> SendOutcome {
        if let failure = Self.httpFailure(status: status, body: body) { return failure }
        let text = String(decoding: body.prefix(300), as: UTF8.self)
        guard text.hasPrefix("Success") else { return .failed("Jasmin: \(text)") }
        let id = text.split(separator: "\"").dropFirst().first.map(String.init)
        return .accepted(gatewayMessageID: id ?? reference)
    }
}
