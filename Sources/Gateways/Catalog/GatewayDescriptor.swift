/// How the conversation's replies reach a person on an SMS gateway.
public enum ReplyMode: String, Sendable, Decodable, CaseIterable {
    /// The reply is the webhook response's body: one round trip, nothing to retry.
    case sync
    /// The reply is queued in the outbox and sent through the gateway's send API.
    case api
}

/// The adapter a configured gateway speaks.
public enum GatewayAdapter: Sendable {
    case sms(any SMSAdapter)
    case ussd(any USSDAdapter)

    public var sms: (any SMSAdapter)? {
        if case .sms(let adapter) = self { adapter } else { nil }
    }
}

/// What a gateway file says that an adapter may need to build itself or check its setup.
public struct GatewaySettings: Sendable {
    /// `format:` of a generic SMS gateway.
    public var format: GenericFormat?
    /// `ussd_format:` of a generic USSD gateway.
    public var ussdFormat: GenericUSSDFormat?
    public var reply: ReplyMode
    /// The webhook URL as the gateway calls it, when the file gives one.
    public var publicURL: String?
    /// Whether the file names a signature secret.
    public var signed: Bool
    public var signatureMethod: VonageSignature.Method

    public init(
        format: GenericFormat? = nil, ussdFormat: GenericUSSDFormat? = nil, reply: ReplyMode = .api, publicURL: String? = nil,
        signed: Bool = false, signatureMethod: VonageSignature.Method = .md5hash
    ) {
        self.format = format
        self.ussdFormat = ussdFormat
        self.reply = reply
        self.publicURL = publicURL
        self.signed = signed
        self.signatureMethod = signatureMethod
    }
}

/// Something a gateway file lacks or gets wrong for its kind, by the key to fix.
public struct GatewaySetupIssue: Error, Sendable, Equatable {
    public var key: String
    public var message: String
    /// A warning lets the service start; anything else stops `check-config`.
    public var isWarning: Bool

    public init(key: String, message: String, isWarning: Bool = false) {
        self.key = key
        self.message = message
        self.isWarning = isWarning
    }
}

/// How a gateway signs its webhooks, for gateways that do. Shared secrets, Basic
/// authentication and address lists work for every gateway and are not described here.
public struct SignatureScheme: Sendable {
    /// The platform's name in messages ("only Twilio and Vonage sign their webhooks").
    public let signer: String
    let check: @Sendable (_ secret: String, _ settings: GatewaySettings) -> WebhookAuth.Signature
    let advice: @Sendable (GatewaySettings) -> [GatewaySetupIssue]

    public init(
        signer: String, check: @escaping @Sendable (_ secret: String, _ settings: GatewaySettings) -> WebhookAuth.Signature,
        advice: @escaping @Sendable (GatewaySettings) -> [GatewaySetupIssue] = { _ in [] }
    ) {
        self.signer = signer
        self.check = check
        self.advice = advice
    }

    /// The check a webhook request must pass, with the secret the file's variable holds.
    public func signature(secret: String, settings: GatewaySettings) -> WebhookAuth.Signature { check(secret, settings) }
}

/// One kind of gateway as the rest of the service sees it. Each adapter's file declares its
/// own, and `GatewayCatalog` lists them, so a new gateway is one file and its tests.
public struct GatewayDescriptor: Sendable {
    public enum Channel: Sendable { case sms, ussd }

    /// The `kind:` a gateway file names.
    public let kind: String
    /// For people: start-up report, check-config messages, send errors.
    public let displayName: String
    public let channel: Channel
    /// What the gateway's platform calls the webhook with, for the start-up report.
    public let webhookMethods: [String]
    /// How an SMS gateway of this kind answers by default.
    public let defaultReply: ReplyMode
    /// The send API's public URL, when the platform has one (Kannel and Jasmin run locally).
    public let defaultSendURL: String?
    /// How its webhooks prove where they come from beyond what every gateway can use.
    public let signature: SignatureScheme?
    /// What else lets `reply: sync` work, for the message refusing it.
    let syncReplyAdvice: String?
    let build: @Sendable (GatewaySettings) throws(GatewaySetupIssue) -> GatewayAdapter

    public init(
        kind: String, displayName: String, channel: Channel, webhookMethods: [String] = ["POST"], defaultReply: ReplyMode = .api,
        defaultSendURL: String? = nil, signature: SignatureScheme? = nil, syncReplyAdvice: String? = nil,
        build: @escaping @Sendable (GatewaySettings) throws(GatewaySetupIssue) -> GatewayAdapter
    ) {
        self.kind = kind
        self.displayName = displayName
        self.channel = channel
        self.webhookMethods = webhookMethods
        self.defaultReply = defaultReply
        self.defaultSendURL = defaultSendURL
        self.signature = signature
        self.syncReplyAdvice = syncReplyAdvice
        self.build = build
    }

    /// The adapter for a gateway file's settings, or what the file must add first.
    public func makeAdapter(_ settings: GatewaySettings) throws(GatewaySetupIssue) -> GatewayAdapter { try build(settings) }

    /// Everything a gateway file of this kind must fix, or should (warnings).
    public func setupIssues(_ settings: GatewaySettings) -> [GatewaySetupIssue] {
        var issues: [GatewaySetupIssue] = []
        let adapter: GatewayAdapter
        do {
            adapter = try build(settings)
        } catch {
            return [error]
        }
        if channel == .sms, settings.reply == .sync, adapter.sms?.repliesInResponse != true {
            issues.append(
                GatewaySetupIssue(
                    key: "reply",
                    message: "\(displayName) cannot carry a reply in the webhook response; use reply: api"
                        + (syncReplyAdvice.map { " (\($0))" } ?? "")))
        }
        if settings.signed {
            if let signature {
                issues += signature.advice(settings)
            } else {
                let signers = GatewayCatalog.all.compactMap(\.signature?.signer)
                issues.append(
                    GatewaySetupIssue(
                        key: "auth.signature_secret_env",
                        message: "only \(signers.joined(separator: " and ")) sign their webhooks;"
                            + " use shared_secret_env, basic_username or allow_ips"))
            }
        }
        return issues
    }

    public var canSendSMS: Bool { channel == .sms }
    public var isUSSD: Bool { channel == .ussd }
    /// "GET", "GET or POST".
    public var webhookMethod: String { webhookMethods.joined(separator: " or ") }
}
