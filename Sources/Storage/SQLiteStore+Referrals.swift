import Foundation
import GRDB
import HotlineCore

/// Referrals to communes: the referral, its steps, and its deadlines as durable rows chased
/// through the outbox.
extension SQLiteStore {
    public func refer(_ referral: NewReferral, at now: Date) async throws -> Int64 {
        let sealer = self.sealer
        let note = try referral.note.map { try sealer.seal($0) }
        return try await write { db in
            guard
                let row = try Row.fetchOne(
                    db, cached: "SELECT id, priority FROM cases WHERE reference = ? AND purged_at IS NULL", arguments: [referral.reference])
            else { throw OperatorActionError.notFound(referral.reference) }
            let caseID: Int64 = row["id"]
            if try Bool.fetchOne(db, cached: "SELECT 1 FROM referrals WHERE case_id = ? AND closed_at IS NULL", arguments: [caseID])
                == true
            {
                throw OperatorActionError.conflict("the case is already referred; the open referral must be closed first")
            }
            try db.execute(
                cached: """
                    INSERT INTO referrals (case_id, commune_id, share_transcript, share_number, sent_by, sent_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [caseID, referral.communeID, referral.shareTranscript, referral.shareNumber, referral.actor, now])
            let id = db.lastInsertedRowID
            try db.execute(
                cached: "INSERT INTO referral_steps (referral_id, step, at, actor, note_sealed) VALUES (?, 'sent', ?, ?, ?)",
                arguments: [id, now, referral.actor, note])
            for deadline in referral.deadlines {
                try Self.startReferralDeadline(db, referralID: id, caseID: caseID, priority: row["priority"], deadline, at: now)
            }
            for alert in referral.alerts {
                try Self.queueSMS(alert, caseID: caseID, priority: .p2, at: now, sealer: sealer, db: db)
            }
            try Self.addEvent(
                db, reference: referral.reference, at: now, kind: "referral_sent", detail: referral.communeID, actor: referral.actor)
            try Self.audit(
                db, actor: referral.actor, action: "refer", reference: referral.reference,
                detail: "\(referral.communeID)\(referral.shareTranscript ? ", transcript" : "")\(referral.shareNumber ? ", number" : "")",
                at: now)
            return id
        }
    }

    static func startReferralDeadline(
        _ db: Database, referralID: Int64, caseID: Int64, priority: String, _ deadline: (step: ReferralStep, due: Date), at now: Date
    ) throws {
        try db.execute(
            cached: "INSERT OR IGNORE INTO referral_deadlines (referral_id, step, due_at) VALUES (?, ?, ?)",
            arguments: [referralID, deadline.step.rawValue, deadline.due])
        guard db.changesCount > 0 else { return }
        let deadlineID = db.lastInsertedRowID
        try db.execute(
            cached: """
                INSERT INTO outbox (kind, case_id, priority, payload, status, due_at, created_at)
                VALUES ('referral_deadline', ?, ?, ?, 'pending', ?, ?)
                """, arguments: [caseID, priority, "{\"deadline\":\(deadlineID)}", deadline.due, now])
    }

    public func referral(reference: String) async throws -> ReferralRecord? {
        let sealer = self.sealer
        return try await pool.read { db -> ReferralRecord? in
            guard
                let row = try Row.fetchOne(
                    db,
                    cached: """
                        SELECT r.* FROM referrals r JOIN cases c ON c.id = r.case_id
                        WHERE c.reference = ? ORDER BY r.id DESC LIMIT 1
                        """, arguments: [reference])
            else { return nil }
            let id: Int64 = row["id"]
            let steps = try Row.fetchAll(
                db, cached: "SELECT step, at, actor, note_sealed FROM referral_steps WHERE referral_id = ? ORDER BY at, id", arguments: [id]
            ).map { step in
                ReferralStepRecord(
                    step: ReferralStep(rawValue: step["step"]) ?? .note, at: step["at"], actor: step["actor"],
                    note: try (step["note_sealed"] as Data?).map { try sealer.open($0) })
            }
            let deadlines = try Row.fetchAll(
                db, cached: "SELECT step, due_at, met_at, alerted_at FROM referral_deadlines WHERE referral_id = ? ORDER BY due_at",
                arguments: [id]
            ).map { deadline in
                ReferralDeadlineRecord(
                    step: ReferralStep(rawValue: deadline["step"]) ?? .note, dueAt: deadline["due_at"], metAt: deadline["met_at"],
                    alertedAt: deadline["alerted_at"])
            }
            return ReferralRecord(
                id: id, reference: reference, communeID: row["commune_id"], shareTranscript: row["share_transcript"],
                shareNumber: row["share_number"], sentBy: row["sent_by"], sentAt: row["sent_at"], seriousRisk: row["serious_risk"],
                closedAt: row["closed_at"], steps: steps, deadlines: deadlines)
        }
    }

    public func referrals(communes: Set<String>, at now: Date) async throws -> [ReferralListEntry] {
        guard !communes.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: communes.count).joined(separator: ",")
        return try await pool.read { db -> [ReferralListEntry] in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.reference, r.commune_id, c.priority, c.category, r.sent_at, r.serious_risk, r.closed_at,
                      (SELECT step FROM referral_steps s WHERE s.referral_id = r.id AND s.step != 'note' ORDER BY s.at DESC, s.id DESC LIMIT 1) AS last_step,
                      (SELECT MIN(due_at) FROM referral_deadlines d WHERE d.referral_id = r.id AND d.met_at IS NULL) AS next_due
                    FROM referrals r JOIN cases c ON c.id = r.case_id
                    WHERE r.commune_id IN (\(placeholders)) AND c.purged_at IS NULL
                    ORDER BY r.closed_at IS NOT NULL, c.priority, r.sent_at
                    """, arguments: StatementArguments(communes.sorted())
            ).map { row in
                let nextDue: Date? = row["next_due"]
                let closed = (row["closed_at"] as Date?) != nil
                return ReferralListEntry(
                    reference: row["reference"], communeID: row["commune_id"], priority: Priority(rawValue: row["priority"]) ?? .none,
                    category: row["category"], sentAt: row["sent_at"],
                    lastStep: ReferralStep(rawValue: row["last_step"] ?? "sent") ?? .sent, seriousRisk: row["serious_risk"],
                    nextDue: closed ? nil : nextDue, overdue: !closed && (nextDue.map { $0 < now } ?? false), closed: closed)
            }
        }
    }

    public func recordReferralStep(_ entry: ReferralStepEntry, at now: Date) async throws {
        let sealer = self.sealer
        let note = try entry.note.map { try sealer.seal($0) }
        try await write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    cached: """
                        SELECT r.id, r.case_id, c.priority FROM referrals r JOIN cases c ON c.id = r.case_id
                        WHERE c.reference = ? ORDER BY r.id DESC LIMIT 1
                        """, arguments: [entry.reference])
            else { throw OperatorActionError.notFound(entry.reference) }
            let id: Int64 = row["id"]
            do {
                try db.execute(
                    cached: "INSERT INTO referral_steps (referral_id, step, at, actor, note_sealed) VALUES (?, ?, ?, ?, ?)",
                    arguments: [id, entry.step.rawValue, now, entry.actor, note])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw OperatorActionError.conflict("'\(entry.step.rawValue)' is already recorded for this referral")
            }
            try db.execute(
                cached: "UPDATE referral_deadlines SET met_at = ? WHERE referral_id = ? AND step = ? AND met_at IS NULL",
                arguments: [now, id, entry.step.rawValue])
            switch entry.step {
            case .assessed:
                try db.execute(cached: "UPDATE referrals SET serious_risk = ? WHERE id = ?", arguments: [entry.seriousRisk, id])
            case .closed:
                try db.execute(cached: "UPDATE referrals SET closed_at = ? WHERE id = ?", arguments: [now, id])
            default:
                break
            }
            if let deadline = entry.deadline {
                try Self.startReferralDeadline(db, referralID: id, caseID: row["case_id"], priority: row["priority"], deadline, at: now)
            }
            let detail = entry.step == .assessed ? (entry.seriousRisk == true ? "serious risk" : "no serious risk") : ""
            try Self.addEvent(
                db, reference: entry.reference, at: now, kind: "referral_\(entry.step.rawValue)", detail: detail, actor: entry.actor)
            try Self.audit(
                db, actor: entry.actor, action: "referral_\(entry.step.rawValue)", reference: entry.reference, detail: detail, at: now)
        }
    }

    /// The dispatcher's check of a referral deadline, in one transaction: when the step is still
    /// not taken (and the referral open), the alerts are queued and the case's history says the
    /// step is late. Returns false when nothing was late. Settles the outbox row either way.
    public func referralDeadlinePassed(_ item: ClaimedOutbox, deadlineID: Int64, alerts: [OutboundSMS], at now: Date) async throws -> Bool {
        let sealer = self.sealer
        return try await write { db in
            let row = try Row.fetchOne(
                db,
                cached: """
                    SELECT d.step, d.met_at, r.closed_at, r.case_id, c.reference FROM referral_deadlines d
                    JOIN referrals r ON r.id = d.referral_id JOIN cases c ON c.id = r.case_id WHERE d.id = ?
                    """, arguments: [deadlineID])
            let late = row.map { ($0["met_at"] as Date?) == nil && ($0["closed_at"] as Date?) == nil } ?? false
            try db.execute(
                cached: "UPDATE outbox SET status = ?, delivered_at = ?, last_error = NULL, claimed_until = NULL WHERE id = ?",
                arguments: [late ? "delivered" : "settled", now, item.id])
            guard late, let row else { return false }
            try db.execute(cached: "UPDATE referral_deadlines SET alerted_at = ? WHERE id = ?", arguments: [now, deadlineID])
            for alert in alerts {
                try Self.queueSMS(alert, caseID: row["case_id"], priority: item.priority, at: now, sealer: sealer, db: db)
            }
            try Self.addEvent(db, reference: row["reference"], at: now, kind: "referral_overdue", detail: row["step"])
            return true
        }
    }

    /// The reference and late step of a deadline, for the alert's words.
    public func referralDeadline(id: Int64) async throws -> (reference: String, communeID: String, step: ReferralStep)? {
        try await pool.read { db -> (reference: String, communeID: String, step: ReferralStep)? in
            guard
                let row = try Row.fetchOne(
                    db,
                    cached: """
                        SELECT c.reference, r.commune_id, d.step FROM referral_deadlines d
                        JOIN referrals r ON r.id = d.referral_id JOIN cases c ON c.id = r.case_id WHERE d.id = ?
                        """, arguments: [id])
            else { return nil }
            return (row["reference"], row["commune_id"], ReferralStep(rawValue: row["step"]) ?? .note)
        }
    }
}
