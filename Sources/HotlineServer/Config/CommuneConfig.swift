import HotlineCore

/// A commune or ward of an area, with its child-protection workers: where the hotline refers a
/// case (Decree 56/2017, art. 26). Listed under its area in `service.yaml`.
public struct Commune: Sendable, Decodable, Equatable {
    public var id: String
    public var name: String
    /// The area (old district or town name) it serves; set from the entry it is listed under.
    public var area: String = ""
    public var workers: [CommuneWorker]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, workers
    }

    public init(id: String, name: String, area: String, workers: [CommuneWorker]) {
        (self.id, self.name, self.area, self.workers) = (id, name, area, workers)
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        workers = try c.decodeIfPresent([CommuneWorker].self, forKey: .workers) ?? []
        guard id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }), !id.isEmpty else {
            throw DecodingError.dataCorruptedError(
                forKey: .id, in: c,
                debugDescription: "'\(id)': a commune id is letters, digits, '-' and '_' (it is stored with each referral)")
        }
    }
}

/// A commune's child-protection worker: signs in to the console with the token its variable
/// holds, sees only the cases referred to their commune, and is told of a new one by SMS.
public struct CommuneWorker: Sendable, Decodable, Equatable {
    public var id: String
    public var name: String
    public var phone: PhoneNumber
    public var tokenEnv: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, phone, role
        case tokenEnv = "token_env"
    }

    public init(id: String, name: String, phone: PhoneNumber, tokenEnv: String) {
        (self.id, self.name, self.phone, self.tokenEnv) = (id, name, phone, tokenEnv)
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        tokenEnv = try c.decode(String.self, forKey: .tokenEnv)
        let raw = try c.decode(String.self, forKey: .phone)
        do {
            phone = try PhoneNumber(parsing: raw)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .phone, in: c, debugDescription: "'\(raw)': \(error)")
        }
        // Only `commune` exists here: a worker listed under a commune is never an operator.
        if let role = try c.decodeIfPresent(String.self, forKey: .role), role != "commune" {
            throw DecodingError.dataCorruptedError(
                forKey: .role, in: c,
                debugDescription: "'\(role)': a commune's worker has role commune; operators and supervisors go in escalation.yaml")
        }
        guard !tokenEnv.isEmpty, tokenEnv.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") }) else {
            throw DecodingError.dataCorruptedError(
                forKey: .tokenEnv, in: c, debugDescription: "'\(tokenEnv)': name an environment variable, such as HOTLINE_TOKEN_CB_HONG_GAI"
            )
        }
    }
}

/// One entry of `areas:`: a name alone, or a name with its communes.
struct AreaEntry: Decodable {
    var name: String
    var communes: [Commune]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, communes
    }

    init(from decoder: any Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            self.name = name
            communes = []
            return
        }
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        communes = try c.decodeIfPresent([Commune].self, forKey: .communes) ?? []
        for i in communes.indices { communes[i].area = name }
    }
}
