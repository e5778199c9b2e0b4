import Foundation
import HotlineCore

/// How a gateway without a built-in adapter (a telco content-provider platform, a local
/// aggregator) talks, set in its file under `format:`. Paths are field names for forms,
/// dotted paths for JSON (`message.from`), element paths for XML (`moRequest/source`).
public struct GenericFormat: Sendable, Decodable, Equatable {
    public enum BodyType: String, Sendable, Decodable, Equatable, CaseIterable {
        /// Form POST or GET query (merged).
        case form
        case json
        case xml
    }

    public var body: BodyType
    /// Inbound: the message's id (leave out when the platform sends none: retries are then
    /// recognised by a fingerprint of sender and text over a short window).
    public var id: String?
    public var from: String
    public var to: String?
    public var text: String
    /// A field only delivery reports carry, holding their status word.
    public var status: String?
    /// Where a delivery report names the message (default: `id`).
    public var reportID: String?
    /// Status words meaning delivered and failed (case-insensitive); others mean on the way.
    public var delivered: [String]
    public var failed: [String]
    /// The answer to every webhook. `{reply}` in the body is replaced by the reply SMS
    /// (escaped for the content type), which makes the gateway reply in the response.
    public var responseBody: String
    public var responseContentType: String
    /// The send API's shape (its URL and account are under `send:`).
    public var sendBody: BodyType
    public var sendFields: SendFields

    public struct SendFields: Sendable, Decodable, Equatable {
        public var to: String
        public var text: String
        public var from: String?
        public var username: String?
        /// The field carrying the secret; leave out to send it in `secret_header` instead.
        public var password: String?
        public var reference: String?
        public var statusCallback: String?
        public var secretHeader: String?
        public var secretPrefix: String
        /// JSON path of the message id in the send API's answer.
        public var responseID: String?
        /// Numbers as `84912345678` instead of `+84912345678`.
        public var plainDigits: Bool

        enum CodingKeys: String, CodingKey, CaseIterable {
            case to, text, from, username, password, reference
            case statusCallback = "status_callback"
            case secretHeader = "secret_header"
            case secretPrefix = "secret_prefix"
            case responseID = "response_id"
            case plainDigits = "plain_digits"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            to = try c.decode(String.self, forKey: .to)
            text = try c.decode(String.self, forKey: .text)
            from = try c.decodeIfPresent(String.self, forKey: .from)
            username = try c.decodeIfPresent(String.self, forKey: .username)
            password = try c.decodeIfPresent(String.self, forKey: .password)
            reference = try c.decodeIfPresent(String.self, forKey: .reference)
            statusCallback = try c.decodeIfPresent(String.self, forKey: .statusCallback)
            secretHeader = try c.decodeIfPresent(String.self, forKey: .secretHeader)
            secretPrefix = try c.decodeIfPresent(String.self, forKey: .secretPrefix) ?? ""
            responseID = try c.decodeIfPresent(String.self, forKey: .responseID)
            plainDigits = try c.decodeIfPresent(Bool.self, forKey: .plainDigits) ?? false
            guard password != nil || secretHeader != nil else {
                throw DecodingError.keyNotFound(
                    CodingKeys.password,
                    .init(
                        codingPath: c.codingPath,
                        debugDescription: "name the field (password) or header (secret_header) carrying the secret"))
            }
        }

        public init(to: String, text: String, from: String? = nil, password: String? = nil, secretHeader: String? = nil) {
            self.to = to
            self.text = text
            self.from = from
            self.password = password
            self.secretHeader = secretHeader
            secretPrefix = ""
            plainDigits = false
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case body, id, from, to, text, status, delivered, failed
        case reportID = "report_id"
        case responseBody = "response_body"
        case responseContentType = "response_content_type"
        case sendBody = "send_body"
        case sendFields = "send_fields"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        body = try c.decode(BodyType.self, forKey: .body)
        id = try c.decodeIfPresent(String.self, forKey: .id)
        from = try c.decode(String.self, forKey: .from)
        to = try c.decodeIfPresent(String.self, forKey: .to)
        text = try c.decode(String.self, forKey: .text)
        status = try c.decodeIfPresent(String.self, forKey: .status)
        reportID = try c.decodeIfPresent(String.self, forKey: .reportID)
        delivered = try c.decodeIfPresent([String].self, forKey: .delivered) ?? ["delivered", "DELIVRD", "success"]
        failed = try c.decodeIfPresent([String].self, forKey: .failed) ?? ["failed", "undelivered", "UNDELIV", "rejected", "expired"]
        responseBody = try c.decodeIfPresent(String.self, forKey: .responseBody) ?? ""
        responseContentType = try c.decodeIfPresent(String.self, forKey: .responseContentType) ?? "text/plain; charset=utf-8"
        sendBody = try c.decodeIfPresent(BodyType.self, forKey: .sendBody) ?? .form
        sendFields =
            try c.decodeIfPresent(SendFields.self, forKey: .sendFields)
            ?? SendFields(to: "to", text: "text", from: "from", password: "password")
    }

    public init(body: BodyType, id: String?, from: String, to: String?, text: String, status: String? = nil, responseBody: String = "") {
        self.body = body
        self.id = id
        self.from = from
        self.to = to
        self.text = text
        self.status = status
        delivered = ["delivered", "DELIVRD", "success"]
        failed = ["failed", "undelivered", "UNDELIV", "rejected", "expired"]
        self.responseBody = responseBody
        responseContentType = body == .xml ? "text/xml; charset=utf-8" : body == .json ? "application/json" : "text/plain; charset=utf-8"
        sendBody = .form
        sendFields = SendFields(to: "to", text: "text", from: "from", password: "password")
    }
}

/// The adapter a `GenericFormat` describes.
public struct GenericSMS: SMSAdapter {
    public static let descriptor = GatewayDescriptor(
        kind: "generic-sms", displayName: "generic SMS", channel: .sms, webhookMethods: ["GET", "POST"],
        syncReplyAdvice: "or put {reply} in format.response_body",
        build: { settings throws(GatewaySetupIssue) in
            guard let format = settings.format else {
                throw GatewaySetupIssue(
                    key: "format",
                    message: "a generic-sms gateway needs `format:` (body: form|json|xml, from, text, and id if the platform sends one)")
            }
            return .sms(GenericSMS(format: format))
        })

    public let format: GenericFormat

    public init(format: GenericFormat) {
        self.format = format
    }

    /// Reads one field whatever the body type.
    struct Reader {
        let lookup: (String) -> String?
        func callAsFunction(_ path: String?) -> String? { path.flatMap(lookup) }
    }

    func reader(_ request: GatewayRequest) throws(GatewayError) -> Reader {
        switch format.body {
        case .form:
            let form = try FormFields(query: request.query, body: request.mediaType == FormFields.mediaType ? request.body : [])
            return Reader { form[$0] }
        case .json:
            guard request.method == "POST" || request.method == "PUT" else {
                throw GatewayError(status: 405, reason: "this gateway is configured to post JSON; got \(request.method)")
            }
            let json = try JSONBody(request.body)
            return Reader { json.string($0) }
        case .xml:
            guard request.method == "POST" || request.method == "PUT" else {
                throw GatewayError(status: 405, reason: "this gateway is configured to post XML; got \(request.method)")
            }
            let xml = try XMLBody(request.body)
            return Reader { xml.string($0) }
        }
    }

    public func parse(_ request: GatewayRequest) throws(GatewayError) -> [SMSEvent] {
        let field = try reader(request)
        if let statusPath = format.status, let status = field(statusPath) {
            let path = format.reportID ?? format.id ?? "id"
            guard let id = field(path) else { throw .missingField(path) }
            return [
                .deliveryReport(
                    DeliveryReport(gatewayMessageID: try checkedID(id, field: path), status: deliveryStatus(status), detail: status))
            ]
        }
        guard let sender = field(format.from), !sender.isEmpty else { throw .missingField(format.from) }
        let from = try parsePhone(sender, field: format.from)
        guard let text = field(format.text) else { throw .missingField(format.text) }
        let id = try field(format.id).map { (id) throws(GatewayError) in try checkedID(id, field: format.id ?? "id") } ?? ""
        return [
            .message(InboundSMS(messageID: id, from: from, to: field(format.to) ?? "", text: try checkedText(text, field: format.text)))
        ]
    }

    func deliveryStatus(_ word: String) -> DeliveryStatus {
        if format.delivered.contains(where: { $0.caseInsensitiveCompare(word) == .orderedSame }) { return .delivered }
        if format.failed.contains(where: { $0.caseInsensitiveCompare(word) == .orderedSame }) { return .failed }
        return .sent
    }

    public var repliesInResponse: Bool { format.responseBody.contains("{reply}") }

    public func respond(reply: String?) -> GatewayResponse {
        let escaped: String =
            switch format.responseContentType.lowercased() {
            case let type where type.contains("xml"): XMLBody.escape(reply ?? "")
            case let type where type.contains("json"): JSONText.escape(reply ?? "")
            default: reply ?? ""
            }
        return GatewayResponse(
            contentType: format.responseContentType, body: format.responseBody.replacingOccurrences(of: "{reply}", with: escaped))
    }

    public func sendRequest(_ message: OutboundText, account: SendAccount) -> OutboundHTTPRequest {
        let names = format.sendFields
        var fields: [(String, String)] = [(names.to, names.plainDigits ? message.to.digits : message.to.value), (names.text, message.text)]
        if let name = names.from, let from = account.from { fields.append((name, from)) }
        if let name = names.username { fields.append((name, account.username)) }
        if let name = names.password { fields.append((name, account.secret)) }
        if let name = names.reference { fields.append((name, message.reference)) }
        if let name = names.statusCallback, let callback = account.statusCallback { fields.append((name, callback)) }
        var headers: [(String, String)] = []
        if let header = names.secretHeader { headers.append((header, names.secretPrefix + account.secret)) }
        switch format.sendBody {
        case .json:
            headers.append(("Content-Type", JSONBody.mediaType))
            return OutboundHTTPRequest(
                method: "POST", url: account.url, headers: headers,
                body: JSONWriting.encode(Dictionary(fields, uniquingKeysWith: { _, last in last })))
        case .xml, .form:
            headers.append(("Content-Type", FormFields.mediaType))
            return OutboundHTTPRequest(method: "POST", url: account.url, headers: headers, body: FormEncoding.encode(fields))
        }
    }

    public func readSendResponse(status: Int, body: [UInt8], reference: String) -> SendOutcome {
        if let failure = Self.httpFailure(status: status, body: body) { return failure }
        let id = format.sendFields.responseID.flatMap { path in (try? JSONBody(body))?.string(path) }
        return .accepted(gatewayMessageID: id ?? reference)
    }
}

enum JSONText {
    /// The inside of a JSON string literal.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
