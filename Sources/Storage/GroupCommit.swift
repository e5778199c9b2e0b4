import GRDB
import Synchronization

/// Batches concurrent write transactions into one commit, so a burst of requests shares one
/// fsync instead of paying one each, while every caller still returns only after the
/// commit that holds its own work.
///
/// Callers queue their work; one drain at a time takes what is queued (while the previous
/// batch was committing, the next one gathered), runs it in SQLite's single writer as one
/// transaction, commits, and only then resumes each caller with its own result. Each piece
/// of work runs under its own savepoint: one that throws is undone alone, and its caller gets
/// that error. A failed commit fails everyone in the batch, so nobody is told their work is
/// stored when it is not.
final class GroupCommit: Sendable {
    /// Bounds one transaction, so a long queue cannot hold the write lock for long.
    static let maxBatch = 128

    private struct State {
        var queue: [Job] = []
        /// A drain is running: it will take whatever is queued before it stops.
        var draining = false
    }

    private let pool: DatabasePool
    private let state = Mutex(State())
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
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let answer = Answer(continuation)
            let job = Job(
                run: { db in answer.hold(Result { try Self.inSavepoint(db) { try work(db) } }) },
                publish: { answer.publish() },
                fail: { answer.fail($0) })
            let startsDrain = state.withLock { state in
                state.queue.append(job)
                defer { state.draining = true }
                return !state.draining
            }
            // One drain at a time, in a task of its own (not carrying this caller's task-locals or
            // priority into everyone's batches): a caller waits on its continuation, not
            // on a turn of the writer, so a batch of 100 costs the writer one visit, not 100.
            if startsDrain { Task.detached { await self.drain() } }
        }
    }

    /// Commits batches until the queue is empty, several per visit to the writer: the next
    /// batch gathers while the previous one commits, and starts without the writer idling.
    /// The visit ends after a few batches so that the writer's other users (a checkpoint,
    /// closing) get their turn under sustained load.
    private func drain() async {
        var more = true
        while more {
            do {
                more = try await pool.writeWithoutTransaction { db in
                    for _ in 0..<Self.batchesPerVisit {
                        let batch = self.take()
                        guard !batch.isEmpty else { return false }
                        self.commit(batch, db)
                    }
                    return true
                }
            } catch {
                // The writer could not be had at all (a closed pool): nothing queued can run.
                while case let batch = take(), !batch.isEmpty {
                    for job in batch { job.fail(error) }
                }
                return
            }
        }
    }

    static let batchesPerVisit = 8

    /// Runs a batch in one transaction and answers its callers: each with its own result once
    /// the commit is done, or all with the error when it could not be committed.
    private func commit(_ batch: [Job], _ db: Database) {
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
        } catch {
            for job in batch { job.fail(error) }
            return
        }
        // Counted before anyone hears back, so a caller reading the stats sees its own commit.
        commits.add(1, ordering: .relaxed)
        committedWrites.add(batch.count, ordering: .relaxed)
        for job in batch { job.publish() }
    }

    /// The next batch; when there is none, the drain ends and the next caller starts another.
    private func take() -> [Job] {
        state.withLock { state in
            let taken = Array(state.queue.prefix(Self.maxBatch))
            state.queue.removeFirst(taken.count)
            if taken.isEmpty { state.draining = false }
            return taken
        }
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

    /// One caller's work, and how to answer it: after the commit, or with the error that undid it.
    private struct Job: Sendable {
        let run: @Sendable (Database) -> Void
        let publish: @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
    }

    /// Resumes its caller exactly once: a continuation resumed twice would crash the service.
    private final class Answer<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            /// The work's result, held until its batch commits.
            var held: Result<T, any Error>?
        }
        private let state: Mutex<State>

        init(_ continuation: CheckedContinuation<T, any Error>) {
            state = Mutex(State(continuation: continuation))
        }

        func hold(_ result: Result<T, any Error>) { state.withLock { $0.held = result } }
        func publish() { resume { $0.held ?? .failure(GroupCommitError.notRun) } }
        func fail(_ error: any Error) { resume { _ in .failure(error) } }

        private func resume(_ result: (State) -> Result<T, any Error>) {
            let taken = state.withLock { state -> (CheckedContinuation<T, any Error>, Result<T, any Error>)? in
                guard let continuation = state.continuation else { return nil }
                state.continuation = nil
                return (continuation, result(state))
            }
            if let (continuation, result) = taken { continuation.resume(with: result) }
        }
    }
}

enum GroupCommitError: Error {
    /// A committed batch held work that never ran; never expected.
    case notRun
    /// SQLite ended the batch's transaction itself after an error.
    case transactionLost
}
