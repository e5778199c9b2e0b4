import Foundation
import GRDB
import HotlineCore
import HotlineDispatch
import Logging
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

@Suite("Outbox outcomes the database refused")
struct OutboxUnsettledTests {
    /// A store holding one P1 case escalated to 111, and a dispatcher sending to `receiver`.
    private func escalatedCase(receiver: LocalReceiver) async throws -> (SQLiteStore, OutboxDispatcher, path: String) {
        let path = try makeTemporaryDirectory().appendingPathComponent("unsettled.sqlite").path
        let store = try SQLiteStore(path: path)
        _ = try await store.recordTurn(
            InboundTurn(
                gatewayID: "at-ussd", channel: .ussd, externalSessionID: "s", phone: try PhoneNumber(parsing: "0912345678"),
                rawText: "3", receivedAt: Date())
        ) { _ in
            TurnDecision(
                state: ConversationState(flowID: "main", nodeID: "urgent", language: "vi"),
                reply: StoredReply(text: "111", continues: true), inboundText: "3",
                effects: [.openCase(reference: "QN-TEST01"), .escalate(reference: "QN-TEST01", priority: .p1, reasons: ["help now"])])
        }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let dispatcher = OutboxDispatcher(
            store: store, config: EscalationConfig(), webhook: .init(url: receiver.webhookURL, secret: testSecret), senders: [:],
            transport: HTTPTransport(), nationalHotline: "111", logger: logger)
        return (store, dispatcher, path)
    }

    /// While 111 answers, another connection takes SQLite's write lock, so what the dispatcher
    /// writes next fails (busy, as on a full disk) after the store's 5 s busy timeout. Returns
    /// what releases the lock.
    private func lockDatabaseWhileAnswering(_ receiver: LocalReceiver, path: String) throws -> @Sendable () -> Void {
        let blocker = try DatabaseQueue(path: path)
        let locked = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        receiver.beforeWebhookAnswer {
            Thread.detachNewThread {
                try? blocker.inTransaction(.immediate) { _ in
                    locked.signal()
                    release.wait()
                    return .rollback
                }
            }
            locked.wait()
        }
        return {
            receiver.beforeWebhookAnswer(nil)
            release.signal()
        }
    }

    @Test("an escalation delivered while the database refused writes is recorded when it takes them again, not sent twice")
    func outcomeRecordedAfterTheFault() async throws {
        let receiver = try await LocalReceiver.start()
        defer { Task { await receiver.stop() } }
        let (store, dispatcher, path) = try await escalatedCase(receiver: receiver)
        let unlock = try lockDatabaseWhileAnswering(receiver, path: path)

        #expect(try await dispatcher.runOnce() == 1)
        #expect(receiver.escalations.count == 1)
        #expect(try await store.outbox(kind: "escalation").map(\.status) == ["sending"])

        unlock()
        _ = try await dispatcher.runOnce()
        #expect(try await store.outbox(kind: "escalation").map(\.status) == ["delivered"])
        #expect(receiver.escalations.count == 1)
    }

    @Test("an escalation 111 refused while the database refused writes starts the SMS alerts when it takes them again")
    func alertsStartedAfterTheFault() async throws {
        let receiver = try await LocalReceiver.start()
        defer { Task { await receiver.stop() } }
        let (store, dispatcher, path) = try await escalatedCase(receiver: receiver)
        receiver.setWebhookStatus(400)
        let unlock = try lockDatabaseWhileAnswering(receiver, path: path)
        let ackCheckDue = {
            try await store.pool.read { db in try Date.fetchOne(db, sql: "SELECT due_at FROM outbox WHERE kind = 'ack_check'") }
        }
        let deadline = try #require(try await ackCheckDue())
        #expect(deadline > Date().addingTimeInterval(200))  // P1: acknowledged within 300 s

        #expect(try await dispatcher.runOnce() == 1)
        #expect(try await ackCheckDue() == deadline)  // the alerts could not start

        unlock()
        let restart = Date()
        _ = try await dispatcher.runOnce()
        #expect(try await store.outbox(kind: "escalation").map(\.status) == ["failed"])
        let due = try #require(try await ackCheckDue())
        #expect(due < restart.addingTimeInterval(5), "the SMS ladder waits until \(due)")
    }
}
