import Foundation
import HotlineCore
import Storage

/// The JSON body posted to the 111 system for one escalation. Field names are snake_case and
/// documented in the README; the reporter's number is present only with their consent.
public struct EscalationPayload: Encodable, Sendable {
    public var escalationID: String
    public var caseID: Int64
    public var reference: String
    public var priority: String
    public var reasons: [String]
    public var category: String?
    public var status: String
    public var channel: String
    public var gateway: String
    public var language: String
    public var reportedAt: Date
    public var escalatedAt: Date
    public var area: String?
    public var location: String?
    public var childAge: String?
    /// `self` (the child writes) or `other` (someone about a child), as answered.
    public var reporter: String?
    public var dangerNow: String?
    public var contact: Contact
    public var answers: [String: String]
    public var transcript: [Line]
    public var operatorURL: String

    public struct Contact: Encodable, Sendable {
        /// `sms`, `call`, `none` or null when not asked yet. Without `sms`/`call`, never contact.
        public var preference: String?
        public var when: String?
        /// E.164, only when the preference is `sms` or `call`.
        public var phone: String?
    }

    public struct Line: Encodable, Sendable {
        public var from: String
        public var text: String
        public var at: Date
    }

    enum CodingKeys: String, CodingKey {
        case escalationID = "escalation_id"
        case caseID = "case_id"
        case reference, priority, reasons, category, status, channel, gateway, language
        case reportedAt = "reported_at"
        case escalatedAt = "escalated_at"
        case area, location
        case childAge = "child_age"
        case reporter
        case dangerNow = "danger_now"
        case contact, answers, transcript
        case operatorURL = "operator_url"
    }

    public init(escalationID: String, detail: CaseDetail, escalatedAt: Date, operatorAPIURL: String) {
        let answers = detail.answers
        self.escalationID = escalationID
        caseID = detail.summary.id
        reference = detail.summary.reference
        priority = detail.summary.priority.rawValue
        reasons = detail.reasons
        category = detail.summary.category
        status = detail.summary.status.rawValue
        channel = detail.summary.channel.rawValue
        gateway = detail.summary.gatewayID
        language = detail.language
        reportedAt = detail.summary.createdAt
        self.escalatedAt = escalatedAt
        area = answers["area"]
        location = answers["location"]
        childAge = answers["age"]
        reporter = answers["for_whom"]
        dangerNow = answers["danger_now"]
        contact = Contact(preference: detail.contact, when: answers["contact_time"], phone: detail.phone?.value)
        self.answers = answers
        transcript = detail.transcript.map { Line(from: $0.direction == "in" ? "person" : "service", text: $0.text, at: $0.at) }
        let base = operatorAPIURL.hasSuffix("/") ? String(operatorAPIURL.dropLast()) : operatorAPIURL
        operatorURL = "\(base)/cases/\(detail.summary.reference)"
    }

    /// The `escalation_id` of a body built earlier, or nil when it has none.
    static func escalationID(in body: [UInt8]) -> String? {
        struct Sent: Decodable {
            var id: String
            enum CodingKeys: String, CodingKey { case id = "escalation_id" }
        }
        return try? JSONDecoder().decode(Sent.self, from: Data(body)).id
    }

    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Array(try encoder.encode(self))
    }
}
