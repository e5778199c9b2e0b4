import Foundation
import GRDB
import HotlineCore

extension SQLiteStore {
    /// Whether the database at `path` holds values sealed with a key (so a new key would open
    /// none of them). A missing file or a plaintext database holds none.
    public static func holdsEncryptedData(path: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        return try queue.read { db in
            // Any sealed value, or anything found only by the keyed hash (retention may have
            // emptied the sessions while the blocklist and opt-outs remain).
            let probes = [
                ("sessions", "SELECT 1 FROM sessions WHERE substr(phone_sealed, 1, 1) = X'01' LIMIT 1"),
                ("cases", "SELECT 1 FROM cases WHERE substr(answers_sealed, 1, 1) = X'01' LIMIT 1"),
                ("outbox", "SELECT 1 FROM outbox WHERE substr(payload_sealed, 1, 1) = X'01' LIMIT 1"),
                ("blocklist", "SELECT 1 FROM blocklist LIMIT 1"),
                ("opt_outs", "SELECT 1 FROM opt_outs LIMIT 1"),
            ]
            for (table, sql) in probes where try db.tableExists(table) {
                if try Bool.fetchOne(db, sql: sql) == true { return true }
            }
            return false
        }
    }

    /// Every sealed column, with the column holding the keyed hash of the number beside it.
    static let sealedColumns: [(table: String, columns: [String], phoneKey: String?)] = [
        ("sessions", ["phone_sealed", "state_sealed", "processed_sealed", "last_reply_sealed"], "phone_key"),
        ("messages", ["body_sealed"], nil),
        ("cases", ["answers_sealed", "outcome_sealed", "contact_phone_sealed"], nil),
        ("case_events", ["note_sealed"], nil),
        ("referral_steps", ["note_sealed"], nil),
        ("outbox", ["payload_sealed"], nil),
        ("message_parts", ["phone_sealed", "text_sealed"], "phone_key"),
    ]

    /// Re-seals up to `batch` rows per table that are not sealed with the current key (older
    /// keys, or plaintext from before encryption), recomputing the number's keyed hash. Short
    /// transactions, so the service keeps answering; returns how many rows changed.
    ///
    /// Stale rows are looked for with a read, outside the single writer, and a database
    /// found clean under a key is not looked through again until the key changes: new rows
    /// are always sealed with the current key, and on millions of rows each look is seconds.
    public func resealBatch(currentKeyID: String, batch: Int = 200) async throws -> Int {
        if cleanUnderKey.withLock({ $0 }) == currentKeyID { return 0 }
        // Waits for every write queued before now: one sealed under the previous key a moment
        // before it was replaced is committed before the search below reads, and is found.
        try await write { _ in }
        let sealer = self.sealer
        let prefix = Data([1, UInt8(currentKeyID.utf8.count)] + Array(currentKeyID.utf8))
        var changed = 0
        // Outcomes written in plain text before v5: sealed, and their copies in the case's
        // history and the audit trail blanked.
        let plainOutcomes = try await pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM cases WHERE outcome IS NOT NULL LIMIT \(batch)")
        }
        if !plainOutcomes.isEmpty {
            changed += try await write { db -> Int in
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT id, outcome FROM cases WHERE outcome IS NOT NULL AND id IN (\(Self.placeholders(plainOutcomes.count)))",
                    arguments: StatementArguments(plainOutcomes))
                for row in rows {
                    let id: Int64 = row["id"]
                    try db.execute(
                        sql: "UPDATE cases SET outcome_sealed = ?, outcome = NULL WHERE id = ?",
                        arguments: [try sealer.seal(row["outcome"]), id])
                    try db.execute(
                        sql: """
                            UPDATE case_events SET note_sealed = ?, detail = '' WHERE case_id = ? AND kind = 'resolved' AND note_sealed IS NULL
                            """, arguments: [try sealer.seal(row["outcome"]), id])
                    try db.execute(
                        sql: """
                            UPDATE audit SET detail = '' WHERE action = 'resolve'
                              AND case_reference = (SELECT reference FROM cases WHERE id = ?)
                            """, arguments: [id])
                }
                return rows.count
            }
        }
        for (table, columns, phoneKey) in Self.sealedColumns {
            let stale = columns.map { "(\($0) IS NOT NULL AND substr(\($0), 1, \(prefix.count)) != ?)" }.joined(separator: " OR ")
            let prefixes = Array(repeating: prefix, count: columns.count)
            let ids = try await pool.read { db in
                // Rows set aside as unreadable are not tried again at every sweep.
                try Int64.fetchAll(
                    db,
                    sql: """
                        SELECT id FROM \(table) WHERE (\(stale))
                          AND id NOT IN (SELECT row_id FROM quarantine WHERE table_name = ?) LIMIT \(batch)
                        """, arguments: StatementArguments(prefixes) + [table])
            }
            guard !ids.isEmpty else { continue }
            changed += try await write { db -> Int in
                // Read again inside the writer: a turn may have re-sealed a row since.
                let rows = try Row.fetchAll(
                    db,
                    sql:
                        "SELECT id, \(columns.joined(separator: ", ")) FROM \(table) WHERE id IN (\(Self.placeholders(ids.count))) AND (\(stale))",
                    arguments: StatementArguments(ids) + StatementArguments(prefixes))
                var quarantined = 0
                for row in rows {
                    var assignments: [String] = []
                    var values: [(any DatabaseValueConvertible)?] = []
                    do {
                        for column in columns {
                            guard let sealed = row[column] as Data? else { continue }
                            let plaintext = try sealer.open(sealed)
                            assignments.append("\(column) = ?")
                            values.append(try sealer.seal(plaintext))
                            if column == "phone_sealed", let phoneKey {
                                assignments.append("\(phoneKey) = ?")
                                values.append(sealer.lookupKey(for: try PhoneNumber(parsing: plaintext)))
                            }
                        }
                    } catch {
                        // A row under a retired key would fail this sweep, and every rotation, for ever.
                        try Self.quarantine(
                            db, table: table, rowID: row["id"], caseReference: nil, reason: Self.faultKind(error), at: Date())
                        quarantined += 1
                        continue
                    }
                    values.append(row["id"] as Int64)
                    try db.execute(
                        sql: "UPDATE \(table) SET \(assignments.joined(separator: ", ")) WHERE id = ?",
                        arguments: StatementArguments(values))
                }
                return rows.count - quarantined
            }
        }
        if changed == 0 {
            cleanUnderKey.withLock { $0 = currentKeyID }
        } else {
            // Old sealed or plain bytes stay in the main file's pages until a checkpoint copies
            // the re-sealed pages over them.
            try await pool.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
        }
        return changed
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }
}
