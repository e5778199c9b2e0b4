import Foundation
import GRDB
import HotlineCore

extension SQLiteStore {
    /// Keeps one part of a long message. Returns the set when this part completes it; nil
    /// while parts are missing, or when this part was seen before (a retry).
    public func storePart(_ part: InboundPart, at now: Date) async throws -> PartSet? {
        let sealer = self.sealer
        return try await write { db -> PartSet? in
            if !part.messageID.isEmpty {
                // A part's own id is remembered like a message's, so a retry after the set
                // was processed cannot start a new, partial set.
                try db.execute(
                    cached: "INSERT OR IGNORE INTO inbound_ids (gateway_id, message_id, received_at) VALUES (?, ?, ?)",
                    arguments: [part.gatewayID, "part:" + part.messageID, now])
                if db.changesCount == 0 { return nil }
            }
            let key = sealer.lookupKey(for: part.phone)
            try db.execute(
                cached: """
                    INSERT OR IGNORE INTO message_parts
                      (gateway_id, phone_key, phone_sealed, reference, total, part, message_id, to_number, text_sealed, received_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    part.gatewayID, key, try sealer.seal(part.phone.value), part.reference, part.total, part.index, part.messageID,
                    part.to, try sealer.seal(part.text), now,
                ])
            if db.changesCount == 0 { return nil }
            let set = try Self.partSet(
                db, gatewayID: part.gatewayID, phoneKey: key, reference: part.reference, total: part.total, sealer: sealer)
            return set?.isComplete == true ? set : nil
        }
    }

    /// Sets whose first part arrived before `cutoff`: incomplete ones to process with what
    /// arrived, and complete ones a crash left behind.
    public func partSetsDue(before cutoff: Date) async throws -> [PartSet] {
        let sealer = self.sealer
        return try await pool.read { db -> [PartSet] in
            let keys = try Row.fetchAll(
                db,
                cached: """
                    SELECT gateway_id, phone_key, reference, total FROM message_parts
                    GROUP BY gateway_id, phone_key, reference, total HAVING MIN(received_at) < ?
                    ORDER BY MIN(received_at) LIMIT 100
                    """, arguments: [cutoff])
            return try keys.compactMap {
                try Self.partSet(
                    db, gatewayID: $0["gateway_id"], phoneKey: $0["phone_key"], reference: $0["reference"], total: $0["total"],
                    sealer: sealer)
            }
        }
    }

    /// Forgets the parts a set was read from, once the message they make was processed.
    public func deletePartSet(_ set: PartSet) async throws {
        guard !set.rowIDs.isEmpty else { return }
        try await write { db in
            try db.execute(
                sql: "DELETE FROM message_parts WHERE id IN (\(Self.placeholders(set.rowIDs.count)))",
                arguments: StatementArguments(set.rowIDs))
        }
    }

    static func partSet(
        _ db: Database, gatewayID: String, phoneKey: String, reference: String, total: Int, sealer: any PersonalDataSealer
    ) throws -> PartSet? {
        let rows = try Row.fetchAll(
            db,
            cached: """
                SELECT id, part, message_id, to_number, phone_sealed, text_sealed, received_at FROM message_parts
                WHERE gateway_id = ? AND phone_key = ? AND reference = ? AND total = ? ORDER BY part
                """, arguments: [gatewayID, phoneKey, reference, total])
        guard let first = rows.first else { return nil }
        let phone = try PhoneNumber(parsing: try sealer.open(first["phone_sealed"]))
        var text = ""
        for row in rows { text += try sealer.open(row["text_sealed"]) }
        let firstID: String = first["message_id"]
        let receivedAt = rows.map { $0["received_at"] as Date }.min() ?? first["received_at"]
        // The parts present are in the id: a timed-out set processed with two parts and the
        // same set completed a moment later are two messages (a part said twice), never one
        // message with a part lost.
        var set = PartSet(
            gatewayID: gatewayID, phone: phone, to: first["to_number"], reference: reference, total: total, text: text,
            partsReceived: rows.count,
            messageID:
                "concat:\(reference):\(total):\(firstID.isEmpty ? String(Int(receivedAt.timeIntervalSince1970)) : firstID):\(rows.map { String($0["part"] as Int) }.joined(separator: "."))",
            firstReceivedAt: receivedAt)
        set.rowIDs = rows.map { $0["id"] }
        return set
    }

    public func lookupKey(for phone: PhoneNumber) -> String { sealer.lookupKey(for: phone) }

    /// A line in the audit trail that no operator action writes (a refused webhook).
    public func recordAudit(actor: String, action: String, reference: String?, detail: String, at now: Date) async throws {
        try await write { db in
            try Self.audit(db, actor: actor, action: action, reference: reference, detail: detail, at: now)
        }
    }
}
