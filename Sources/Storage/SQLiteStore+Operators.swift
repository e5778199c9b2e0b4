import Foundation
import GRDB
import HotlineCore

/// What operators read and do. Every read of personal data writes an audit row in the same
/// transaction, so nobody looks without it being recorded.
extension SQLiteStore {
    public func listCases(_ filter: CaseFilter, actor: String, at now: Date) async throws -> [CaseSummary] {
        let sealer = self.sealer
        return try await write { db -> [CaseSummary] in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let status = filter.status {
                conditions.append("c.status = ?")
                arguments.append(status.rawValue)
            }
            if let handling = filter.handling {
                conditions.append("c.handling = ?")
                arguments.append(handling.rawValue)
            }
            if let priority = filter.priority {
                conditions.append("c.priority = ?")
                arguments.append(priority.rawValue)
            }
            if filter.excludeResolved { conditions.append("c.handling != 'resolved'") }
            arguments.append(max(1, min(filter.limit, 500)))
            let rows = try Row.fetchAll(
                db,
                cached: """
                    SELECT c.*, s.phone_sealed, \(Self.deadlineColumns) FROM cases c LEFT JOIN sessions s ON s.id = c.session_id
                    \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                    ORDER BY CASE c.handling WHEN 'resolved' THEN 1 ELSE 0 END, c.priority, c.created_at DESC LIMIT ?
                    """, arguments: StatementArguments(arguments))
            let summaries = try rows.map { try Self.summary($0, sealer: sealer).summary }
            try Self.audit(
                db, actor: actor, action: "list_cases", reference: nil, detail: "\(summaries.count) cases, numbers masked", at: now)
            return summaries
        }
    }

    /// One case with its answers, transcript and history; nil when no case has `reference`.
    public func caseDetail(reference: String, actor: String, action: String = "read_case", at now: Date) async throws -> CaseDetail? {
        let sealer = self.sealer
        return try await write { db -> CaseDetail? in
            guard
                let row = try Row.fetchOne(
                    db,
                    cached: """
                        SELECT c.*, s.phone_sealed, \(Self.deadlineColumns) FROM cases c LEFT JOIN sessions s ON s.id = c.session_id
                        WHERE c.reference = ?
                        """,
                    arguments: [reference])
            else { return nil }
            let (summary, phone, answers) = try Self.summary(row, sealer: sealer)
            let caseID: Int64 = row["id"]
            let transcript = try Row.fetchAll(
                db,
                cached: """
                    SELECT direction, body_sealed, created_at FROM messages
                    WHERE case_id = ? OR session_id = ? ORDER BY created_at, id
                    """, arguments: [caseID, row["session_id"] as Int64?]
            ).map { TranscriptLine(direction: $0["direction"], text: try sealer.open($0["body_sealed"]), at: $0["created_at"]) }
                .filter { !$0.text.isEmpty }
            let events = try Row.fetchAll(
                db, cached: "SELECT at, kind, detail, actor, note_sealed FROM case_events WHERE case_id = ? ORDER BY at, id",
                arguments: [caseID]
            ).map { event in
                CaseEvent(
                    at: event["at"], kind: event["kind"],
                    detail: try (event["note_sealed"] as Data?).map { try sealer.open($0) } ?? event["detail"], actor: event["actor"])
            }
            let contact = answers["contact"]
            let consented = contact == "sms" || contact == "call"
            try Self.audit(
                db, actor: actor, action: action, reference: reference,
                detail: consented ? "answers, transcript, number" : "answers, transcript", at: now)
            return CaseDetail(
                summary: summary, reasons: try JSONDecoder().decode([String].self, from: Data((row["reasons"] as String).utf8)),
                answers: answers, language: row["language"], phone: consented ? phone : nil, contact: contact, transcript: transcript,
                events: events,
                outcome: try (row["outcome_sealed"] as Data?).map { try sealer.open($0) } ?? row["outcome"],
                outcomeCode: row["outcome_code"])
        }
    }

    static func summary(_ row: Row, sealer: any PersonalDataSealer) throws -> (
        summary: CaseSummary, phone: PhoneNumber?, answers: [String: String]
    ) {
        // A conversation's number, or the one an operator recorded with a call or walk-in.
        let sealedPhone = (row["phone_sealed"] as Data?) ?? (row["contact_phone_sealed"] as Data?)
        let phone = try sealedPhone.map { try PhoneNumber(parsing: try sealer.open($0)) }
        let answers = try JSONDecoder().decode([String: String].self, from: Data(try sealer.open(row["answers_sealed"]).utf8))
        let summary = CaseSummary(
            id: row["id"], reference: row["reference"], priority: Priority(rawValue: row["priority"]) ?? .none, category: row["category"],
            status: CaseStatus(rawValue: row["status"]) ?? .open, handling: Handling(rawValue: row["handling"]) ?? .new,
            area: answers["area"] ?? answers["location"], channel: CaseChannel(rawValue: row["channel"]) ?? .ussd,
            gatewayID: row["gateway_id"],
            maskedPhone: phone?.masked, createdAt: row["created_at"], updatedAt: row["updated_at"],
            acknowledgedBy: row["acknowledged_by"], claimedBy: row["claimed_by"], acknowledgeBy: row["ack_due"],
            escalationFailed: row["escalation_failed"] ?? false)
        return (summary, phone, answers)
    }

    /// The running acknowledgement deadline and whether the escalation failed, for `summary`.
    static let deadlineColumns = """
        (SELECT MIN(o.due_at) FROM outbox o WHERE o.case_id = c.id AND o.kind = 'ack_check' AND o.status = 'pending') AS ack_due,
        EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = c.id AND o.kind = 'escalation' AND o.status = 'failed') AS escalation_failed
        """

    /// Acknowledges a case (idempotent): the ladder stops. Returns false when it was already.
    @discardableResult
    public func acknowledge(reference: String, actor: String, via: String, at now: Date) async throws -> Bool {
        try await write { db in
            guard
                let row = try Row.fetchOne(db, cached: "SELECT id, acknowledged_at FROM cases WHERE reference = ?", arguments: [reference])
            else {
                throw OperatorActionError.notFound(reference)
            }
            guard (row["acknowledged_at"] as Date?) == nil else { return false }
            try db.execute(
                cached: """
                    UPDATE cases SET acknowledged_at = ?, acknowledged_by = ?,
                      handling = CASE handling WHEN 'new' THEN 'acknowledged' ELSE handling END WHERE id = ?
                    """, arguments: [now, actor, row["id"] as Int64])
            try Self.stopLadder(db, caseID: row["id"], at: now)
            try Self.addEvent(db, reference: reference, at: now, kind: "acknowledged", detail: "via \(via)", actor: actor)
            try Self.audit(db, actor: actor, action: "acknowledge", reference: reference, detail: via, at: now)
            return true
        }
    }

    /// An operator takes the case; it counts as acknowledged. 409 when another operator has it.
    public func claim(reference: String, actor: String, at now: Date) async throws {
        try await write { db in
            guard
                let row = try Row.fetchOne(
                    db, cached: "SELECT id, claimed_by, handling FROM cases WHERE reference = ?", arguments: [reference])
            else { throw OperatorActionError.notFound(reference) }
            if let owner = row["claimed_by"] as String?, owner != actor {
                throw OperatorActionError.conflict("case \(reference) is claimed by \(owner)")
            }
            if row["handling"] as String == Handling.resolved.rawValue {
                throw OperatorActionError.conflict("case \(reference) is resolved")
            }
            try db.execute(
                cached: """
                    UPDATE cases SET claimed_by = ?, handling = 'claimed', acknowledged_at = COALESCE(acknowledged_at, ?),
                      acknowledged_by = COALESCE(acknowledged_by, ?) WHERE id = ?
                    """, arguments: [actor, now, actor, row["id"] as Int64])
            try Self.stopLadder(db, caseID: row["id"], at: now)
            try Self.addEvent(db, reference: reference, at: now, kind: "claimed", detail: "", actor: actor)
            try Self.audit(db, actor: actor, action: "claim", reference: reference, detail: "", at: now)
        }
    }

    public func addNote(reference: String, actor: String, text: String, at now: Date) async throws {
        let sealed = try sealer.seal(text)
        try await write { db in
            guard let id = try Int64.fetchOne(db, cached: "SELECT id FROM cases WHERE reference = ?", arguments: [reference]) else {
                throw OperatorActionError.notFound(reference)
            }
            try db.execute(
                cached: "INSERT INTO case_events (case_id, at, kind, detail, actor, note_sealed) VALUES (?, ?, 'note', '', ?, ?)",
                arguments: [id, now, actor, sealed])
            try Self.audit(db, actor: actor, action: "note", reference: reference, detail: "", at: now)
        }
    }

    public func resolve(reference: String, actor: String, outcome: String, code: String?, at now: Date) async throws {
        let sealed = try sealer.seal(outcome)
        try await write { db in
            guard let row = try Row.fetchOne(db, cached: "SELECT id, handling FROM cases WHERE reference = ?", arguments: [reference])
            else {
                throw OperatorActionError.notFound(reference)
            }
            if row["handling"] as String == Handling.resolved.rawValue {
                throw OperatorActionError.conflict("case \(reference) is already resolved")
            }
            try db.execute(
                cached: """
                    UPDATE cases SET handling = 'resolved', outcome_sealed = ?, outcome_code = ?, resolved_at = ?,
                      acknowledged_at = COALESCE(acknowledged_at, ?), acknowledged_by = COALESCE(acknowledged_by, ?) WHERE id = ?
                    """, arguments: [sealed, code, now, now, actor, row["id"] as Int64])
            try Self.stopLadder(db, caseID: row["id"], at: now)
            try db.execute(
                cached: "INSERT INTO case_events (case_id, at, kind, detail, actor, note_sealed) VALUES (?, ?, 'resolved', '', ?, ?)",
                arguments: [row["id"] as Int64, now, actor, sealed])
            try Self.audit(db, actor: actor, action: "resolve", reference: reference, detail: code ?? "", at: now)
        }
    }

    /// An operator corrects the case's triage, in one transaction: the case takes the new
    /// priority and category (the correction added to its reasons), the conversation holding
    /// it is told so its later turns keep them, the history keeps the operator's reason
    /// sealed, the audit trail the change. A raise escalates as `TriageCorrection.escalatesNow`
    /// says, through the outbox with the acknowledgement clock any escalation at that
    /// priority starts; a lowering to a priority nobody must acknowledge stops the ladder.
    public func correctTriage(
        reference: String, priority: Priority, category: String?, reason: String, actor: String, at now: Date
    ) async throws -> TriageCorrected {
        let sealer = self.sealer
        let acknowledgement = self.acknowledgement
        return try await write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    cached: """
                        SELECT c.id, c.priority, c.category, c.status, c.handling, c.reasons, c.created_at, s.phone_key
                        FROM cases c LEFT JOIN sessions s ON s.id = c.session_id WHERE c.reference = ?
                        """, arguments: [reference])
            else { throw OperatorActionError.notFound(reference) }
            let caseID: Int64 = row["id"]
            let correction = TriageCorrection(
                reference: reference, from: Priority(rawValue: row["priority"]) ?? .none, to: priority, fromCategory: row["category"],
                toCategory: category ?? row["category"], actor: actor)
            let status = CaseStatus(rawValue: row["status"]) ?? .open
            let escalate = correction.escalatesNow(status: status, resolved: row["handling"] == Handling.resolved.rawValue)
            var reasons = try JSONDecoder().decode([String].self, from: Data((row["reasons"] as String).utf8))
            reasons.append(correction.reason)
            try db.execute(
                cached: "UPDATE cases SET priority = ?, category = ?, reasons = ?, updated_at = ? WHERE id = ?",
                arguments: [
                    priority.rawValue, correction.toCategory, String(decoding: try JSONEncoder().encode(reasons), as: UTF8.self), now,
                    caseID,
                ])
            // The conversations that hold the case (its own, and any that offers it to be
            // continued): their next turn would otherwise write back the old triage.
            if let phoneKey = row["phone_key"] as String? {
                let sessions = try Row.fetchAll(
                    db,
                    cached: """
                        SELECT id, state_sealed FROM sessions
                        WHERE phone_key = ? AND status != 'superseded' AND updated_at >= ?
                        """, arguments: [phoneKey, row["created_at"] as Date])
                for session in sessions {
                    var state = try Self.openState(session, sealer)
                    guard state.apply(correction, escalated: escalate) else { continue }
                    try db.execute(
                        cached: "UPDATE sessions SET state_sealed = ? WHERE id = ?",
                        arguments: [try Self.sealState(state, sealer), session["id"] as Int64])
                }
            }
            try db.execute(
                cached:
                    "INSERT INTO case_events (case_id, at, kind, detail, actor, note_sealed) VALUES (?, ?, 'triage_corrected', ?, ?, ?)",
                arguments: [caseID, now, correction.summary, actor, try sealer.seal("\(correction.summary): \(reason)")])
            try Self.audit(db, actor: actor, action: "correct_triage", reference: reference, detail: correction.summary, at: now)
            if escalate {
                try Self.queueEscalation(
                    db, reference: reference, priority: priority, reasons: reasons, at: now, acknowledgement: acknowledgement)
            } else if correction.lowers, acknowledgement.deadlines[priority] == nil {
                try Self.stopLadder(db, caseID: caseID, at: now)
                if db.changesCount > 0 {
                    try Self.addEvent(
                        db, reference: reference, at: now, kind: "ladder_stopped",
                        detail: "\(priority.rawValue) needs no acknowledgement", actor: actor)
                }
            }
            return TriageCorrected(correction: correction, escalated: escalate)
        }
    }

    /// Queues an operator's text to the reporter (the caller checked consent and gateway).
    public func queueOperatorSMS(reference: String, message: OutboundSMS, actor: String, at now: Date) async throws {
        let sealer = self.sealer
        try await write { db in
            guard let row = try Row.fetchOne(db, cached: "SELECT id, priority FROM cases WHERE reference = ?", arguments: [reference])
            else {
                throw OperatorActionError.notFound(reference)
            }
            if try Self.optedOut(db, phoneKey: sealer.lookupKey(for: message.to)) {
                throw OperatorActionError.conflict("the person sent STOP/HUY: no SMS goes to them until they write again")
            }
            try Self.queueSMS(
                message, caseID: row["id"], priority: Priority(rawValue: row["priority"]) ?? .none, at: now, sealer: sealer, db: db)
            try Self.addEvent(db, reference: reference, at: now, kind: "reply_queued", detail: "SMS via \(message.gatewayID)", actor: actor)
            try Self.audit(db, actor: actor, action: "reply_sms", reference: reference, detail: "via \(message.gatewayID)", at: now)
        }
    }

    /// An SMS from an on-call operator: processed once per gateway message id.
    /// Returns false for a message already seen.
    public func claimInboundMessage(gatewayID: String, messageID: String, at now: Date) async throws -> Bool {
        try await write { db in
            try db.execute(
                cached: "INSERT OR IGNORE INTO inbound_ids (gateway_id, message_id, received_at) VALUES (?, ?, ?)",
                arguments: [gatewayID, messageID, now])
            return db.changesCount > 0
        }
    }

    public func queueNotice(_ message: OutboundSMS, at now: Date) async throws {
        let sealer = self.sealer
        // An on-call operator's confirmation goes with P1 work; a rate-limit note waits its turn.
        let priority: Priority = message.purpose == .rateLimitNotice ? .none : .p1
        try await write { db in
            try Self.queueSMS(message, caseID: nil, priority: priority, at: now, sealer: sealer, db: db)
        }
    }

    /// Someone has the case: pending acknowledgement deadlines are settled, alerting nobody.
    static func stopLadder(_ db: Database, caseID: Int64, at now: Date) throws {
        try db.execute(
            cached:
                "UPDATE outbox SET status = 'settled', delivered_at = ? WHERE case_id = ? AND kind = 'ack_check' AND status = 'pending'",
            arguments: [now, caseID])
    }

    static func audit(_ db: Database, actor: String, action: String, reference: String?, detail: String, at: Date) throws {
        try db.execute(
            cached: "INSERT INTO audit (at, actor, action, case_reference, detail) VALUES (?, ?, ?, ?, ?)",
            arguments: [at, actor, action, reference, detail])
    }

    public func auditTrail(reference: String?) async throws -> [AuditEntry] {
        try await pool.read { db -> [AuditEntry] in
            try Row.fetchAll(
                db,
                cached: "SELECT * FROM audit \(reference == nil ? "" : "WHERE case_reference = ?") ORDER BY id",
                arguments: StatementArguments(reference.map { [$0] } ?? [])
            ).map {
                AuditEntry(
                    at: $0["at"], actor: $0["actor"], action: $0["action"], caseReference: $0["case_reference"], detail: $0["detail"])
            }
        }
    }
}

public struct AuditEntry: Sendable, Equatable, Codable {
    public var at: Date
    public var actor: String
    public var action: String
    public var caseReference: String?
    public var detail: String
}
