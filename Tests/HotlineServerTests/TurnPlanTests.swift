import Foundation
import GRDB
import HotlineCore
import Synchronization
import Testing

@testable import Storage

/// A turn is decided outside the single writer, against the session as it was read. These
/// prove the writer never stores a decision made against a session that changed since.
@Suite("Turns decided before the writer")
struct TurnPlanTests {
    private func openStore() throws -> SQLiteStore {
        try SQLiteStore(path: try makeTemporaryDirectory().appendingPathComponent("plan.sqlite").path)
    }

    private func turn(_ text: String, session: String = "s1") throws -> InboundTurn {
        InboundTurn(
            gatewayID: "at-ussd", channel: .ussd, externalSessionID: session, phone: try PhoneNumber(parsing: "0912345678"),
            rawText: text, receivedAt: Date())
    }

    /// Appends the gateway text to the trail of the state it is given, and records the
    /// trails it saw: the trail shows which committed state a decision was made against.
    private final class TrailDecider: Sendable {
        let seen = Mutex<[[String]]>([])
        func decide(_ text: String) -> @Sendable (TurnContext) -> TurnDecision {
            { context in
                var state = context.session?.state ?? ConversationState(flowID: "main", nodeID: "start", language: "vi")
                self.seen.withLock { $0.append(state.trail) }
                state.trail.append(text)
                return TurnDecision(
                    state: state, reply: StoredReply(text: "after \(state.trail.joined(separator: ","))", continues: true),
                    inboundText: text, effects: [])
            }
        }
    }

    private func storedTrail(_ store: SQLiteStore) async throws -> [String] {
        let sealed = try await store.pool.read { db in try Data.fetchOne(db, sql: "SELECT state_sealed FROM sessions") }
        return try SQLiteStore.openState(try #require(sealed), store.sealer).trail
    }

    @Test("a turn whose session is unchanged is written as decided before the writer, without deciding again")
    func unchangedSessionKeepsTheEarlyDecision() async throws {
        let store = try openStore()
        let decider = TrailDecider()
        _ = try await store.recordTurn(try turn("a"), decide: decider.decide("a"))
        let result = try await store.recordTurn(try turn("a*1"), decide: decider.decide("a*1"))
        #expect(result == TurnResult(reply: StoredReply(text: "after a,a*1", continues: true), replayed: false))
        #expect(decider.seen.withLock { $0 } == [[], ["a"]])
        #expect(try await storedTrail(store) == ["a", "a*1"])
    }

    @Test("a turn decided before its session changed is decided again against the session as committed")
    func changedSessionIsDecidedAgain() async throws {
        let store = try openStore()
        let decider = TrailDecider()
        _ = try await store.recordTurn(try turn("a"), decide: decider.decide("a"))
        let late = try turn("a*2")
        let prepared = await store.prepareTurn(late, decide: decider.decide("a*2"))
        // Another request of the same session commits between the early decision and the write.
        _ = try await store.recordTurn(try turn("a*1"), decide: decider.decide("a*1"))
        let result = try await store.commitTurn(late, prepared: prepared, decide: decider.decide("a*2"))

        #expect(result.reply.text == "after a,a*1,a*2")
        #expect(decider.seen.withLock { $0 } == [[], ["a"], ["a"], ["a", "a*1"]])
        #expect(try await storedTrail(store) == ["a", "a*1", "a*2"])
        #expect(try await store.messageCount() == 6)
    }

    @Test("a USSD retry decided while its original was still being written gets the original's screen, stored once")
    func retryRacingItsOriginalIsReplayed() async throws {
        let store = try openStore()
        let decider = TrailDecider()
        _ = try await store.recordTurn(try turn("a"), decide: decider.decide("a"))
        let retry = try turn("a*1")
        let prepared = await store.prepareTurn(retry, decide: decider.decide("a*1"))
        let original = try await store.recordTurn(try turn("a*1"), decide: decider.decide("a*1"))
        let result = try await store.commitTurn(retry, prepared: prepared, decide: decider.decide("a*1"))

        #expect(result == TurnResult(reply: original.reply, replayed: true))
        #expect(try await storedTrail(store) == ["a", "a*1"])
        #expect(try await store.messageCount() == 4)
    }

    @Test("a new session decided early is written once, and a second new-session request for it continues it")
    func newSessionRaceContinuesTheFirst() async throws {
        let store = try openStore()
        let decider = TrailDecider()
        let second = try turn("x*1")
        let prepared = await store.prepareTurn(second, decide: decider.decide("x*1"))
        _ = try await store.recordTurn(try turn("x"), decide: decider.decide("x"))
        _ = try await store.commitTurn(second, prepared: prepared, decide: decider.decide("x*1"))

        let sessions = try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sessions") }
        #expect(sessions == 1)
        #expect(try await storedTrail(store) == ["x", "x*1"])
    }

    @Test("a turn prepared before a data key rotation is sealed again under the new key when it is written")
    func keyRotatedBeforeTheWriteIsUsed() async throws {
        let folder = try makeTemporaryDirectory()
        let keyFile = folder.appendingPathComponent("keys").path
        let old = DataKeys.generate()
        let lookup = DataKeys.generate()
        try DataKeys.write(file: keyFile, keys: [old], lookup: lookup)
        let sealer = AESGCMSealer(keys: try DataKeys.read(file: keyFile), keyFile: keyFile)
        let store = try SQLiteStore(path: folder.appendingPathComponent("plan.sqlite").path, sealer: sealer)
        let decider = TrailDecider()
        _ = try await store.recordTurn(try turn("a"), decide: decider.decide("a"))
        let late = try turn("a*1")
        let prepared = await store.prepareTurn(late, decide: decider.decide("a*1"))
        let oldID = sealer.currentKeyID

        try DataKeys.write(file: keyFile, keys: [DataKeys.generate(), old], lookup: lookup)
        #expect(sealer.reload())
        let newID = sealer.currentKeyID
        _ = try await store.commitTurn(late, prepared: prepared, decide: decider.decide("a*1"))

        let sealed = try await store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT state_sealed, processed_sealed, last_reply_sealed FROM sessions")
        }
        let row = try #require(sealed)
        for column in ["state_sealed", "processed_sealed", "last_reply_sealed"] {
            #expect(AESGCMSealer.keyID(of: row[column]) == newID, "\(column)")
        }
        let bodies = try await store.pool.read { db in try Data.fetchAll(db, sql: "SELECT body_sealed FROM messages ORDER BY id") }
        #expect(bodies.map(AESGCMSealer.keyID(of:)) == [oldID, oldID, newID, newID])
        #expect(try await storedTrail(store) == ["a", "a*1"])
    }

    @Test(
        "the lookups every SMS makes search an index, so their cost does not grow with the hotline's sessions and cases",
        arguments: [
            SQLiteStore.ussdSessionSQL, SQLiteStore.smsSessionSQL, SQLiteStore.unfinishedCandidatesSQL, SQLiteStore.blockedSQL,
            SQLiteStore.recentMessagesSQL, SQLiteStore.urgentConversationSQL,
        ])
    func perMessageLookupsUseIndexes(sql: String) async throws {
        let store = try openStore()
        let plan = try await store.pool.read { db in
            try Row.fetchAll(
                db, sql: "EXPLAIN QUERY PLAN " + sql,
                arguments: StatementArguments(Array(repeating: "x", count: sql.filter { $0 == "?" }.count))
            )
            .map { $0["detail"] as String }
        }
        #expect(!plan.isEmpty)
        #expect(plan.allSatisfy { !$0.hasPrefix("SCAN") && !$0.contains("TEMP B-TREE") }, "\(plan)")
        // The SMS session lookup once walked every active session through the status index;
        // counting a number's messages by time alone would read the whole hotline's hour.
        #expect(plan.allSatisfy { !$0.contains("sessions_by_status_and_age") && !$0.contains("messages_created") }, "\(plan)")
    }
}
