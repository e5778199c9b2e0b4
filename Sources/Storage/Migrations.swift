import Foundation
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
        migrator.registerMigration("v2 escalation, outbound SMS, operators, audit") { db in
            // A gateway message id seen once is never processed again (retries, duplicates).
            try db.create(table: "inbound_ids") { t in
                t.column("gateway_id", .text).notNull()
                t.column("message_id", .text).notNull()
                t.column("received_at", .datetime).notNull().indexed()
                t.primaryKey(["gateway_id", "message_id"])
            }
            // The case a message belongs to, so a report continued in a later session keeps
            // one transcript.
            try db.alter(table: "messages") { t in
                t.add(column: "case_id", .integer).indexed().references("cases", onDelete: .setNull)
            }
            try db.alter(table: "outbox") { t in
                // Personal parts of a promise (the number to text, the text, the signed body).
                t.add(column: "payload_sealed", .blob)
                t.add(column: "claimed_until", .datetime)
                t.add(column: "last_error", .text)
                t.add(column: "delivered_at", .datetime)
            }
            try db.create(index: "outbox_by_case", on: "outbox", columns: ["case_id", "kind", "status"])
            try db.alter(table: "cases") { t in
                t.add(column: "handling", .text).notNull().defaults(to: "new")
                t.add(column: "acknowledged_at", .datetime)
                t.add(column: "acknowledged_by", .text)
                t.add(column: "claimed_by", .text)
                t.add(column: "outcome", .text)
                t.add(column: "resolved_at", .datetime)
            }
            // Operator notes are free text about a child: sealed like everything personal.
            try db.alter(table: "case_events") { t in
                t.add(column: "actor", .text)
                t.add(column: "note_sealed", .blob)
            }
            // Each SMS sent through a gateway, so its delivery reports can find it.
            try db.create(table: "outbound_messages") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("outbox_id", .integer).notNull().references("outbox", onDelete: .cascade)
                t.column("gateway_id", .text).notNull()
                t.column("gateway_message_id", .text)
                t.column("status", .text).notNull()
                t.column("detail", .text)
                t.column("updated_at", .datetime).notNull()
                t.uniqueKey(["gateway_id", "gateway_message_id"])
            }
            // Who read or changed what about a person, and when.
            try db.create(table: "audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()
                t.column("case_reference", .text)
                t.column("detail", .text).notNull().defaults(to: "")
            }
        }
        migrator.registerMigration("v3 multipart messages") { db in
            // Parts of a long SMS delivered one by one, kept until the set is processed.
            try db.create(table: "message_parts") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("gateway_id", .text).notNull()
                t.column("phone_key", .text).notNull()
                t.column("phone_sealed", .blob).notNull()
                t.column("reference", .text).notNull()
                t.column("total", .integer).notNull()
                t.column("part", .integer).notNull()
                t.column("message_id", .text).notNull()
                t.column("to_number", .text).notNull()
                t.column("text_sealed", .blob).notNull()
                t.column("received_at", .datetime).notNull().indexed()
                t.uniqueKey(["gateway_id", "phone_key", "reference", "total", "part"])
            }
            // Delivery reports that name our reference may arrive before the send settles.
            try db.create(index: "outbound_messages_outbox", on: "outbound_messages", columns: ["outbox_id"])
        }
        migrator.registerMigration("v4 safe contact and abuse control") { db in
            // A person who sent STOP/HUY: no SMS to them until they start a new conversation.
            try db.create(table: "opt_outs") { t in
                t.primaryKey("phone_key", .text)
                t.column("at", .datetime).notNull()
            }
            // Numbers operators blocked; only the keyed hash and the masked form are kept.
            try db.create(table: "blocklist") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("phone_key", .text).notNull().unique()
                t.column("phone_masked", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("added_by", .text).notNull()
                t.column("added_at", .datetime).notNull()
            }
            try db.create(index: "messages_created", on: "messages", columns: ["created_at"])
        }
        migrator.registerMigration("v5 retention, sealed outcomes") { db in
            try db.alter(table: "cases") { t in
                // An operator's outcome is free text about a child: sealed like notes.
                t.add(column: "outcome_sealed", .blob)
                // When retention removed the case's personal data; the row stays, anonymous, for counts.
                t.add(column: "purged_at", .datetime)
            }
        }
        migrator.registerMigration("v6 idle sessions index") { db in
            // The expiry sweep looks for active sessions idle past a time every 30 s; without
            // this it read every session, holding the single writer, on a large database.
            try db.create(index: "sessions_by_status_and_age", on: "sessions", columns: ["status", "updated_at"])
        }
        migrator.registerMigration("v7 a person's sessions, a session's cases") { db in
            // Every SMS looks up the person's active conversation, newest first: with only the
            // v6 index SQLite walked all active sessions to find one number's, and the urgent-
            // conversation check read every case, so each SMS cost more as the hotline grew.
            try db.create(index: "sessions_by_person", on: "sessions", columns: ["phone_key", "updated_at"])
            try db.drop(index: "sessions_on_phone_key")
            try db.create(index: "cases_by_session", on: "cases", columns: ["session_id"])
        }
        migrator.registerMigration("v8 deployment id") { db in
            // Outbox ids start at 1 in every database (a fresh install, a restore, a second
            // province posting to the same 111 system), so the escalation key a receiver
            // dedupes on also names the database: a random id made with it and kept in it.
            try db.create(table: "deployment") { t in
                t.column("id", .text).notNull()
                t.column("created_at", .datetime).notNull()
            }
            try db.execute(
                sql: "INSERT INTO deployment (id, created_at) VALUES (?, ?)", arguments: [DeploymentID.random(), Date()])
        }
        migrator.registerMigration("v9 quarantine") { db in
            // A row whose sealed value cannot be opened (a retired key, a damaged page) is set
            // aside here instead of failing every claim or sweep that meets it.
            try db.create(table: "quarantine") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("table_name", .text).notNull()
                t.column("row_id", .integer).notNull()
                t.column("case_reference", .text)
                t.column("reason", .text).notNull()
                t.column("at", .datetime).notNull()
                // Supervisors are alerted once per row: null until they were.
                t.column("alerted_at", .datetime)
                t.uniqueKey(["table_name", "row_id"])
            }
        }
        migrator.registerMigration("v10 console sessions, outcome codes") { db in
            // The outcome chosen from the list (not personal, counted in reports); the
            // operator's words about it stay in outcome_sealed.
            try db.alter(table: "cases") { t in
                t.add(column: "outcome_code", .text)
                // The number to call back for a case an operator recorded from a call or a
                // walk-in (it has no conversation to hold it): personal, sealed.
                t.add(column: "contact_phone_sealed", .blob)
            }
            try db.create(table: "console_sessions") { t in
                t.primaryKey("id_hash", .text)
                t.column("operator_id", .text).notNull()
                t.column("role", .text).notNull()
                t.column("csrf", .text).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("last_seen_at", .datetime).notNull()
                t.column("expires_at", .datetime).notNull().indexed()
            }
            // Failed sign-ins, counted to slow down guessing; the audit trail keeps them too.
            try db.create(table: "sign_in_failures") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull().indexed()
                t.column("operator_id", .text).notNull()
                t.column("address", .text).notNull()
            }
        }
        migrator.registerMigration("v11 referrals to communes") { db in
            try db.create(table: "referrals") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("case_id", .integer).notNull().indexed().references("cases", onDelete: .cascade)
                t.column("commune_id", .text).notNull().indexed()
                t.column("share_transcript", .boolean).notNull()
                t.column("share_number", .boolean).notNull()
                t.column("sent_by", .text).notNull()
                t.column("sent_at", .datetime).notNull()
                t.column("serious_risk", .boolean)
                t.column("closed_at", .datetime)
            }
            try db.create(table: "referral_steps") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("referral_id", .integer).notNull().indexed().references("referrals", onDelete: .cascade)
                t.column("step", .text).notNull()
                t.column("at", .datetime).notNull()
                t.column("actor", .text).notNull()
                t.column("note_sealed", .blob)
            }
            // Each step once: two workers pressing at once get a conflict, not two rows.
            try db.execute(sql: "CREATE UNIQUE INDEX referral_steps_once ON referral_steps (referral_id, step) WHERE step != 'note'")
            // Decree 56's clocks: durable rows, each chased by an outbox row of kind
            // 'referral_deadline' that alerts the supervisors when it passes unmet.
            try db.create(table: "referral_deadlines") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("referral_id", .integer).notNull().indexed().references("referrals", onDelete: .cascade)
                t.column("step", .text).notNull()
                t.column("due_at", .datetime).notNull()
                t.column("met_at", .datetime)
                t.column("alerted_at", .datetime)
                t.uniqueKey(["referral_id", "step"])
            }
        }
        return migrator
    }
}
