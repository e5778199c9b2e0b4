import Foundation
import HotlineCore

/// Twilio Programmable Messaging. Incoming messages and status callbacks are form POSTs
/// (`MessageSid, From, To, Body, NumSegments...`; callbacks carry `MessageStatus` and no
/// `Body`). The answer is TwiML: `<Response/>`, or `<Response><Message>...` to reply in the
/// response. Sends are `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with Basic auth.
public struct Twilio: SMSAdapter {
    public static let defaultSendURL = "https://api.twilio.com/2010-04-01/Accounts/{username}/Messages.json"

    public init() {}

    public func parse(_ request: GatewayRequest) throws(GatewayError) -> [SMSEvent] {
        guard request.method == "POST" else {
            throw GatewayError(status: 405, reason: "Twilio posts messages and status callbacks; got \(request.method)")
        }
        guard request.mediaType == FormFields.mediaType else {
            throw .unsupportedMediaType(request.mediaType, expected: FormFields.mediaType)
        }
        let form = try FormFields(query: request.query, body: request.body)
        guard let rawSID = form["MessageSid"] ?? form["SmsSid"] else { throw .missingField("MessageSid") }
        let sid = try checkedID(rawSID, field: "MessageSid")
        if form["Body"] == nil, let status = form["MessageStatus"] ?? form["SmsStatus"] {
            let code = form["ErrorCode"].flatMap { $0.isEmpty ? nil : $0 }
            return [
                .deliveryReport(
                    DeliveryReport(
                        gatewayMessageID: sid, status: Self.deliveryStatus(status), detail: code.map { "\(status) \($0)" } ?? status))
            ]
        }
        let from = try parsePhone(try form.required("From"), field: "From")
        let text = try checkedText(try form.required("Body"), field: "Body")
        if let media = form["NumMedia"].flatMap({ Int($0) }), media > 0, text.isEmpty {
            return [.ignored("an MMS with no text")]
        }
        return [.message(InboundSMS(messageID: sid, from: from, to: form["To"] ?? "", text: text))]
    }

    /// delivered and read are on the phone; failed and undelivered are final; the rest
    /// (accepted, queued, sending, sent) are on the way.
    static func deliveryStatus(_ status: String) -> DeliveryStatus {
        switch status.lowercased() {
        case "delivered", "read": .delivered
        case "failed", "undelivered", "canceled": .failed
        default: .sent
        }
    }

    public var repliesInResponse: Bool { true }

    public func respond(reply: String?) -> GatewayResponse {
        let body =
            if let reply, !reply.isEmpty {
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>\(XMLBody.escape(reply))</Message></Response>"
            } else {
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>"
            }
        return GatewayResponse(contentType: "text/xml; charset=utf-8", body: body)
    }

    /// A `from` starting with `MG` is a Messaging Service SID, otherwise a number or sender id.
    /// `{username}` in the URL is replaced by the Account SID.
    public func sendRequest(_ message: OutboundText, account: SendAccount) -> OutboundHTTPRequest {
        var fields = [("To", message.to.value), ("Body", message.text)]
        if let from = account.from {
            fields.append((from.hasPrefix("MG") ? "MessagingServiceSid" : "From", from))
        }
        if let callback = account.statusCallback { fields.append(("StatusCallback", callback)) }
        let credentials = Data("\(account.username):\(account.secret)".utf8).base64EncodedString()
        return OutboundHTTPRequest(
            method: "POST", url: account.url.replacingOccurrences(of: "{username}", with: account.username),
            headers: [
                ("Authorization", "Basic \(credentials)"), ("Accept", "application/json"), ("Content-Type", FormFields.mediaType),
            ],
            body: FormEncoding.encode(fields))
    }

    /// 201 with `{"sid":"SM...","status":"queued"}`; errors are `{"code":21211,"message":...}`.
    public func readSendResponse(status: Int, body: [UInt8], reference: String) -> SendOutcome {
        if let failure = Self.httpFailure(status: status, body: body) {
            if case .failed = failure, let json = try? JSONBody(body), let code = json.string("code") {
                return .failed("Twilio \(code): \(json.string("message") ?? "")")
            }
            return failure
        }
        guard let json = try? JSONBody(body), let sid = json.string("sid") else {
            return .failed("unreadable send response: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        if json.string("status") == "failed" { return .failed("Twilio: \(json.string("error_message") ?? "failed")") }
        return .accepted(gatewayMessageID: sid)
    }
}
