import HotlineCore
import Storage

/// `gateway-config/service.yaml`: the hotline this deployment serves.
public struct ServiceConfig: Sendable, Decodable {
    public var name: String
    public var defaultLanguage: String
    public var languages: [String]
    public var hotlines: Hotlines
    /// Case references read `<prefix>-XXXXXX` (letters and digits that cannot be confused).
    public var caseReferencePrefix: String
    public var sessions: Sessions
    public var ussdLimits: USSDLimits
    /// The flow a new conversation starts in (the `id` of a file in `flows/`).
    public var flow: String
    /// The province's areas (districts, towns): a location answer naming one is saved as `area`.
    public var areas: [String]
    /// The communes or wards of the areas, with their child-protection workers (referrals).
    public var communes: [Commune] = []
    public var abuse: Abuse
    public var retention: RetentionPolicy

    /// A number sending more than this in an hour gets one gentle note and is not processed,
    /// unless what it sends is urgent.
    public struct Abuse: Sendable, Decodable {
        public var maxMessagesPerHour: Int
        public var limitedReply: String

        public static let defaultReply =
            "Ban da gui nhieu tin trong mot gio. Vui long doi mot chut. Neu khan cap, goi 111 mien phi. / Please wait a little; if it is urgent, call 111 free."

        enum CodingKeys: String, CodingKey, CaseIterable {
            case maxMessagesPerHour = "max_messages_per_hour"
            case limitedReply = "limited_reply"
        }

        public init(maxMessagesPerHour: Int = 30, limitedReply: String = Abuse.defaultReply) {
            self.maxMessagesPerHour = maxMessagesPerHour
            self.limitedReply = limitedReply
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            maxMessagesPerHour = try c.decodeIfPresent(Int.self, forKey: .maxMessagesPerHour) ?? 30
            limitedReply = try c.decodeIfPresent(String.self, forKey: .limitedReply) ?? Self.defaultReply
        }
    }

    public struct Hotlines: Sendable, Decodable {
        /// The national child protection hotline, free, 24/7.
        public var national: String
        /// The provincial counselling line.
        public var provincial: String
        public var provincialName: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case national, provincial
            case provincialName = "provincial_name"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            national = try c.decode(String.self, forKey: .national)
            provincial = try c.decode(String.self, forKey: .provincial)
            provincialName = try c.decode(String.self, forKey: .provincialName)
        }
    }

    public struct Sessions: Sendable, Decodable {
        public var ussdTimeoutSeconds: Int
        public var smsTimeoutHours: Int
        /// How long an unfinished report is offered to continue when the person comes back.
        public var resumeHours: Int

        enum CodingKeys: String, CodingKey, CaseIterable {
            case ussdTimeoutSeconds = "ussd_timeout_seconds"
            case smsTimeoutHours = "sms_timeout_hours"
            case resumeHours = "resume_hours"
        }

        public init(ussdTimeoutSeconds: Int = 180, smsTimeoutHours: Int = 24, resumeHours: Int = 24) {
            self.ussdTimeoutSeconds = ussdTimeoutSeconds
            self.smsTimeoutHours = smsTimeoutHours
            self.resumeHours = resumeHours
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            ussdTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .ussdTimeoutSeconds) ?? 180
            smsTimeoutHours = try c.decodeIfPresent(Int.self, forKey: .smsTimeoutHours) ?? 24
            resumeHours = try c.decodeIfPresent(Int.self, forKey: .resumeHours) ?? 24
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, languages, hotlines, sessions, flow, areas, abuse, retention
        case defaultLanguage = "default_language"
        case caseReferencePrefix = "case_reference_prefix"
        case ussdLimits = "ussd_limits"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        defaultLanguage = try c.decode(String.self, forKey: .defaultLanguage)
        languages = try c.decode([String].self, forKey: .languages)
        hotlines = try c.decode(Hotlines.self, forKey: .hotlines)
        caseReferencePrefix = try c.decode(String.self, forKey: .caseReferencePrefix)
        sessions = try c.decodeIfPresent(Sessions.self, forKey: .sessions) ?? Sessions()
        ussdLimits = try c.decodeIfPresent(USSDLimits.self, forKey: .ussdLimits) ?? .standard
        flow = try c.decode(String.self, forKey: .flow)
        let entries = try c.decodeIfPresent([AreaEntry].self, forKey: .areas) ?? []
        areas = entries.map(\.name)
        communes = entries.flatMap(\.communes)
        abuse = try c.decodeIfPresent(Abuse.self, forKey: .abuse) ?? Abuse()
        retention = try c.decodeIfPresent(Retention.self, forKey: .retention)?.policy ?? RetentionPolicy()
    }

    /// `retention:` in service.yaml.
    struct Retention: Decodable {
        var policy: RetentionPolicy

        enum CodingKeys: String, CodingKey, CaseIterable {
            case closedCaseDays = "closed_case_days"
            case conversationDays = "conversation_days"
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            policy = RetentionPolicy(
                closedCaseDays: try c.decodeIfPresent(Int.self, forKey: .closedCaseDays) ?? 90,
                conversationDays: try c.decodeIfPresent(Int.self, forKey: .conversationDays) ?? 30)
            guard policy.closedCaseDays >= 1, policy.conversationDays >= 1 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .closedCaseDays, in: c, debugDescription: "retention periods are whole days, at least 1")
            }
        }
    }

    /// The longest values a screen may show (the reference at its longest), for checking fit.
    public var sampleScreenVariables: [String: String] {
        var variables = screenVariables
        variables["reference"] = CaseReference.example(prefix: caseReferencePrefix)
        return variables
    }

    /// Values screens may show as `{name}`.
    public var screenVariables: [String: String] {
        [
            "hotline": hotlines.national, "provincial_line": hotlines.provincial,
            "provincial_name": hotlines.provincialName,
        ]
    }
}
