import Foundation
import HotlineCore
import HotlineDispatch
import Hummingbird
import Storage

/// `/api/v1`: what 111 operators do with cases. JSON in and out; every read of personal data
/// and every action is written to the audit trail with the operator's id.
struct OperatorController: Sendable {
    let actions: CaseActions
    /// The province's days and months, for `/stats`.
    var calendar = WorkingCalendar()
    var store: any Store { actions.store }
    var now: @Sendable () -> Date { actions.now }

    func addRoutes(to group: RouterGroup<HotlineRequestContext>) {
        group.get("cases", use: listCases)
        group.get("cases/{reference}", use: getCase)
        group.get("escalations", use: listEscalations)
        group.post("cases/{reference}/acknowledge", use: acknowledge)
        group.post("cases/{reference}/claim", use: claim)
        group.post("cases/{reference}/release", use: release)
        group.post("cases/{reference}/notes", use: addNote)
        group.post("cases/{reference}/resolve", use: resolve)
        group.post("cases/{reference}/reply", use: reply)
        group.post("cases/{reference}/triage", use: correctTriage)
        group.get("audit", use: audit)
        group.get("stats", use: stats)
        group.get("blocklist", use: listBlocked)
        group.post("blocklist", use: block)
        group.delete("blocklist/{id}", use: unblock)
    }

    struct CaseList: ResponseEncodable {
        var cases: [CaseSummary]
    }

    struct CaseView: ResponseEncodable {
        var `case`: CaseSummary
        var reasons: [String]
        var answers: [String: String]
        var language: String
        var contact: String?
        /// Present only when the person agreed to be contacted.
        var phone: String?
        var outcome: String?
        var transcript: [TranscriptLine]
        var history: [CaseEvent]
    }

    struct EscalationList: ResponseEncodable {
        var escalations: [OutboxItemSummary]
    }

    struct Done: ResponseEncodable {
        var reference: String
        var status: String
    }

    struct AuditList: ResponseEncodable {
        var entries: [AuditEntry]
    }

    struct NoteBody: Decodable { var text: String }
    struct ResolveBody: Decodable { var outcome: String }
    struct ReplyBody: Decodable {
        var text: String
        /// Sends a text with words that name harm, after the operator judged it safe.
        var allowSensitiveWords: Bool?

        enum CodingKeys: String, CodingKey {
            case text
            case allowSensitiveWords = "allow_sensitive_words"
        }
    }

    /// Every field optional, so a missing one is named in the answer rather than by the decoder.
    struct TriageBody: Decodable {
        var priority: String?
        var category: String?
        var reason: String?
    }

    struct TriageLevel: Codable, Sendable {
        var priority: Priority
        var category: String?
    }

    struct TriageDone: ResponseEncodable {
        var reference: String
        var status: String
        var from: TriageLevel
        var to: TriageLevel
        /// True when the correction queued an escalation at the new priority.
        var escalated: Bool
    }

    struct BlockBody: Decodable {
        var phone: String
        var reason: String
    }

    struct BlockList: ResponseEncodable {
        var blocked: [BlockEntry]
    }

    func actor(_ context: HotlineRequestContext) -> String { context.operatorID ?? "unknown" }

    @Sendable func listCases(_ request: Request, context: HotlineRequestContext) async throws -> CaseList {
        let query = request.uri.queryParameters
        var filter = CaseFilter()
        if let raw = query["status"] {
            guard let status = CaseStatus(rawValue: String(raw)) else {
                throw HTTPError(.badRequest, message: "status must be open, submitted or incomplete")
            }
            filter.status = status
        }
        if let raw = query["handling"] {
            guard let handling = Handling(rawValue: String(raw)) else {
                throw HTTPError(
                    .badRequest, message: "handling must be one of \(Handling.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.handling = handling
        }
        if let raw = query["priority"] {
            guard let priority = Priority(rawValue: String(raw).uppercased() == "NONE" ? "none" : String(raw).uppercased()) else {
                throw HTTPError(.badRequest, message: "priority must be P1, P2, P3 or none")
            }
            filter.priority = priority
        }
        if let raw = query["limit"] {
            guard let limit = Int(String(raw)), (1...500).contains(limit) else {
                throw HTTPError(.badRequest, message: "limit must be a number from 1 to 500")
            }
            filter.limit = limit
        }
        return CaseList(cases: try await store.listCases(filter, actor: actor(context), at: now()))
    }

    @Sendable func getCase(_ request: Request, context: HotlineRequestContext) async throws -> CaseView {
        let reference = try context.parameters.require("reference")
        guard let detail = try await store.caseDetail(reference: reference, actor: actor(context), action: "read_case", at: now()) else {
            throw HTTPError(.notFound, message: "no case \(reference)")
        }
        return CaseView(
            case: detail.summary, reasons: detail.reasons, answers: detail.answers, language: detail.language, contact: detail.contact,
            phone: detail.phone?.value, outcome: detail.outcome, transcript: detail.transcript, history: detail.events)
    }

    @Sendable func listEscalations(_ request: Request, context: HotlineRequestContext) async throws -> EscalationList {
        let status = request.uri.queryParameters["status"].map(String.init)
        if let status, !["pending", "sending", "delivered", "failed", "settled"].contains(status) {
            throw HTTPError(.badRequest, message: "status must be pending, sending, delivered, failed or settled")
        }
        return EscalationList(escalations: try await store.outboxSummaries(kind: "escalation", status: status, limit: 500))
    }

    @Sendable func acknowledge(_ request: Request, context: HotlineRequestContext) async throws -> Done {
        let reference = try context.parameters.require("reference")
        try await actions.acknowledge(reference, actor: actor(context), via: "operator API")
        return Done(reference: reference, status: "acknowledged")
    }

    @Sendable func claim(_ request: Request, context: HotlineRequestContext) async throws -> Done {
        let reference = try context.parameters.require("reference")
        try await actions.claim(reference, actor: actor(context))
        return Done(reference: reference, status: "claimed")
    }

    @Sendable func release(_ request: Request, context: HotlineRequestContext) async throws -> Done {
        let reference = try context.parameters.require("reference")
        try await actions.release(reference, actor: actor(context))
        return Done(reference: reference, status: "released")
    }

    @Sendable func addNote(_ request: Request, context: HotlineRequestContext) async throws -> Done {
        let reference = try context.parameters.require("reference")
        let body = try await request.decode(as: NoteBody.self, context: context)
        try await actions.addNote(reference, text: body.text, actor: actor(context))
        return Done(reference: reference, status: "noted")
    }

    @Sendable func resolve(_ request: Request, context: HotlineRequestContext) async throws -> Done {
        let reference = try context.parameters.require("reference")
        let body = try await request.decode(as: ResolveBody.self, context: context)
        try await actions.resolve(reference, outcome: body.outcome, code: nil, actor: actor(context))
        return Done(reference: reference, status: "resolved")
    }

    /// Texts the reporter through the gateway they used, only if they chose SMS contact.
    @Sendable func reply(_ request: Request, context: HotlineRequestContext) async throws -> EditedResponse<Done> {
        let reference = try context.parameters.require("reference")
        let body = try await request.decode(as: ReplyBody.self, context: context)
        try await actions.reply(reference, text: body.text, allowSensitiveWords: body.allowSensitiveWords == true, actor: actor(context))
        return EditedResponse(status: .accepted, response: Done(reference: reference, status: "queued"))
    }

    /// An operator corrects the case's triage (see `CaseActions.correctTriage`).
    @Sendable func correctTriage(_ request: Request, context: HotlineRequestContext) async throws -> TriageDone {
        let reference = try context.parameters.require("reference")
        let body = try await request.decode(as: TriageBody.self, context: context)
        let done = try await actions.correctTriage(
            reference, priority: body.priority, category: body.category, reason: body.reason, actor: actor(context))
        let correction = done.correction
        return TriageDone(
            reference: reference, status: "corrected", from: TriageLevel(priority: correction.from, category: correction.fromCategory),
            to: TriageLevel(priority: correction.to, category: correction.toCategory), escalated: done.escalated)
    }

    /// The audit trail, for supervisors only; reading it is itself audited.
    /// The supervisor's dashboard figures as JSON (counts only, nothing personal).
    @Sendable func stats(_ request: Request, context: HotlineRequestContext) async throws -> DashboardFigures {
        guard context.isSupervisor else {
            throw HTTPError(.forbidden, message: "the figures are for supervisors (role: supervisor in escalation.yaml)")
        }
        try await store.recordAudit(actor: actor(context), action: "read_stats", reference: nil, detail: "", at: now())
        return try await DashboardFigures.compute(store: store, calendar: calendar, now: now())
    }

    @Sendable func audit(_ request: Request, context: HotlineRequestContext) async throws -> AuditList {
        guard context.isSupervisor else {
            throw HTTPError(.forbidden, message: "the audit trail is for supervisors (role: supervisor in escalation.yaml)")
        }
        let reference = request.uri.queryParameters["case"].map(String.init)
        try await store.recordAudit(actor: actor(context), action: "read_audit", reference: reference, detail: "", at: now())
        return AuditList(entries: try await store.auditTrail(reference: reference))
    }

    @Sendable func listBlocked(_ request: Request, context: HotlineRequestContext) async throws -> BlockList {
        BlockList(blocked: try await store.blocklist(actor: actor(context), at: now()))
    }

    /// Blocks a number: its messages are held (urgent ones still go through, flagged).
    @Sendable func block(_ request: Request, context: HotlineRequestContext) async throws -> EditedResponse<BlockEntry> {
        let body = try await request.decode(as: BlockBody.self, context: context)
        let phone: PhoneNumber
        do {
            phone = try PhoneNumber(parsing: body.phone)
        } catch {
            throw HTTPError(.badRequest, message: "phone: \(error)")
        }
        let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 200 else { throw HTTPError(.badRequest, message: "reason must hold 1 to 200 characters") }
        let entry = try await store.block(phone, reason: reason, actor: actor(context), at: now())
        return EditedResponse(status: .created, response: entry)
    }

    @Sendable func unblock(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        guard let id = Int64(try context.parameters.require("id")) else { throw HTTPError(.badRequest, message: "id must be a number") }
        guard try await store.unblock(id: id, actor: actor(context), at: now()) else {
            throw HTTPError(.notFound, message: "no blocked number with id \(id)")
        }
        return Response(status: .noContent)
    }
}

extension BlockEntry: ResponseEncodable {}
