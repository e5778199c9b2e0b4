import HotlineCore

/// The adapters this build knows, by the `kind` a gateway file names.
public enum GatewayKind: String, Sendable, Decodable, CaseIterable {
    case africastalkingUSSD = "africastalking-ussd"
    case africastalkingSMS = "africastalking-sms"
    case kannel

    public var displayName: String {
        switch self {
        case .africastalkingUSSD: "Africa's Talking USSD"
        case .africastalkingSMS: "Africa's Talking SMS"
        case .kannel: "Kannel SMS"
        }
    }

    public var isUSSD: Bool { self == .africastalkingUSSD }
    /// What the gateway's platform calls the webhook with (Kannel's get-url is a GET).
    public var webhookMethod: String { self == .kannel ? "GET" : "POST" }
    public var canSendSMS: Bool { self != .africastalkingUSSD }

    /// How this kind answers a person by default: in the webhook's own response (Kannel's
    /// `text/plain` reply) or through the send API via the outbox.
    public var defaultReply: ReplyMode { self == .kannel ? .sync : .api }
}

public enum ReplyMode: String, Sendable, Decodable, CaseIterable {
    /// The reply is the webhook response's body: one round trip, nothing to retry.
    case sync
    /// The reply is queued in the outbox and sent through the gateway's send API.
    case api
}

/// How a gateway's send API is reached; the key itself comes from the named variable.
public struct SendConfig: Sendable, Decodable {
    public var url: String
    public var username: String
    /// The variable holding the API key (Africa's Talking) or password (Kannel's sendsms).
    public var apiKeyEnv: String
    /// Sender id or short code; empty lets the gateway choose.
    public var from: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case url, username, from
        case apiKeyEnv = "api_key_env"
        case passwordEnv = "password_env"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.decode(String.self, forKey: .url)
        username = try c.decode(String.self, forKey: .username)
        guard let secret = try c.decodeIfPresent(String.self, forKey: .apiKeyEnv) ?? c.decodeIfPresent(String.self, forKey: .passwordEnv)
        else {
            throw DecodingError.keyNotFound(
                CodingKeys.apiKeyEnv, .init(codingPath: c.codingPath, debugDescription: "api_key_env or password_env is required"))
        }
        apiKeyEnv = secret
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
    /// For an SMS gateway: how the conversation's replies go out (default per kind).
    public var reply: ReplyMode

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, kind, encoding, description, send, reply
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
        reply = try c.decodeIfPresent(ReplyMode.self, forKey: .reply) ?? kind.defaultReply
    }

    /// The gateway that texts this gateway's people: itself for SMS, `sms_gateway` for USSD.
    public var replyGatewayID: String? { kind.canSendSMS ? (send == nil ? nil : id) : smsGateway }
}
