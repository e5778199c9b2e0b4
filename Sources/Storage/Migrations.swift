import GRDB

/// Append-only: a migration that shipped is never edited; changes come as new ones.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 sessions, messages, cases, outbox") { db in
            try db.create(table: "sessions") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("gateway_id", .text).notNull()
                t.column("channel", .text).notNull()
                t.column("external_id", .text).notNull()
                // Personal: sealed.
                t.column("phone_sealed", .blob).notNull()
                t.column("phone_key", .text).notNull().indexed()
                // Sealed JSON of ConversationState (it holds the person's answers).
                t.column("state_sealed", .blob).notNull()
                // Sealed gateway text already processed, to recognise a retry.
                t.column("processed_sealed", .blob).notNull()
                t.column("last_reply_sealed", .blob).notNull()
                t.column("last_reply_continues", .boolean).notNull()
                t.column("status", .text).notNull().defaults(to: "active")
                t.column("created_at", .datetime).notNull()
                t.column("updated_at", .datetime).notNull()
                t.uniqueKey(["gateway_id", "external_id"])
            }
            try db.create(table: "messages") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("session_id", .integer).notNull().references("sessions", onDelete: .cascade)
                t.column("direction", .text).notNull().check { ["in", "out"].contains($0) }
                t.column("seq", .integer).notNull()
                t.column("body_sealed", .blob).notNull()
                t.column("created_at", .datetime).notNull()
                t.uniqueKey(["session_id", "seq"])
            }
            try db.create(table: "cases") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("reference", .text).notNull().unique()
                t.column("session_id", .integer).references("sessions", onDelete: .setNull)
                t.column("gateway_id", .text).notNull()
                t.column("channel", .text).notNull()
                t.column("category", .text)
                t.column("priority", .text).notNull()
                t.column("reasons", .jsonText).notNull().defaults(to: "[]")
                t.column("status", .text).notNull()
                t.column("language", .text).notNull()
                t.column("answers_sealed", .blob).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("updated_at", .datetime).notNull()
            }
            try db.create(index: "case_by_status_priority", on: "cases", columns: ["status", "priority"])
            try db.create(table: "case_events") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("case_id", .integer).notNull().indexed().references("cases", onDelete: .cascade)
                t.column("at", .datetime).notNull()
                t.column("kind", .text).notNull()
                t.column("detail", .text).notNull()
            }
            // Promises made in a turn's transaction, delivered after the reply (escalations,
            // outbound SMS): a crash can delay them, never lose them.
            try db.create(table: "outbox") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull()
                t.column("case_id", .integer).references("cases", onDelete: .setNull)
                t.column("priority", .text).notNull()
                t.column("payload", .jsonText).notNull().defaults(to: "{}")
                t.column("status", .text).notNull().defaults(to: "pending")
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("due_at", .datetime).notNull()
                t.column("created_at", .datetime).notNull()
            }
            try db.create(index: "outbox_due", on: "outbox", columns: ["status", "due_at"])
            try db.create(table: "readiness") { t in
                t.primaryKey("id", .integer)
                t.column("checked_at", .datetime).notNull()
            }
        }
        return migrator
    }
}
