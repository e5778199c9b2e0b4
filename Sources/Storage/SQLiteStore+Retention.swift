import Foundation
import GRDB

/// How long personal data is kept (`service.yaml`, `retention:`).
public struct RetentionPolicy: Sendable, Equatable {
    /// A resolved case keeps its messages, number, answers and notes this long after resolution.
    public var closedCaseDays: Int
    /// A conversation that made no case (advice, a menu walked and left) is kept this long
    /// after its last message.
    public var conversationDays: Int

    public init(closedCaseDays: Int = 90, conversationDays: Int = 30) {
        self.closedCaseDays = closedCaseDays
        self.conversationDays = conversationDays
    }
}

/// What a purge removed; the case rows themselves stay, anonymous, for counts.
public struct PurgeReport: Sendable, Equatable, Codable {
    public var cases: Int
    public var sessions: Int
    public var messages: Int
}

extension SQLiteStore {
    /// Removes what `policy` says is kept no longer, in one transaction, and writes an audit row.
    /// Resolved cases keep category, priority, channel, gateway and dates; their answers,
    /// outcome, notes, transcript and the number go. Open cases are never touched.
    public func purge(_ policy: RetentionPolicy, actor: String, now: Date) async throws -> PurgeReport {
        let sealer = self.sealer
        let emptyAnswers = try sealer.seal("{}")
        return try await write { db -> PurgeReport in
            let caseCutoff = now.addingTimeInterval(-Double(policy.closedCaseDays) * 86400)
            let caseRows = try Row.fetchAll(
                db, sql: "SELECT id, session_id FROM cases WHERE handling = 'resolved' AND resolved_at < ? AND purged_at IS NULL",
                arguments: [caseCutoff])
            var messages = 0
            var sessions = 0
            for row in caseRows {
                let caseID: Int64 = row["id"]
                try db.execute(sql: "DELETE FROM messages WHERE case_id = ?", arguments: [caseID])
                messages += db.changesCount
                if let sessionID = row["session_id"] as Int64? {
                    // The session goes unless another case still open needs it.
                    let shared = try Bool.fetchOne(
                        db, sql: "SELECT 1 FROM cases WHERE session_id = ? AND id != ? AND purged_at IS NULL",
                        arguments: [sessionID, caseID])
                    if shared != true {
                        try db.execute(sql: "UPDATE cases SET session_id = NULL WHERE session_id = ?", arguments: [sessionID])
                        let count =
                            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages WHERE session_id = ?", arguments: [sessionID]) ?? 0
                        try db.execute(sql: "DELETE FROM sessions WHERE id = ?", arguments: [sessionID])
                        sessions += db.changesCount
                        messages += count
                    }
                }
                try db.execute(
                    sql: """
                        UPDATE cases SET answers_sealed = ?, outcome_sealed = NULL, outcome = NULL, contact_phone_sealed = NULL, reasons = '[]',
                          purged_at = ?
                        WHERE id = ?
                        """, arguments: [emptyAnswers, now, caseID])
                try db.execute(sql: "UPDATE case_events SET note_sealed = NULL WHERE case_id = ?", arguments: [caseID])
                try db.execute(
                    sql: "UPDATE referral_steps SET note_sealed = NULL WHERE referral_id IN (SELECT id FROM referrals WHERE case_id = ?)",
                    arguments: [caseID])
                try db.execute(
                    sql: "UPDATE outbox SET payload_sealed = NULL WHERE case_id = ? AND status != 'pending'", arguments: [caseID])
            }
            // Conversations that made no case.
            let conversationCutoff = now.addingTimeInterval(-Double(policy.conversationDays) * 86400)
            let idle = try Int64.fetchAll(
                db,
                sql: """
                    SELECT s.id FROM sessions s WHERE s.status != 'active' AND s.updated_at < ?
                      AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.session_id = s.id)
                      AND NOT EXISTS (SELECT 1 FROM messages m JOIN cases c ON c.id = m.case_id
                                      WHERE m.session_id = s.id AND c.purged_at IS NULL)
                    """, arguments: [conversationCutoff])
            for sessionID in idle {
                messages += try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages WHERE session_id = ?", arguments: [sessionID]) ?? 0
                try db.execute(sql: "DELETE FROM sessions WHERE id = ?", arguments: [sessionID])
                sessions += db.changesCount
            }
            // Retry ids are needed for 48 hours at least; a week is kept. Message parts are
            // never purged here: the sweep processes them, and one it cannot is an error to see.
            try db.execute(sql: "DELETE FROM inbound_ids WHERE received_at < ?", arguments: [now.addingTimeInterval(-7 * 86400)])
            // Texts sent outside any case (conversation replies, notices) go with conversations.
            try db.execute(
                sql: """
                    DELETE FROM outbox WHERE case_id IS NULL AND kind = 'sms' AND status IN ('delivered', 'failed', 'settled')
                      AND created_at < ?
                    """, arguments: [conversationCutoff])
            let report = PurgeReport(cases: caseRows.count, sessions: sessions, messages: messages)
            try Self.audit(
                db, actor: actor, action: "purge", reference: nil,
                detail:
                    "\(report.cases) resolved cases, \(report.sessions) conversations, \(report.messages) messages removed (closed cases after \(policy.closedCaseDays) days, conversations after \(policy.conversationDays))",
                at: now)
            return report
        }
    }
}
