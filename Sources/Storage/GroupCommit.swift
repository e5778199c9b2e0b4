import GRDB
import Synchronization

/// Batches concurrent write transactions into one commit, so a burst of requests shares one
/// fsync instead of paying one each, while every caller still returns only after the
/// commit that holds its own work.
///
/// Each caller queues its work, then asks SQLite's single writer to drain the queue. The
/// writer runs drains one after another, so by the time a caller's own drain runs, its work
/// was either taken by an earlier drain, which has committed (or failed) by then, or is
/// taken now. Each piece of work runs under its own savepoint: one that throws is undone
/// alone, and its caller gets that error. A failed commit fails everyone in the batch, so
/// nobody is told their work is stored when it is not.
final class GroupCommit: Sendable {
    /// Bounds one transaction, so a long queue cannot hold the write lock for long.
    static let maxBatch = 128

    private let pool: DatabasePool
    private let queue = Mutex<[Job]>([])
    private let committedWrites = Atomic<Int>(0)
    private let commits = Atomic<Int>(0)

    /// Writes committed so far, and the commits (fsyncs) they took.
    var stats: (writes: Int, commits: Int) {
        (committedWrites.load(ordering: .relaxed), commits.load(ordering: .relaxed))
    }

    init(pool: DatabasePool) {
        self.pool = pool
    }

    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let outcome = Outcome<T>()
        let job = Job(
            run: { db in
                do {
                    outcome.hold(.success(try Self.inSavepoint(db) { try work(db) }))
                } catch {
                    outcome.hold(.failure(error))
                }
            },
            publish: { outcome.publish() },
            fail: { outcome.set(.failure($0)) },
            isDone: { outcome.isDone })
        queue.withLock { $0.append(job) }
        try await pool.writeWithoutTransaction { db in
            while !job.isDone() {
                let batch = self.queue.withLock { queue in
                    let taken = Array(queue.prefix(Self.maxBatch))
                    queue.removeFirst(taken.count)
                    return taken
                }
                // Our job was queued before this drain was asked for, so it is either done or still queued.
                guard !batch.isEmpty else { break }
                if Self.commit(batch, db) {
                    self.commits.add(1, ordering: .relaxed)
                    self.committedWrites.add(batch.count, ordering: .relaxed)
                }
            }
        }
        return try outcome.result()
    }

    /// Runs `work` so that, when it throws, what it wrote is undone and the rest of the batch is
    /// not. The statements come from the connection's cache: GRDB's `inSavepoint` compiles
    /// two statements for every job, which cost more than some jobs.
    private static func inSavepoint<T>(_ db: Database, _ work: () throws -> T) throws -> T {
        try db.execute(cached: "SAVEPOINT job")
        let value: T
        do {
            value = try work()
        } catch {
            // Fails only when SQLite already rolled the whole transaction back (I/O, full
            // disk), which `commit` notices before the next job.
            try? db.execute(cached: "ROLLBACK TO SAVEPOINT job")
            try? db.execute(cached: "RELEASE SAVEPOINT job")
            throw error
        }
        try db.execute(cached: "RELEASE SAVEPOINT job")
        return value
    }

    /// Runs a batch in one transaction; false when its commit failed.
    private static func commit(_ batch: [Job], _ db: Database) -> Bool {
        do {
            try db.inTransaction(.immediate) {
                for job in batch {
                    // SQLite rolls a whole transaction back on some errors (a full disk, I/O):
                    // later work must not then run and commit on its own.
                    guard db.isInsideTransaction else { throw GroupCommitError.transactionLost }
                    job.run(db)
                }
                return .commit
            }
            for job in batch { job.publish() }
            return true
        } catch {
            for job in batch { job.fail(error) }
            return false
        }
    }

    private struct Job: Sendable {
        let run: @Sendable (Database) -> Void
        let publish: @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
        let isDone: @Sendable () -> Bool
    }

    /// One caller's result: held while its batch is uncommitted, published after the commit.
    private final class Outcome<T: Sendable>: Sendable {
        private struct State {
            var held: Result<T, any Error>?
            var final: Result<T, any Error>?
        }
        private let state = Mutex(State())

        func hold(_ result: Result<T, any Error>) { state.withLock { $0.held = result } }
        func publish() { state.withLock { $0.final = $0.held } }
        func set(_ result: Result<T, any Error>) { state.withLock { $0.final = result } }
        var isDone: Bool { state.withLock { $0.final != nil } }

        func result() throws -> T {
            guard let final = state.withLock({ $0.final }) else { throw GroupCommitError.notRun }
            return try final.get()
        }
    }
}

enum GroupCommitError: Error {
    /// A caller's drain found its work neither done nor queued; never expected.
    case notRun
    /// SQLite ended the batch's transaction itself after an error.
    case transactionLost
}
