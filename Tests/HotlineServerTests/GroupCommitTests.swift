import Foundation
import GRDB
import Testing

@testable import Storage

/// Group commit is only right if batching never changes what a caller is told: each gets
/// its own result after the commit that holds its work, and a failure reaches exactly the
/// callers whose work it undid.
@Suite("Group commit: shared commits, separate outcomes")
struct GroupCommitTests {
    enum Refused: Error { case byTheWork }

    private func openStore() async throws -> SQLiteStore {
        let store = try SQLiteStore(path: try makeTemporaryDirectory().appendingPathComponent("commit.sqlite").path)
        try await store.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE parent (id INTEGER PRIMARY KEY, label TEXT NOT NULL);
                    CREATE TABLE child (id INTEGER PRIMARY KEY,
                      parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
                    """)
        }
        return store
    }

    /// Keeps SQLite's writer busy for a moment, so writes sent meanwhile queue up together.
    private func holdWriter(_ store: SQLiteStore) -> Task<Void, any Error> {
        Task {
            try await store.write { _ in Thread.sleep(forTimeInterval: 0.3) }
        }
    }

    private func labels(_ store: SQLiteStore) async throws -> Set<String> {
        try await store.pool.read { db in Set(try String.fetchAll(db, sql: "SELECT label FROM parent")) }
    }

    @Test("the writer commits with synchronous = FULL, so every commit is fsynced before it returns")
    func writerSyncsEveryCommit() async throws {
        let store = try await openStore()
        let level = try await store.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(level == 2)  // FULL; WAL mode's NORMAL (1) syncs only at checkpoints
    }

    @Test("concurrent writes share commits and each caller gets back its own row")
    func sharedCommits() async throws {
        let store = try await openStore()
        let before = store.groupCommitStats!
        let held = holdWriter(store)
        try await Task.sleep(for: .milliseconds(50))
        let ids = try await withThrowingTaskGroup(of: (Int, Int64).self) { group in
            for i in 0..<40 {
                group.addTask {
                    let id = try await store.write { db -> Int64 in
                        try db.execute(sql: "INSERT INTO parent (label) VALUES (?)", arguments: ["w\(i)"])
                        return db.lastInsertedRowID
                    }
                    return (i, id)
                }
            }
            return try await group.reduce(into: [Int: Int64]()) { $0[$1.0] = $1.1 }
        }
        try await held.value
        let after = store.groupCommitStats!
        #expect(after.writes - before.writes == 41)
        #expect(after.commits - before.commits < 10, "41 writes took \(after.commits - before.commits) commits")
        for (i, id) in ids {
            let label = try await store.pool.read { db in
                try String.fetchOne(db, sql: "SELECT label FROM parent WHERE id = ?", arguments: [id])
            }
            #expect(label == "w\(i)")
        }
        #expect(Set(ids.values).count == 40)
    }

    @Test("work that throws is undone alone; the rest of its batch is stored")
    func failingWorkIsUndoneAlone() async throws {
        let store = try await openStore()
        let held = holdWriter(store)
        try await Task.sleep(for: .milliseconds(50))
        let a = Task { try await store.write { db in try db.execute(sql: "INSERT INTO parent (label) VALUES ('a')") } }
        let b = Task {
            try await store.write { db in
                try db.execute(sql: "INSERT INTO parent (label) VALUES ('b')")
                throw Refused.byTheWork
            }
        }
        let c = Task { try await store.write { db in try db.execute(sql: "INSERT INTO parent (label) VALUES ('c')") } }
        try await a.value
        await #expect(throws: Refused.self) { try await b.value }
        try await c.value
        try await held.value
        #expect(try await labels(store) == ["a", "c"])
    }

    @Test("a commit that fails fails every caller in its batch, and none of their work is stored")
    func failedCommitFailsTheBatch() async throws {
        let store = try await openStore()
        let held = holdWriter(store)
        try await Task.sleep(for: .milliseconds(50))
        // The dangling child passes its statement (the key is checked at COMMIT), so the whole batch's commit fails.
        let a = Task { try await store.write { db in try db.execute(sql: "INSERT INTO parent (label) VALUES ('a')") } }
        let b = Task { try await store.write { db in try db.execute(sql: "INSERT INTO child (parent_id) VALUES (999)") } }
        let c = Task { try await store.write { db in try db.execute(sql: "INSERT INTO parent (label) VALUES ('c')") } }
        let outcomes = [await a.result, await b.result, await c.result]
        try await held.value
        #expect(outcomes.allSatisfy { if case .failure = $0 { true } else { false } })
        #expect(try await labels(store).isEmpty)
        #expect(try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM child") } == 0)
        // The writer is not left stuck: the next write commits.
        try await store.write { db in try db.execute(sql: "INSERT INTO parent (label) VALUES ('d')") }
        #expect(try await labels(store) == ["d"])
    }
}
