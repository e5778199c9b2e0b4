import HotlineCore

/// `gateway-config/escalation.yaml`: where urgent cases go and who is chased until one of
/// them acknowledges. Secrets are named by environment variable, never written here.
public struct EscalationConfig: Sendable, Decodable {
    public var webhook: Webhook
    /// The operator API's base URL as operators reach it; each payload links to its case.
    public var operatorAPIURL: String
    public var retry: Retry
    /// How long a case of each priority may wait for an acknowledgement before the next
    /// tier of the ladder is alerted. A priority not listed is not chased.
    public var acknowledgeWithinSeconds: [Priority: Double]
    public var alerts: Alerts
    public var operators: [Operator]
    /// Deadlines of referrals to communes, and who hears of a late one.
    public var referrals = ReferralConfig()

    public struct Webhook: Sendable, Decodable {
        /// Empty: escalations wait in the outbox (and the ladder alerts by SMS) until set.
        /// `HOTLINE_ESCALATION_URL` overrides it.
        public var url: String
        /// The variable holding the HMAC secret (`HOTLINE_ESCALATION_SECRET` by default).
        public var secretEnv: String
        public var timeoutSeconds: Double

        enum CodingKeys: String, CodingKey, CaseIterable {
            case url
            case secretEnv = "secret_env"
            case timeoutSeconds = "timeout_seconds"
        }

        public init(url: String = "", secretEnv: String = "HOTLINE_ESCALATION_SECRET", timeoutSeconds: Double = 10) {
            self.url = url
            self.secretEnv = secretEnv
            self.timeoutSeconds = timeoutSeconds
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decodeIfPresent(String.self, forKey: .url) ?? ""
            secretEnv = try c.decodeIfPresent(String.self, forKey: .secretEnv) ?? "HOTLINE_ESCALATION_SECRET"
            timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? 10
        }
    }

    /// Exponential backoff with full jitter between `first` and `max`; after `maxAttempts`
    /// an escalation is given up on the webhook and the SMS ladder starts at once.
    public struct Retry: Sendable, Decodable {
        public var firstDelaySeconds: Double
        public var maxDelaySeconds: Double
        public var maxAttempts: Int

        enum CodingKeys: String, CodingKey, CaseIterable {
            case firstDelaySeconds = "first_delay_seconds"
            case maxDelaySeconds = "max_delay_seconds"
            case maxAttempts = "max_attempts"
        }

        public init(firstDelaySeconds: Double = 2, maxDelaySeconds: Double = 300, maxAttempts: Int = 20) {
            self.firstDelaySeconds = firstDelaySeconds
            self.maxDelaySeconds = maxDelaySeconds
            self.maxAttempts = maxAttempts
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Retry()
            firstDelaySeconds = try c.decodeIfPresent(Double.self, forKey: .firstDelaySeconds) ?? defaults.firstDelaySeconds
            maxDelaySeconds = try c.decodeIfPresent(Double.self, forKey: .maxDelaySeconds) ?? defaults.maxDelaySeconds
            maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? defaults.maxAttempts
        }
    }

    public struct Alerts: Sendable, Decodable {
        /// The SMS gateway (an id in `gateways/`) alerts are sent through.
        public var gateway: String?
        /// Alerted in turn while a case waits; the last tier is alerted again at every deadline.
        public var ladder: [Tier]
        /// The tier (1 = first) told when rows are quarantined: the supervisors, who can reach
        /// whoever holds the keys. Default 2, or the last tier when the ladder is shorter.
        public var quarantineTier: Int

        enum CodingKeys: String, CodingKey, CaseIterable {
            case gateway, ladder
            case quarantineTier = "quarantine_tier"
        }

        public init(gateway: String? = nil, ladder: [Tier] = [], quarantineTier: Int = 2) {
            self.gateway = gateway
            self.ladder = ladder
            self.quarantineTier = quarantineTier
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            gateway = try c.decodeIfPresent(String.self, forKey: .gateway)
            ladder = try c.decodeIfPresent([Tier].self, forKey: .ladder) ?? []
            quarantineTier = try c.decodeIfPresent(Int.self, forKey: .quarantineTier) ?? 2
            guard quarantineTier >= 1 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .quarantineTier, in: c, debugDescription: "quarantine_tier counts tiers from 1; got \(quarantineTier)")
            }
        }

        /// The tier quarantine alerts go to, when there is a ladder.
        public var tierForQuarantine: Tier? { ladder.isEmpty ? nil : ladder[min(quarantineTier, ladder.count) - 1] }
    }

    public struct Tier: Sendable, Decodable {
        public var name: String
        public var phones: [PhoneNumber]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, phones
        }

        public init(name: String, phones: [PhoneNumber]) {
            self.name = name
            self.phones = phones
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            var phones: [PhoneNumber] = []
            for raw in try c.decode([String].self, forKey: .phones) {
                do {
                    phones.append(try PhoneNumber(parsing: raw))
                } catch {
                    throw DecodingError.dataCorruptedError(forKey: .phones, in: c, debugDescription: "'\(raw)': \(error)")
                }
            }
            self.phones = phones
        }
    }

    /// Someone allowed to use the operator API, with the variable holding their token.
    public struct Operator: Sendable, Decodable {
        public var id: String
        public var tokenEnv: String
        /// `supervisor` may also read the audit trail; `operator` (the default) works cases.
        public var role: Role

        public enum Role: String, Sendable, Decodable, CaseIterable {
            case `operator`
            case supervisor
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, role
            case tokenEnv = "token_env"
        }

        public init(id: String, tokenEnv: String, role: Role = .operator) {
            self.id = id
            self.tokenEnv = tokenEnv
            self.role = role
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            tokenEnv = try c.decode(String.self, forKey: .tokenEnv)
            role = try c.decodeIfPresent(Role.self, forKey: .role) ?? .operator
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case webhook, retry, alerts, operators, referrals
        case operatorAPIURL = "operator_api_url"
        case acknowledgeWithinSeconds = "acknowledge_within_seconds"
    }

    public init(
        webhook: Webhook = Webhook(), operatorAPIURL: String = "http://127.0.0.1:8080/api/v1", retry: Retry = Retry(),
        acknowledgeWithinSeconds: [Priority: Double] = [.p1: 300], alerts: Alerts = Alerts(), operators: [Operator] = []
    ) {
        self.webhook = webhook
        self.operatorAPIURL = operatorAPIURL
        self.retry = retry
        self.acknowledgeWithinSeconds = acknowledgeWithinSeconds
        self.alerts = alerts
        self.operators = operators
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        webhook = try c.decodeIfPresent(Webhook.self, forKey: .webhook) ?? Webhook()
        operatorAPIURL = try c.decodeIfPresent(String.self, forKey: .operatorAPIURL) ?? "http://127.0.0.1:8080/api/v1"
        retry = try c.decodeIfPresent(Retry.self, forKey: .retry) ?? Retry()
        var deadlines: [Priority: Double] = [:]
        for (key, seconds) in try c.decodeIfPresent([String: Double].self, forKey: .acknowledgeWithinSeconds) ?? ["P1": 300] {
            guard let priority = Priority(rawValue: key), priority != .none else {
                throw DecodingError.dataCorruptedError(
                    forKey: .acknowledgeWithinSeconds, in: c, debugDescription: "'\(key)' is not a priority; use P1, P2 or P3")
            }
            guard seconds > 0 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .acknowledgeWithinSeconds, in: c, debugDescription: "\(key): the deadline must be above 0 seconds")
            }
            deadlines[priority] = seconds
        }
        acknowledgeWithinSeconds = deadlines
        alerts = try c.decodeIfPresent(Alerts.self, forKey: .alerts) ?? Alerts()
        operators = try c.decodeIfPresent([Operator].self, forKey: .operators) ?? []
        referrals = try c.decodeIfPresent(ReferralConfig.self, forKey: .referrals) ?? ReferralConfig()
    }
}
