import Foundation
import GRDB
import HotlineCore

extension SQLiteStore {
    public func contactStatus(_ phone: PhoneNumber, since: Date) async throws -> ContactStatus {
        let key = sealer.lookupKey(for: phone)
        return try await pool.read { db in
            ContactStatus(
                blocked: try Bool.fetchOne(db, cached: Self.blockedSQL, arguments: [key]) == true,
                recentMessages: try Int.fetchOne(db, cached: Self.recentMessagesSQL, arguments: [key, since]) ?? 0,
                inUrgentConversation: try Bool.fetchOne(db, cached: Self.urgentConversationSQL, arguments: [key]) == true)
        }
    }

    // Read for every SMS: each must search an index (a test reads their plans).
    static let blockedSQL = "SELECT 1 FROM blocklist WHERE phone_key = ?"
    static let recentMessagesSQL = """
        SELECT COUNT(*) FROM messages m JOIN sessions s ON s.id = m.session_id
        WHERE s.phone_key = ? AND m.direction = 'in' AND m.created_at > ?
        """
    static let urgentConversationSQL = """
        SELECT 1 FROM sessions s
        WHERE s.phone_key = ? AND s.channel = 'sms' AND s.status = 'active'
          AND EXISTS (SELECT 1 FROM cases c WHERE c.session_id = s.id AND c.priority = 'P1') LIMIT 1
        """

    public func block(_ phone: PhoneNumber, reason: String, actor: String, at now: Date) async throws -> BlockEntry {
        let key = sealer.lookupKey(for: phone)
        return try await write { db in
            try db.execute(
                cached: """
                    INSERT INTO blocklist (phone_key, phone_masked, reason, added_by, added_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (phone_key) DO UPDATE SET reason = excluded.reason, added_by = excluded.added_by, added_at = excluded.added_at
                    """, arguments: [key, phone.masked, reason, actor, now])
            try Self.audit(db, actor: actor, action: "block_number", reference: nil, detail: "\(phone.masked): \(reason)", at: now)
            let row = try Row.fetchOne(db, cached: "SELECT * FROM blocklist WHERE phone_key = ?", arguments: [key])!
            return Self.blockEntry(row)
        }
    }

    public func unblock(id: Int64, actor: String, at now: Date) async throws -> Bool {
        try await write { db in
            guard let masked = try String.fetchOne(db, cached: "SELECT phone_masked FROM blocklist WHERE id = ?", arguments: [id]) else {
                return false
            }
            try db.execute(cached: "DELETE FROM blocklist WHERE id = ?", arguments: [id])
            try Self.audit(db, actor: actor, action: "unblock_number", reference: nil, detail: masked, at: now)
            return true
        }
    }

    public func blocklist(actor: String, at now: Date) async throws -> [BlockEntry] {
        try await write { db in
            try Self.audit(db, actor: actor, action: "list_blocklist", reference: nil, detail: "", at: now)
            return try Row.fetchAll(db, cached: "SELECT * FROM blocklist ORDER BY added_at DESC").map(Self.blockEntry)
        }
    }

    static func blockEntry(_ row: Row) -> BlockEntry {
        BlockEntry(id: row["id"], phone: row["phone_masked"], reason: row["reason"], addedBy: row["added_by"], addedAt: row["added_at"])
    }
}
