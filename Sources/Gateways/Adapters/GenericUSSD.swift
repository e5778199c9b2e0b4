import HotlineCore

/// A USSD gateway that posts JSON, described in its file under `ussd_format:`.
public struct GenericUSSDFormat: Sendable, Decodable, Equatable {
    public var sessionID: String
    public var phone: String
    public var text: String
    public var serviceCode: String?
    /// A field whose value true (or any value in `end_values`) means the session is over.
    public var end: String?
    public var endValues: [String]
    /// True when `text` carries every answer so far joined by `*`.
    public var cumulative: Bool
    /// A field telling retried hits apart from new ones when `text` is the latest answer.
    public var sequence: String?
    /// The reply's keys: `{"<screen>": "...", "<close>": true|false}`.
    public var replyScreen: String
    public var replyClose: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case phone, text, end, cumulative, sequence
        case sessionID = "session_id"
        case serviceCode = "service_code"
        case endValues = "end_values"
        case replyScreen = "reply_screen"
        case replyClose = "reply_close"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sessionID = try c.decode(String.self, forKey: .sessionID)
        phone = try c.decode(String.self, forKey: .phone)
        text = try c.decode(String.self, forKey: .text)
        serviceCode = try c.decodeIfPresent(String.self, forKey: .serviceCode)
        end = try c.decodeIfPresent(String.self, forKey: .end)
        endValues = try c.decodeIfPresent([String].self, forKey: .endValues) ?? ["true", "end", "release", "timeout"]
        cumulative = try c.decodeIfPresent(Bool.self, forKey: .cumulative) ?? false
        sequence = try c.decodeIfPresent(String.self, forKey: .sequence)
        replyScreen = try c.decodeIfPresent(String.self, forKey: .replyScreen) ?? "message"
        replyClose = try c.decodeIfPresent(String.self, forKey: .replyClose) ?? "close"
    }

    public init(sessionID: String, phone: String, text: String, end: String? = nil, cumulative: Bool = false, sequence: String? = nil) {
        self.sessionID = sessionID
        self.phone = phone
        self.text = text
        self.end = end
        endValues = ["true", "end", "release", "timeout"]
        self.cumulative = cumulative
        self.sequence = sequence
        replyScreen = "message"
        replyClose = "close"
    }
}

public struct GenericUSSD: USSDAdapter {
    public static let descriptor = GatewayDescriptor(
        kind: "generic-ussd", displayName: "generic USSD", channel: .ussd,
        build: { settings throws(GatewaySetupIssue) in
            guard let format = settings.ussdFormat else {
                throw GatewaySetupIssue(
                    key: "ussd_format", message: "a generic-ussd gateway needs `ussd_format:` (session_id, phone, text)")
            }
            return .ussd(GenericUSSD(format: format))
        })

    public let format: GenericUSSDFormat

    public init(format: GenericUSSDFormat) {
        self.format = format
    }

    public func parse(_ request: GatewayRequest) throws(GatewayError) -> USSDEvent {
        guard request.method == "POST" else {
            throw GatewayError(status: 405, reason: "this gateway posts USSD hits as JSON; got \(request.method)")
        }
        let body = try JSONBody(request.body)
        let sessionID = try requireSessionID(body.string(format.sessionID), field: format.sessionID)
        if let endField = format.end, let value = body.string(endField),
            format.endValues.contains(where: { $0.caseInsensitiveCompare(value) == .orderedSame })
        {
            return .ended(sessionID: sessionID, status: value)
        }
        let phone = try parseInternationalPhone(try body.required(format.phone), field: format.phone)
        let text = body.string(format.text) ?? ""
        guard text.utf8.count <= 1024 else { throw GatewayError(status: 400, reason: "field '\(format.text)' is over 1 KiB") }
        return .request(
            USSDRequest(
                sessionID: sessionID, serviceCode: format.serviceCode.flatMap { body.string($0) } ?? "", phone: phone, network: nil,
                text: text, cumulative: format.cumulative, sequence: format.sequence.flatMap { body.string($0) }))
    }

    public func reply(_ screen: String, continues: Bool) -> GatewayResponse {
        GatewayResponse(
            contentType: "application/json",
            body: String(decoding: JSONWriting.encode([format.replyScreen: screen, format.replyClose: !continues]), as: UTF8.self))
    }

    public func acknowledge() -> GatewayResponse {
        GatewayResponse(contentType: "application/json", body: "{}")
    }
}
