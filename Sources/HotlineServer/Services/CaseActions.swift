import Foundation
import HotlineCore
import Hummingbird
import Storage

/// What an operator does to a case, checked the same way whether it comes from the JSON API
/// or the console: each refusal is an `HTTPError` with the reason a person reads.
struct CaseActions: Sendable {
    let store: any Store
    let gateways: [String: GatewayConfig]
    /// The categories a case may be given: triage's and the flows' own.
    let categories: Set<String>
    let metrics: HotlineMetrics
    let wake: @Sendable () -> Void
    let now: @Sendable () -> Date

    /// Words that tell whoever reads the reporter's phone what the conversation was about.
    /// Replies are neutral unless the operator says otherwise.
    static let sensitiveWords = [
        "bao luc", "xam hai", "lam dung", "danh dap", "hiep dam", "bao hanh", "ngoc dai", "tu tu", "abuse", "violence", "rape",
        "assault", "molest", "suicide",
    ]

    /// The first word of `text` that names harm, if any.
    static func sensitiveWord(in text: String) -> String? {
        let folded = " " + text.folded.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: " ") + " "
        return sensitiveWords.first { folded.contains(" \($0) ") }
    }

    func acknowledge(_ reference: String, actor: String, via: String) async throws {
        try await perform { try await store.acknowledge(reference: reference, actor: actor, via: via, at: now()) }
    }

    func claim(_ reference: String, actor: String) async throws {
        try await perform { try await store.claim(reference: reference, actor: actor, at: now()) }
    }

    func release(_ reference: String, actor: String) async throws {
        try await perform { try await store.release(reference: reference, actor: actor, at: now()) }
    }

    func addNote(_ reference: String, text raw: String, actor: String) async throws {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= 4000 else { throw HTTPError(.badRequest, message: "text must hold 1 to 4000 characters") }
        try await perform { try await store.addNote(reference: reference, actor: actor, text: text, at: now()) }
    }

    func resolve(_ reference: String, outcome raw: String, code: String?, actor: String) async throws {
        let outcome = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !outcome.isEmpty, outcome.count <= 500 else {
            throw HTTPError(.badRequest, message: "outcome must hold 1 to 500 characters")
        }
        try await perform { try await store.resolve(reference: reference, actor: actor, outcome: outcome, code: code, at: now()) }
    }

    /// Texts the reporter through the gateway they used, only if they chose SMS contact.
    func reply(_ reference: String, text raw: String, allowSensitiveWords: Bool, actor: String) async throws {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= 459 else {
            throw HTTPError(.badRequest, message: "text must hold 1 to 459 characters (three SMS parts)")
        }
        guard let detail = try await store.caseDetail(reference: reference, actor: actor, action: "prepare_reply", at: now())
        else { throw HTTPError(.notFound, message: "no case \(reference)") }
        guard detail.contact == "sms" else {
            let why =
                switch detail.contact {
                case "call": "the person asked to be called, not texted"
                case "none": "the person asked not to be contacted"
                default: "the person was never asked, or did not answer, whether an SMS is safe"
                }
            throw HTTPError(.conflict, message: "not sent: \(why)")
        }
        guard let phone = detail.phone else { throw HTTPError(.conflict, message: "not sent: no number is on file for this case") }
        guard let gatewayID = gateways[detail.summary.gatewayID]?.replyGatewayID, let gateway = gateways[gatewayID] else {
            throw HTTPError(
                .conflict, message: "not sent: gateway '\(detail.summary.gatewayID)' has no SMS gateway to reply through (sms_gateway)")
        }
        if !allowSensitiveWords, let word = Self.sensitiveWord(in: text) {
            throw HTTPError(
                .unprocessableContent,
                message:
                    "not sent: '\(word)' tells whoever reads this phone what the call was about; rephrase neutrally, or send with \"allow_sensitive_words\": true"
            )
        }
        let rendered = gateway.encoding.renderSMS(text)
        try await perform {
            try await store.queueOperatorSMS(
                reference: reference, message: OutboundSMS(gatewayID: gateway.id, to: phone, text: rendered.text, purpose: .operatorReply),
                actor: actor, at: now())
        }
        wake()
    }

    /// An operator corrects the case's triage: priority (P1, P2, P3), optionally category, and
    /// why. Recorded in the history and the audit trail, counted in
    /// `hotline_triage_corrections_total{from,to}`; a raise escalates (see `TriageCorrection`).
    func correctTriage(
        _ reference: String, priority rawPriority: String?, category rawCategory: String?, reason rawReason: String?, actor: String
    ) async throws -> TriageCorrected {
        let levels = "P1, P2 or P3"
        guard let rawPriority = rawPriority?.trimmingCharacters(in: .whitespaces), !rawPriority.isEmpty else {
            throw HTTPError(.badRequest, message: "priority is required: \(levels)")
        }
        guard let priority = Priority(rawValue: rawPriority.uppercased()), priority != .none else {
            throw HTTPError(.unprocessableContent, message: "priority '\(rawPriority)' is not one of \(levels)")
        }
        var category: String? = nil
        if let raw = rawCategory?.trimmingCharacters(in: .whitespaces) {
            guard categories.contains(raw) else {
                throw HTTPError(
                    .unprocessableContent,
                    message: "category '\(raw)' is not one this hotline uses; one of \(categories.sorted().joined(separator: ", "))")
            }
            category = raw
        }
        let reason = rawReason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !reason.isEmpty, reason.count <= 500 else {
            throw HTTPError(.badRequest, message: "reason is required: 1 to 500 characters saying why the triage was wrong")
        }
        var done: TriageCorrected? = nil
        try await perform {
            done = try await store.correctTriage(
                reference: reference, priority: priority, category: category, reason: reason, actor: actor, at: now())
        }
        guard let done else { throw HTTPError(.internalServerError) }
        metrics.triageCorrected(from: done.correction.from.rawValue, to: done.correction.to.rawValue)
        if done.escalated { wake() }
        return done
    }

    private func perform(_ action: () async throws -> Void) async throws {
        do {
            try await action()
        } catch OperatorActionError.notFound(let reference) {
            throw HTTPError(.notFound, message: "no case \(reference)")
        } catch OperatorActionError.conflict(let reason) {
            throw HTTPError(.conflict, message: reason)
        }
    }
}
