import Foundation
import GRDB

/// Rows set aside because what they hold cannot be read, waiting for a person.
public struct QuarantinedRow: Sendable, Equatable {
    public var table: String
    public var rowID: Int64
    public var caseReference: String?
    public var reason: String
    public var at: Date
}

extension SQLiteStore {
    /// Tables whose rows leave their work by a `status`: a quarantined row gets `quarantined`.
    /// Other tables' rows (a message, a case's answers) are only listed, and skipped by the
    /// re-sealing sweep.
    static let statusTables: Set<String> = ["outbox", "sessions"]

    /// Sets one row aside in the transaction that met it, so the rows behind it go on: the
    /// quarantine table keeps why (no claim or sweep picks it again), and the audit trail says
    /// so. `reason` names the kind of fault only, never
    /// what the row holds.
    static func quarantine(
        _ db: Database, table: String, rowID: Int64, caseReference: String?, reason: String, at now: Date
    ) throws {
        if statusTables.contains(table) {
            try db.execute(sql: "UPDATE \(table) SET status = 'quarantined' WHERE id = ?", arguments: [rowID])
        }
        try db.execute(
            cached: """
                INSERT OR IGNORE INTO quarantine (table_name, row_id, case_reference, reason, at) VALUES (?, ?, ?, ?, ?)
                """, arguments: [table, rowID, caseReference, reason, now])
        try db.execute(
            cached: "INSERT INTO audit (at, actor, action, case_reference, detail) VALUES (?, 'system', 'quarantined', ?, ?)",
            arguments: [now, caseReference, "\(table) row \(rowID) set aside: \(reason)"])
    }

    /// A fault's kind, for the reason stored: the type, never the message (which could quote data).
    static func faultKind(_ error: any Error) -> String {
        if let sealing = error as? SealerError { return sealing.description }
        if error is DecodingError { return "stored value cannot be decoded" }
        return "unreadable (\(String(describing: type(of: error))))"
    }

    /// Quarantined rows by table, for `/readyz` and `/metrics`.
    public func quarantinedCounts() async throws -> [String: Int] {
        try await pool.read { db in try Self.quarantinedCounts(db) }
    }

    static func quarantinedCounts(_ db: Database) throws -> [String: Int] {
        Dictionary(
            uniqueKeysWithValues: try Row.fetchAll(db, cached: "SELECT table_name, COUNT(*) FROM quarantine GROUP BY table_name").map {
                ($0[0] as String, $0[1] as Int)
            })
    }

    /// Quarantined rows supervisors have not been told of, oldest first.
    public func unalertedQuarantines() async throws -> [QuarantinedRow] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT table_name, row_id, case_reference, reason, at FROM quarantine WHERE alerted_at IS NULL ORDER BY id"
            ).map {
                QuarantinedRow(
                    table: $0["table_name"], rowID: $0["row_id"], caseReference: $0["case_reference"], reason: $0["reason"], at: $0["at"])
            }
        }
    }

    /// Queues `alerts` and marks `rows` alerted in one transaction: each row is told of once.
    public func alertQuarantines(_ rows: [QuarantinedRow], alerts: [OutboundSMS], at now: Date) async throws {
        let sealer = self.sealer
        try await write { db in
            for alert in alerts { try Self.queueSMS(alert, caseID: nil, priority: .p1, at: now, sealer: sealer, db: db) }
            for row in rows {
                try db.execute(
                    cached: "UPDATE quarantine SET alerted_at = ? WHERE table_name = ? AND row_id = ?",
                    arguments: [now, row.table, row.rowID])
            }
        }
    }
}
