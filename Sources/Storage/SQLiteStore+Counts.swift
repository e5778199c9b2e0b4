import Foundation
import GRDB

/// Counts for `/metrics`, read when it is scraped: nothing personal, only how many.
public struct StoreCounts: Sendable, Equatable {
    /// Active sessions by channel (ussd, sms).
    public var activeSessions: [String: Int]
    /// Cases by priority (none, P3, P2, P1).
    public var casesByPriority: [String: Int]
    /// Outbox rows waiting (pending or being sent), by kind.
    public var outboxDepth: [String: Int]
    /// Outbox rows given up on, by kind.
    public var outboxFailed: [String: Int]
    /// Rows set aside because they could not be read, by table (never decreases).
    public var quarantined: [String: Int] = [:]
}

extension SQLiteStore {
    public func counts() async throws -> StoreCounts {
        try await pool.read { db -> StoreCounts in
            func grouped(_ sql: String) throws -> [String: Int] {
                Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: sql).map { ($0[0] as String, $0[1] as Int) })
            }
            return StoreCounts(
                activeSessions: try grouped("SELECT channel, COUNT(*) FROM sessions WHERE status = 'active' GROUP BY channel"),
                casesByPriority: try grouped("SELECT priority, COUNT(*) FROM cases GROUP BY priority"),
                outboxDepth: try grouped("SELECT kind, COUNT(*) FROM outbox WHERE status IN ('pending', 'sending') GROUP BY kind"),
                outboxFailed: try grouped("SELECT kind, COUNT(*) FROM outbox WHERE status = 'failed' GROUP BY kind"),
                quarantined: try Self.quarantinedCounts(db))
        }
    }
}
