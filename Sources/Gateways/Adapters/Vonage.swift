import Crypto
import Foundation
import HotlineCore

/// Vonage (Nexmo) SMS API. Inbound messages come as GET query or POST form (or JSON) with
/// `msisdn, to, messageId, text, type, message-timestamp`; a long message arrives part by part
/// with `concat=true, concat-ref, concat-total, concat-part`. Delivery receipts carry
/// `messageId, status, err-code` (and our `client-ref`). Anything but 200/204 is resent for
/// 24 hours. Sends are `POST /sms/json` with `api_key`/`api_secret`.
public struct Vonage: SMSAdapter {
    public static let defaultSendURL = "https://rest.nexmo.com/sms/json"

    public static let descriptor = GatewayDescriptor(
        kind: "vonage", displayName: "Vonage SMS", channel: .sms, webhookMethods: ["GET", "POST"], defaultSendURL: defaultSendURL,
        signature: SignatureScheme(
            signer: "Vonage", check: { secret, settings in .vonage(secret: secret, method: settings.signatureMethod) }),
        build: { _ in .sms(Vonage()) })

    public init() {}

    /// Query, form body or JSON body, as one set of fields (names as sent, for the signature).
    static func fields(_ request: GatewayRequest) throws(GatewayError) -> [(name: String, value: String)] {
        if request.mediaType == JSONBody.mediaType {
            guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
                throw GatewayError(status: 400, reason: "the body is not a JSON object")
            }
            let query = try FormFields(query: request.query, body: []).pairs
            return query
                + object.compactMap { key, value in
                    switch value {
                    case let text as String: (key, text)
                    case let number as NSNumber: (key, number.stringValue)
                    default: nil
                    }
                }
        }
        let body = request.mediaType == FormFields.mediaType ? request.body : []
        return try FormFields(query: request.query, body: body).pairs
    }

    public func parse(_ request: GatewayRequest) throws(GatewayError) -> [SMSEvent] {
        guard request.method == "GET" || request.method == "POST" else {
            throw GatewayError(status: 405, reason: "Vonage sends inbound SMS as GET or POST; got \(request.method)")
        }
        var form: [String: String] = [:]
        for (name, value) in try Self.fields(request) { form[name.lowercased()] = value }
        let id = try checkedID(form["messageid"] ?? "", field: "messageId")
        if form["text"] == nil, form["type"] == nil, let status = form["status"] {
            let reference = form["client-ref"].flatMap { $0.hasPrefix("hl-") ? $0 : nil }
            let code = form["err-code"].flatMap { $0 == "0" || $0.isEmpty ? nil : $0 }
            return [
                .deliveryReport(
                    DeliveryReport(
                        gatewayMessageID: reference ?? id, status: Self.deliveryStatus(status),
                        detail: code.map { "\(status) err-code \($0)" } ?? status))
            ]
        }
        guard let msisdn = form["msisdn"] else { throw .missingField("msisdn") }
        let from = try parseInternationalPhone(msisdn, field: "msisdn")
        if form["type"] == "binary" { return [.ignored("a binary SMS carries no text")] }
        let text = try checkedText(form["text"] ?? "", field: "text")
        let message = InboundSMS(
            messageID: id, from: from, to: form["to"] ?? "", text: text,
            receivedAt: form["message-timestamp"].flatMap(AfricasTalkingSMS.parseDate))
        if form["concat"] == "true" {
            guard let reference = form["concat-ref"], !reference.isEmpty, let total = form["concat-total"].flatMap({ Int($0) }),
                let index = form["concat-part"].flatMap({ Int($0) }), (2...255).contains(total), (1...total).contains(index)
            else {
                throw GatewayError(status: 400, reason: "a concat part needs concat-ref, concat-total (2-255) and concat-part (1..total)")
            }
            return [.part(MessagePart(message: message, reference: reference, total: total, index: index))]
        }
        return [.message(message)]
    }

    static func deliveryStatus(_ status: String) -> DeliveryStatus {
        switch status.lowercased() {
        case "delivered": .delivered
        case "failed", "expired", "rejected": .failed
        default: .sent
        }
    }

    /// `type=unicode` for a text outside GSM-7. `client-ref` is our reference, echoed in receipts.
    public func sendRequest(_ message: OutboundText, account: SendAccount) -> OutboundHTTPRequest {
        var fields = [
            ("api_key", account.username), ("api_secret", account.secret), ("to", message.to.digits), ("text", message.text),
            ("type", SMSText.analyze(message.text).encoding == .gsm7 ? "text" : "unicode"), ("client-ref", message.reference),
        ]
        if let from = account.from { fields.append(("from", from)) }
        if let callback = account.statusCallback {
            fields.append(("status-report-req", "1"))
            fields.append(("callback", callback))
        }
        return OutboundHTTPRequest(
            method: "POST", url: account.url, headers: [("Content-Type", FormFields.mediaType), ("Accept", "application/json")],
            body: FormEncoding.encode(fields))
    }

    /// `{"message-count":"1","messages":[{"status":"0","message-id":"..."}]}`. Status 1
    /// (throttled) is retried; any other non-zero status is final.
    public func readSendResponse(status: Int, body: [UInt8], reference: String) -> SendOutcome {
        if let failure = Self.httpFailure(status: status, body: body) { return failure }
        guard let json = try? JSONBody(body), !json.array("messages").isEmpty else {
            return .failed("unreadable send response: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        for part in json.array("messages") where part.string("status") != "0" {
            let code = part.string("status") ?? "?"
            let reason = "Vonage status \(code): \(part.string("error-text") ?? "")"
            return code == "1" ? .retry(reason) : .failed(reason)
        }
        // Receipts for every part carry our client-ref, so the reference is the key.
        return .accepted(gatewayMessageID: reference)
    }
}

public enum VonageSignature {
    public enum Method: String, Sendable, Decodable, CaseIterable {
        case md5hash
        case md5
        case sha1
        case sha256
        case sha512
    }

    /// `&name=value` for each field sorted by name (byte order), `&` and `=` in values made `_`;
    /// md5hash appends the secret and hashes (lower-case hex), the others are HMACs keyed by
    /// the secret (upper-case hex).
    public static func sign(_ fields: [(name: String, value: String)], secret: String, method: Method) -> String {
        var message = ""
        for (name, value) in fields.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }) {
            let cleaned = value.replacingOccurrences(of: "&", with: "_").replacingOccurrences(of: "=", with: "_")
            message += "&\(name)=\(cleaned)"
        }
        let key = SymmetricKey(data: Data(secret.utf8))
        let data = Data(message.utf8)
        switch method {
        case .md5hash: return hex(Insecure.MD5.hash(data: Data((message + secret).utf8)), upper: false)
        case .md5: return hex(HMAC<Insecure.MD5>.authenticationCode(for: data, using: key), upper: true)
        case .sha1: return hex(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: key), upper: true)
        case .sha256: return hex(HMAC<SHA256>.authenticationCode(for: data, using: key), upper: true)
        case .sha512: return hex(HMAC<SHA512>.authenticationCode(for: data, using: key), upper: true)
        }
    }

    /// How far a signed request's `timestamp` may be from our clock, either way. Message ids
    /// are remembered for days, not for ever, so a captured request replayed later would be
    /// taken as new; Vonage's own libraries allow the same five minutes.
    public static let freshness: TimeInterval = 5 * 60

    /// Nil when the signed `timestamp` (Unix seconds) is within `freshness` of `now`.
    static func staleness(_ fields: [(name: String, value: String)], now: Date) -> GatewayError? {
        guard let raw = fields.first(where: { $0.name == "timestamp" })?.value, !raw.isEmpty else {
            return GatewayError(status: 401, reason: "the signed request carries no timestamp, so it could be a replay")
        }
        guard let seconds = Int64(raw) else {
            return GatewayError(status: 401, reason: "the signed timestamp is not Unix seconds")
        }
        let offset = Double(seconds) - now.timeIntervalSince1970
        guard abs(offset) <= freshness else {
            let seconds = Int(abs(offset).rounded(.down))
            let when = offset < 0 ? "\(seconds) s old" : "\(seconds) s ahead of our clock"
            return GatewayError(
                status: 401,
                reason: "the signed timestamp is \(when); requests more than 5 minutes from our clock are refused"
                    + " as possible replays (check both clocks)")
        }
        return nil
    }

    static func hex<D: Sequence>(_ digest: D, upper: Bool) -> String where D.Element == UInt8 {
        let text = Hex.encode(Array(digest))
        return upper ? text.uppercased() : text
    }
}

extension WebhookAuth.Signature {
    /// Vonage signed webhooks: `sig` over the sorted fields with `method`, and a fresh `timestamp`.
    public static func vonage(secret: String, method: VonageSignature.Method) -> Self {
        Self { request, now in
            guard let fields = try? Vonage.fields(request) else { return GatewayError(status: 401, reason: "unreadable signed fields") }
            guard let offered = fields.first(where: { $0.name == "sig" })?.value, !offered.isEmpty else {
                return GatewayError(status: 401, reason: "the Vonage signature (sig) is missing")
            }
            let expected = VonageSignature.sign(fields.filter { $0.name != "sig" }, secret: secret, method: method)
            guard ConstantTime.equal(offered.lowercased(), expected.lowercased()) else {
                return GatewayError(status: 403, reason: "the Vonage signature (sig) does not match")
            }
            return VonageSignature.staleness(fields, now: now)
        }
    }
}
