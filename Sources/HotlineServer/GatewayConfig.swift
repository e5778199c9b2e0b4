import HotlineCore

/// The adapters this build knows, by the `kind` a gateway file names.
public enum GatewayKind: String, Sendable, Decodable, CaseIterable {
    case africastalkingUSSD = "africastalking-ussd"
    case africastalkingSMS = "africastalking-sms"

    public var displayName: String {
        switch self {
        case .africastalkingUSSD: "Africa's Talking USSD"
        case .africastalkingSMS: "Africa's Talking SMS"
        }
    }

    public var isUSSD: Bool { self == .africastalkingUSSD }
    public var canSendSMS: Bool { self == .africastalkingSMS }
}

/// How a gateway's send API is reached; the key itself comes from the named variable.
public struct SendConfig: Sendable, Decodable {
    public var url: String
    public var username: String
    public var apiKeyEnv: String
    /// Sender id or short code; empty lets the gateway choose.
    public var from: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case url, username, from
        case apiKeyEnv = "api_key_env"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.decode(String.self, forKey: .url)
        username = try c.decode(String.self, forKey: .username)
        apiKeyEnv = try c.decode(String.self, forKey: .apiKeyEnv)
        from = try c.decodeIfPresent(String.self, forKey: .from)
    }
}

/// `gateway-config/gateways/<id>.yaml`: one connection to a telecom gateway.
public struct GatewayConfig: Sendable, Decodable {
    /// The last part of the webhook URL: `POST /webhooks/<id>`.
    public var id: String
    public var kind: GatewayKind
    /// The USSD code or SMS short code people reach this gateway by (for operators and logs).
    public var serviceCode: String?
    public var encoding: EncodingPolicy
    public var description: String?
    /// For an SMS gateway: its send API.
    public var send: SendConfig?
    /// For a USSD gateway: the SMS gateway that texts people who reached us through it.
    public var smsGateway: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, kind, encoding, description, send
        case serviceCode = "service_code"
        case smsGateway = "sms_gateway"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        kind = try c.decode(GatewayKind.self, forKey: .kind)
        serviceCode = try c.decodeIfPresent(String.self, forKey: .serviceCode)
        encoding = try c.decodeIfPresent(EncodingPolicy.self, forKey: .encoding) ?? .auto
        description = try c.decodeIfPresent(String.self, forKey: .description)
        send = try c.decodeIfPresent(SendConfig.self, forKey: .send)
        smsGateway = try c.decodeIfPresent(String.self, forKey: .smsGateway)
    }

    /// The gateway that texts this gateway's people: itself for SMS, `sms_gateway` for USSD.
    public var replyGatewayID: String? { kind.canSendSMS ? id : smsGateway }
}
