import Gateways
import HotlineCore

/// How a gateway's send API is reached; the key itself comes from the named variable.
public struct SendConfig: Sendable, Decodable {
    public var url: String?
    /// Account name: Africa's Talking username, Twilio Account SID, Vonage API key, Kannel
    /// and Jasmin user (Infobip and Clickatell need none).
    public var username: String
    /// The variable holding the API key, password or auth token.
    public var apiKeyEnv: String
    /// Sender id or short code; empty lets the gateway choose.
    public var from: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case url, username, from
        case apiKeyEnv = "api_key_env"
        case passwordEnv = "password_env"
        case authTokenEnv = "auth_token_env"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.decodeIfPresent(String.self, forKey: .url)
        username = try c.decodeIfPresent(String.self, forKey: .username) ?? ""
        let names = [CodingKeys.apiKeyEnv, .passwordEnv, .authTokenEnv]
        guard let secret = try names.lazy.compactMap({ try c.decodeIfPresent(String.self, forKey: $0) }).first else {
            throw DecodingError.keyNotFound(
                CodingKeys.apiKeyEnv,
                .init(codingPath: c.codingPath, debugDescription: "api_key_env, password_env or auth_token_env is required"))
        }
        apiKeyEnv = secret
        from = try c.decodeIfPresent(String.self, forKey: .from)
    }
}

/// What a webhook must prove, by the variables holding the secrets.
public struct AuthConfig: Sendable, Decodable {
    /// Twilio's auth token or Vonage's signature secret: requests must carry a valid signature.
    public var signatureSecretEnv: String?
    /// Vonage's signing method (md5hash, md5, sha1, sha256, sha512).
    public var signatureMethod: VonageSignature.Method
    public var sharedSecretEnv: String?
    public var sharedSecretHeader: String?
    public var sharedSecretQuery: String?
    public var basicUsername: String?
    public var basicPasswordEnv: String?
    /// Addresses or CIDR ranges allowed to call the webhook (the socket's peer).
    public var allowIPs: [String]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case signatureSecretEnv = "signature_secret_env"
        case signatureMethod = "signature_method"
        case sharedSecretEnv = "shared_secret_env"
        case sharedSecretHeader = "shared_secret_header"
        case sharedSecretQuery = "shared_secret_query"
        case basicUsername = "basic_username"
        case basicPasswordEnv = "basic_password_env"
        case allowIPs = "allow_ips"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        signatureSecretEnv = try c.decodeIfPresent(String.self, forKey: .signatureSecretEnv)
        signatureMethod = try c.decodeIfPresent(VonageSignature.Method.self, forKey: .signatureMethod) ?? .md5hash
        sharedSecretEnv = try c.decodeIfPresent(String.self, forKey: .sharedSecretEnv)
        sharedSecretHeader = try c.decodeIfPresent(String.self, forKey: .sharedSecretHeader)
        sharedSecretQuery = try c.decodeIfPresent(String.self, forKey: .sharedSecretQuery)
        basicUsername = try c.decodeIfPresent(String.self, forKey: .basicUsername)
        basicPasswordEnv = try c.decodeIfPresent(String.self, forKey: .basicPasswordEnv)
        allowIPs = try c.decodeIfPresent([String].self, forKey: .allowIPs) ?? []
    }

    /// The variables this section names, for `serve`'s start-up report and the README.
    public var secretVariables: [String] {
        [signatureSecretEnv, sharedSecretEnv, basicPasswordEnv].compactMap { $0 }
    }
}

/// `gateway-config/gateways/<id>.yaml`: one connection to a telecom gateway.
public struct GatewayConfig: Sendable, Decodable {
    /// The last part of the webhook URL: `POST /webhooks/<id>`.
    public var id: String
    /// What `kind:` names: one of `GatewayCatalog`'s adapters.
    public var kind: GatewayDescriptor
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
    /// This webhook's URL as the gateway calls it (behind a proxy the service cannot know
    /// it): Twilio signs it, and delivery reports are requested to it.
    public var publicURL: String?
    public var auth: AuthConfig?
    /// For `generic-sms`: field names and body types.
    public var format: GenericFormat?
    /// For `generic-ussd`.
    public var ussdFormat: GenericUSSDFormat?
    /// Messages without a gateway id: the same sender and text within this window is a retry.
    public var dedupeWindowSeconds: Int
    /// Parts of a long message are joined; after this long, what arrived is processed.
    public var multipartTimeoutSeconds: Int
    /// Longest reply in SMS parts; a longer one is sent as several messages.
    public var maxParts: Int

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, kind, encoding, description, send, reply, auth, format
        case serviceCode = "service_code"
        case smsGateway = "sms_gateway"
        case publicURL = "public_url"
        case ussdFormat = "ussd_format"
        case dedupeWindowSeconds = "dedupe_window_seconds"
        case multipartTimeoutSeconds = "multipart_timeout_seconds"
        case maxParts = "max_parts"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        let kindName = try c.decode(String.self, forKey: .kind)
        guard let kind = GatewayCatalog.descriptor(kind: kindName) else {
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown gateway kind '\(kindName)'")
        }
        self.kind = kind
        serviceCode = try c.decodeIfPresent(String.self, forKey: .serviceCode)
        encoding = try c.decodeIfPresent(EncodingPolicy.self, forKey: .encoding) ?? .auto
        description = try c.decodeIfPresent(String.self, forKey: .description)
        send = try c.decodeIfPresent(SendConfig.self, forKey: .send)
        smsGateway = try c.decodeIfPresent(String.self, forKey: .smsGateway)
        reply = try c.decodeIfPresent(ReplyMode.self, forKey: .reply) ?? kind.defaultReply
        publicURL = try c.decodeIfPresent(String.self, forKey: .publicURL)
        auth = try c.decodeIfPresent(AuthConfig.self, forKey: .auth)
        format = try c.decodeIfPresent(GenericFormat.self, forKey: .format)
        ussdFormat = try c.decodeIfPresent(GenericUSSDFormat.self, forKey: .ussdFormat)
        dedupeWindowSeconds = try c.decodeIfPresent(Int.self, forKey: .dedupeWindowSeconds) ?? 120
        multipartTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .multipartTimeoutSeconds) ?? 60
        maxParts = try c.decodeIfPresent(Int.self, forKey: .maxParts) ?? 4
    }

    /// The gateway that texts this gateway's people: itself for SMS, `sms_gateway` for USSD.
    public var replyGatewayID: String? { kind.canSendSMS ? (send == nil ? nil : id) : smsGateway }

    /// The send API's URL: the file's, or the kind's public default.
    public var sendURL: String? { send?.url ?? kind.defaultSendURL }

    /// What the adapter reads from this file.
    public var settings: GatewaySettings {
        GatewaySettings(
            format: format, ussdFormat: ussdFormat, reply: reply, publicURL: publicURL, signed: auth?.signatureSecretEnv != nil,
            signatureMethod: auth?.signatureMethod ?? .md5hash)
    }

    /// The adapter this file's kind and settings make; check-config has refused files that
    /// cannot make one.
    public func adapter() throws(GatewaySetupIssue) -> GatewayAdapter { try kind.makeAdapter(settings) }
}
