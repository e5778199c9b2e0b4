import Foundation
import HotlineCore

/// What the service must persist, named by what it means. `SQLiteStore` is the embedded
/// default; a PostgreSQL store implements the same protocol for several instances.
public protocol Store: Sendable {
    /// Records one turn: if it repeats the last request of its session, returns the reply
    /// already given and stores nothing. Otherwise calls `decide` with the session (nil for a
    /// new one) inside the write transaction, and commits the inbound message, the reply, the
    /// new state and every effect (case, outbox) together before returning.
    func recordTurn(
        _ turn: InboundTurn, decide: @escaping @Sendable (StoredSession?) throws -> TurnDecision
    ) async throws -> TurnResult

    /// Marks a session ended because the gateway said so.
    func endSession(gatewayID: String, externalSessionID: String, at: Date) async throws

    /// Proves the database takes writes (readiness).
    func checkWritable() async throws

    func findCase(reference: String) async throws -> StoredCase?
    func outbox() async throws -> [OutboxItem]
    func messageCount() async throws -> Int

    func close() async throws
}
