import Foundation
import Logging
import ServiceLifecycle
import Storage
import Synchronization

/// Follows the case history in the database and tells every open console page of this
/// instance what changed. It reads the database, not this process's memory, so a case
/// another instance (or a webhook on this one) wrote reaches every page alike.
public final class ConsoleEventHub: Service, Sendable {
    enum Message: Sendable {
        case change(CaseChange)
        /// Time to prove the stream alive to proxies, and to look at the session again.
        case heartbeat
    }

    private struct State {
        var subscribers: [UUID: AsyncStream<Message>.Continuation] = [:]
        /// The hub knows where the history stands: streams may open.
        var ready = false
        var closed = false
    }

    let store: any Store
    let pollInterval: Duration
    let heartbeatInterval: Duration
    let logger: Logger
    private let state = Mutex(State())

    public init(store: any Store, pollInterval: Duration = .milliseconds(250), heartbeatInterval: Duration = .seconds(15), logger: Logger) {
        self.store = store
        self.pollInterval = pollInterval
        self.heartbeatInterval = heartbeatInterval
        self.logger = logger
    }

    /// A stream of what happens from now on; nil once the service is shutting down (or if it
    /// has not read the history within 5 s of starting).
    func subscribe() async -> (id: UUID, messages: AsyncStream<Message>)? {
        let (stream, continuation) = AsyncStream.makeStream(of: Message.self, bufferingPolicy: .bufferingNewest(1000))
        let id = UUID()
        for _ in 0..<100 {
            let outcome = state.withLock { state -> Bool? in
                guard !state.closed else { return false }
                guard state.ready else { return nil }
                state.subscribers[id] = continuation
                return true
            }
            switch outcome {
            case true?: return (id, stream)
            case false?: return nil
            case nil: try? await Task.sleep(for: .milliseconds(50))
            }
        }
        return nil
    }

    /// Ends one stream (its page went away, or the server is shutting down).
    func unsubscribe(_ id: UUID) {
        state.withLock { $0.subscribers.removeValue(forKey: id) }?.finish()
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.follow() }
        // Streams end so the server's graceful shutdown is not held up by open pages.
        let open = state.withLock { state -> [AsyncStream<Message>.Continuation] in
            state.closed = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        open.forEach { $0.finish() }
    }

    /// Keeps the newest id it has seen; while pages listen it reads what came after it and
    /// passes it on. A page replays from its own last id when it opens, and this reads from
    /// an id older than that replay, so nothing falls between the two.
    private func follow() async {
        var last: Int64? = nil
        var sinceHeartbeat: Duration = .zero
        while !Task.isCancelled {
            do {
                if let after = last, subscriberCount > 0 {
                    var changes = try await store.caseChanges(after: after, limit: 500)
                    while let newest = changes.last?.id {
                        last = newest
                        broadcast(changes.map(Message.change))
                        changes = changes.count == 500 ? try await store.caseChanges(after: newest, limit: 500) : []
                    }
                } else {
                    // Read before looking at the subscribers: one that subscribes after this
                    // read replays after it, so the next pass, reading from here, misses nothing.
                    let newest = try await store.lastCaseChangeID()
                    if last == nil || subscriberCount == 0 { last = newest }
                    state.withLock { $0.ready = true }
                }
            } catch {
                logger.warning("console feed could not read case changes; will retry", metadata: ["error": "\(type(of: error))"])
            }
            sinceHeartbeat += pollInterval
            if sinceHeartbeat >= heartbeatInterval {
                sinceHeartbeat = .zero
                broadcast([.heartbeat])
            }
            try? await Task.sleep(for: pollInterval)
        }
    }

    private func broadcast(_ messages: [Message]) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers { for message in messages { subscriber.yield(message) } }
    }
}
