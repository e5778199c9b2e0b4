import Foundation
import HotlineCore

/// Africa's Talking SMS. Incoming messages are a form POST with `id, from, to, text, date,
/// linkId`; delivery reports are a form POST with `id, status, phoneNumber, failureReason`
/// (to the same URL or another; told apart by their fields). The reply to either is a bare
/// 200: replies to the person go out through the send API (`/version1/messaging`).
public struct AfricasTalkingSMS: SMSAdapter {
    public static let mediaType = "application/x-www-form-urlencoded"
    public static let defaultSendURL = "https://api.africastalking.com/version1/messaging"

    public static let descriptor = GatewayDescriptor(
        kind: "africastalking-sms", displayName: "Africa's Talking SMS", channel: .sms, defaultSendURL: defaultSendURL,
        build: { _ in .sms(AfricasTalkingSMS()) })

    public init() {}

    public func parse(_ request: GatewayRequest) throws(GatewayError) -> [SMSEvent] {
        [try event(request)]
    }

    public func event(_ request: GatewayRequest) throws(GatewayError) -> SMSEvent {
        guard request.method == "POST" else {
            throw GatewayError(status: 405, reason: "Africa's Talking posts SMS and delivery reports; got \(request.method)")
        }
        guard request.mediaType == Self.mediaType else {
            throw .unsupportedMediaType(request.mediaType, expected: Self.mediaType)
        }
        let form = try FormFields(query: request.query, body: request.body)
        let id = try checkedID(try form.required("id"), field: "id")
        if form["from"] == nil, let status = form["status"] {
            return .deliveryReport(DeliveryReport(gatewayMessageID: id, status: Self.deliveryStatus(status), detail: status))
        }
        let from = try parsePhone(try form.required("from"), field: "from")
        let text = try checkedText(try form.required("text"), field: "text")
        return .message(
            InboundSMS(
                messageID: id, from: from, to: form["to"] ?? "", text: text,
                receivedAt: form["date"].flatMap(Self.parseDate)))
    }

    /// Success is on the phone; Sent, Submitted and Buffered on the way; Rejected and Failed final.
    static func deliveryStatus(_ status: String) -> DeliveryStatus {
        switch status.lowercased() {
        case "success": .delivered
        case "rejected", "failed": .failed
        default: .sent
        }
    }

    /// `2017-05-03T06:04:45Z` or `2017-05-03 06:04:45` (UTC).
    static func parseDate(_ raw: String) -> Date? {
        let normal = raw.replacingOccurrences(of: " ", with: "T")
        return (try? Date(normal.hasSuffix("Z") ? normal : normal + "Z", strategy: .iso8601))
    }

    /// A send through `POST /version1/messaging`. AT splits and bills long texts itself.
    public func sendRequest(_ message: OutboundText, account: SendAccount) -> OutboundHTTPRequest {
        var fields = [("username", account.username), ("to", message.to.value), ("message", message.text)]
        if let from = account.from { fields.append(("from", from)) }
        return OutboundHTTPRequest(
            method: "POST", url: account.url,
            headers: [
                ("apiKey", account.secret), ("Accept", "application/json"), ("Content-Type", Self.mediaType),
            ],
            body: FormEncoding.encode(fields))
    }

    /// `{"SMSMessageData":{"Recipients":[{"status":"Success","messageId":"ATXid_..."}]}}`.
    public func readSendResponse(status: Int, body: [UInt8], reference: String) -> SendOutcome {
        if let failure = Self.httpFailure(status: status, body: body) { return failure }
        struct Reply: Decodable {
            struct Data: Decodable { var Recipients: [Recipient] }
            struct Recipient: Decodable {
                var status: String
                var messageId: String?
                var statusCode: Int?
            }
            var SMSMessageData: Data
        }
        guard let reply = try? JSONDecoder().decode(Reply.self, from: Foundation.Data(body)),
            let recipient = reply.SMSMessageData.Recipients.first
        else {
            return .failed("unreadable send response: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        switch recipient.status {
        case "Success", "Sent", "Submitted", "Buffered":
            return .accepted(gatewayMessageID: recipient.messageId)
        default:
            // AT's 5xx-style status codes (500 risk hold, 501 gateway error, 502 rejected by
            // gateway) are worth another try; the rest (invalid number, blacklisted) are not.
            if let code = recipient.statusCode, (500..<600).contains(code) { return .retry(recipient.status) }
            return .failed(recipient.status)
        }
    }
}
