import Foundation
import GRDB
import HotlineCore

/// The rows the dashboard and the monthly report count. Counting is the server's
/// (Services/Statistics); the store only reads.
extension SQLiteStore {
    public func caseFacts(createdFrom from: Date, to: Date) async throws -> [CaseFacts] {
        try await facts(where: "c.created_at >= ? AND c.created_at < ?", [from, to])
    }

    public func openCaseFacts() async throws -> [CaseFacts] {
        try await facts(where: "c.handling != 'resolved' AND c.purged_at IS NULL", [])
    }

    private func facts(where condition: String, _ arguments: StatementArguments) async throws -> [CaseFacts] {
        let sealer = self.sealer
        return try await pool.read { db -> [CaseFacts] in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.created_at, c.priority, c.category, c.channel, c.answers_sealed, c.handling, c.acknowledged_at,
                      c.claimed_by, c.outcome_code,
                      (SELECT MIN(r.sent_at) FROM referrals r WHERE r.case_id = c.id) AS referred_at,
                      \(Self.deadlineColumns)
                    FROM cases c WHERE \(condition) ORDER BY c.created_at
                    """, arguments: arguments
            ).map { row in
                // A case whose answers cannot be opened is still counted, its area and age unknown.
                let answers = (try? sealer.open(row["answers_sealed"])).flatMap {
                    try? JSONDecoder().decode([String: String].self, from: Data($0.utf8))
                }
                return CaseFacts(
                    createdAt: row["created_at"], priority: Priority(rawValue: row["priority"]) ?? .none, category: row["category"],
                    channel: CaseChannel(rawValue: row["channel"]) ?? .ussd, area: answers?["area"] ?? answers?["location"],
                    age: answers?["age"], handling: Handling(rawValue: row["handling"]) ?? .new, acknowledgedAt: row["acknowledged_at"],
                    claimedBy: row["claimed_by"], outcomeCode: row["outcome_code"], referredAt: row["referred_at"],
                    acknowledgeBy: row["ack_due"], escalationFailed: row["escalation_failed"] ?? false)
            }
        }
    }

    public func referralDeadlineFacts(dueFrom from: Date, to: Date) async throws -> [ReferralDeadlineFacts] {
        try await pool.read { db -> [ReferralDeadlineFacts] in
            try Row.fetchAll(
                db,
                cached: """
                    SELECT d.step, d.due_at, d.met_at, r.closed_at FROM referral_deadlines d JOIN referrals r ON r.id = d.referral_id
                    WHERE d.due_at >= ? AND d.due_at < ? ORDER BY d.due_at
                    """, arguments: [from, to]
            ).map { row in
                ReferralDeadlineFacts(
                    step: ReferralStep(rawValue: row["step"]) ?? .note, dueAt: row["due_at"], metAt: row["met_at"],
                    closed: (row["closed_at"] as Date?) != nil)
            }
        }
    }
}
