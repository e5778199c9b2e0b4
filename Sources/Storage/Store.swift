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
        _ turn: InboundTurn, decide: @escaping @Sendable (TurnContext) throws -> TurnDecision
    ) async throws -> TurnResult

    /// Marks a session ended because the gateway said so; a report left open in it is kept as
    /// incomplete and escalated when its priority is P2 or higher.
    func endSession(gatewayID: String, externalSessionID: String, at: Date) async throws

    /// Does the same for every session idle past its channel's timeout; returns how many.
    func expireIdleSessions(now: Date, ussdIdle: TimeInterval, smsIdle: TimeInterval) async throws -> Int

    /// Proves the database takes writes (readiness).
    func checkWritable() async throws

    func findCase(reference: String) async throws -> StoredCase?
    func outbox() async throws -> [OutboxItem]
    func messageCount() async throws -> Int

    func close() async throws
}
