import Foundation
import GRDB
import HotlineCore

/// Calls and walk-ins an operator records: a case like any other, with no conversation.
extension SQLiteStore {
    public func recordOfflineContact(_ contact: OfflineContact, at now: Date) async throws {
        let sealer = self.sealer
        let acknowledgement = self.acknowledgement
        let answers = try sealer.seal(String(decoding: try JSONEncoder.sorted.encode(contact.answers), as: UTF8.self))
        let phone = try contact.phone.map { try sealer.seal($0.value) }
        try await write { db in
            do {
                try db.execute(
                    cached: """
                        INSERT INTO cases (reference, session_id, gateway_id, channel, category, priority, reasons, status, language,
                          answers_sealed, contact_phone_sealed, created_at, updated_at)
                        VALUES (?, NULL, 'console', ?, ?, ?, ?, 'submitted', ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        contact.reference, contact.channel.rawValue, contact.category, contact.priority.rawValue,
                        String(decoding: try JSONEncoder().encode(contact.reasons), as: UTF8.self), contact.language, answers, phone, now,
                        now,
                    ])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StoreError.caseReferenceTaken(contact.reference)
            }
            try Self.addEvent(
                db, reference: contact.reference, at: now, kind: "opened", detail: "recorded in the console (\(contact.channel.rawValue))",
                actor: contact.actor)
            try Self.addEvent(db, reference: contact.reference, at: now, kind: "priority", detail: contact.priority.rawValue)
            try Self.audit(
                db, actor: contact.actor, action: "record_contact", reference: contact.reference, detail: contact.channel.rawValue, at: now)
            if contact.escalate {
                try Self.queueEscalation(
                    db, reference: contact.reference, priority: contact.priority, reasons: contact.reasons, at: now,
                    acknowledgement: acknowledgement)
            }
        }
    }
}
