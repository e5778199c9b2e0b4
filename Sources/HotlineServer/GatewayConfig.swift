import HotlineCore

/// The adapters this build knows, by the `kind` a gateway file names.
public enum GatewayKind: String, Sendable, Decodable, CaseIterable {
    case africastalkingUSSD = "africastalking-ussd"

    public var displayName: String {
        switch self {
        case .africastalkingUSSD: "Africa's Talking USSD"
        }
    }

    public var isUSSD: Bool { true }
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

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, kind, encoding, description
        case serviceCode = "service_code"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        kind = try c.decode(GatewayKind.self, forKey: .kind)
        serviceCode = try c.decodeIfPresent(String.self, forKey: .serviceCode)
        encoding = try c.decodeIfPresent(EncodingPolicy.self, forKey: .encoding) ?? .auto
        description = try c.decodeIfPresent(String.self, forKey: .description)
    }
}
