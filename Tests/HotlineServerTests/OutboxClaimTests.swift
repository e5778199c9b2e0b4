import Foundation
import GRDB
import Testing

@testable import Storage

@Suite("Outbox claims after a crash")
struct OutboxClaimTests {
    @Test("a row a killed run was sending is due again at the next start, not when its lease ends")
    func releasedAtStart() async throws {
        let store = try SQLiteStore(path: try makeTemporaryDirectory().appendingPathComponent("claims.sqlite").path)
        let now = Date()
        try await store.write { db in
            try db.execute(
                sql: """
                    INSERT INTO outbox (kind, priority, payload, status, due_at, created_at)
                    VALUES ('ack_check', 'P1', '{"tier":1}', 'pending', ?, ?)
                    """, arguments: [now, now])
        }
        #expect(try await store.claimDueOutbox(now: now, limit: 5, lease: 120).count == 1)
        // The run that claimed it is killed here; a new one starts a second later.
        let later = now.addingTimeInterval(1)
        #expect(try await store.claimDueOutbox(now: later, limit: 5, lease: 120).isEmpty)
        #expect(try await store.releaseClaims(at: later) == 1)
        let again = try await store.claimDueOutbox(now: later, limit: 5, lease: 120)
        #expect(again.map(\.attempts) == [2])
    }
}
