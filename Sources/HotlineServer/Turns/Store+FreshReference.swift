import Foundation
import Storage

extension Store {
    /// Records a turn whose decision may open a case under a fresh random reference. A
    /// collision is astronomically rare, but a report must never fail on it: another
    /// reference is drawn and the turn decided again.
    func recordTurn(
        _ turn: InboundTurn, referencePrefix: String, decide: @escaping @Sendable (TurnContext, String) -> TurnDecision
    ) async throws -> TurnResult {
        var attempt = 0
        while true {
            attempt += 1
            let reference = CaseReference.random(prefix: referencePrefix)
            do {
                return try await recordTurn(turn) { decide($0, reference) }
            } catch StoreError.caseReferenceTaken where attempt < 5 {
                continue
            }
        }
    }
}
