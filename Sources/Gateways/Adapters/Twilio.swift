import Crypto
import Foundation
import HotlineCore

/// Twilio Programmable Messaging. Incoming messages and status callbacks are form POSTs
/// (`MessageSid, From, To, Body, NumSegments...`; callbacks carry `MessageStatus` and no
/// `Body`). The answer is TwiML: `<Response/>`, or `<Response><Message>...` to reply in the
/// response. Sends are `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with Basic auth.
public struct Twilio: SMSAdapter {
    public static let defaultSendURL = "https://api.twilio.com/2010-04-01/Accounts/{username}/Messages.json"

    public static let descriptor = GatewayDescriptor(
        kind: "twilio", displayName: "Twilio SMS", channel: .sms, defaultReply: .sync, defaultSendURL: defaultSendURL,
        signature: SignatureScheme(
            signer: "Twilio", check: { secret, settings in .twilio(authToken: secret, publicURL: settings.publicURL) },
            advice: { settings in
                guard settings.publicURL == nil else { return [] }
                return [
                    GatewaySetupIssue(
                        key: "public_url",
                        message: "Twilio signs the URL it called; behind a proxy set public_url to that URL, or signatures will not match",
                        isWarning: true)
                ]
            }),
        build: { _ in .sms(Twilio()) })

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

public enum TwilioSignature {
    /// base64(HMAC-SHA1(token, url + name1 + value1 + name2 + value2...)), names sorted.
    public static func sign(url: String, parameters: [(name: String, value: String)], authToken: String) -> String {
        var message = url
        for (name, value) in parameters.sorted(by: { $0.name == $1.name ? $0.value < $1.value : $0.name < $1.name }) {
            message += name + value
        }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: Data(authToken.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// The URL Twilio called: the configured public URL (the service sits behind a proxy that
    /// changes host or scheme) or the one the request names, with the query it carried.
    static func url(publicURL: String?, request: GatewayRequest) -> String {
        let base: String
        if let publicURL, !publicURL.isEmpty {
            base = publicURL.split(separator: "?", maxSplits: 1).first.map(String.init) ?? publicURL
        } else {
            let scheme = request.headers["x-forwarded-proto"] ?? "https"
            base = "\(scheme)://\(request.headers["x-forwarded-host"] ?? request.headers["host"] ?? "localhost")\(request.path)"
        }
        return request.query.isEmpty ? base : base + "?" + request.query
    }
}

extension WebhookAuth.Signature {
    /// `X-Twilio-Signature`: base64 HMAC-SHA1 of the public URL and the sorted POST fields.
    public static func twilio(authToken: String, publicURL: String?) -> Self {
        Self { request, _ in
            guard let offered = request.headers["x-twilio-signature"], !offered.isEmpty else {
                return GatewayError(status: 401, reason: "X-Twilio-Signature is missing")
            }
            let url = TwilioSignature.url(publicURL: publicURL, request: request)
            let form = request.mediaType == FormFields.mediaType ? (try? FormFields(query: "", body: request.body))?.pairs ?? [] : []
            guard ConstantTime.equal(offered, TwilioSignature.sign(url: url, parameters: form, authToken: authToken)) else {
                return GatewayError(
                    status: 403, reason: "X-Twilio-Signature does not match (signed URL \(url.split(separator: "?").first ?? ""))")
            }
            return nil
        }
    }
}
