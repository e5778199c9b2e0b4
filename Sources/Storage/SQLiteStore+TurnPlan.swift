import Foundation
import GRDB
import HotlineCore

// A turn is decided before the single writer is asked for, against the session as last
// committed, and the writer only checks that the session is still exactly that before it
// writes. Deciding (the engine, the state's JSON, AES-GCM on every sealed column) is most of
// a turn's cost; done inside the writer it runs one turn at a time, done here it runs on as
// many cores as there are. A session that changed in between (a retry racing its original,
// a re-sealing) is decided again inside the writer, so what is written was always decided
// against what it replaces; so is a turn prepared under a data key since rotated away.

/// What a turn's decision depends on, as stored. Compared byte for byte: every write of a
/// session seals its columns afresh, under a new nonce, so equal rows mean an unchanged
/// session (and with the plaintext sealer, equal rows mean equal inputs).
struct TurnSnapshot: Equatable, Sendable {
    struct SessionRow: Equatable, Sendable {
        var id: Int64
        var stateSealed: Data
        var processedSealed: Data
        var lastReplySealed: Data
        var lastReplyContinues: Bool
    }

    /// A recent session of the same person, which may hold a report to continue.
    struct Candidate: Equatable, Sendable {
        var id: Int64
        var stateSealed: Data
    }

    var session: SessionRow?
    /// Read only when there is no session: a new conversation may take over an unfinished report.
    var candidates: [Candidate]
}

/// A turn worked out from a snapshot.
enum TurnPlan: Sendable {
    /// A gateway's retry of the request last answered: the same screen, nothing stored.
    case replay(StoredReply)
    case decided(SealedDecision)
    /// A new conversation while an unfinished report waits in another session: taking the
    /// report over closes that session, a write, so only the writer decides this turn.
    case takeOverUnfinished
}

/// A turn decided before the writer was asked for, with what it was decided against.
struct PreparedTurn: Sendable {
    /// The key everything below was sealed and hashed with: after a rotation, nothing of it is used.
    var keyID: String
    var personKey: String
    /// Nil when the early read or decision failed: the writer then decides alone.
    var early: (snapshot: TurnSnapshot, plan: TurnPlan)?
}

/// A decision with every column it writes already sealed.
struct SealedDecision: Sendable {
    var sessionID: Int64?
    var decision: TurnDecision
    var state: Data
    var processed: Data
    var lastReply: Data
    var inbound: Data
    var outbound: Data
}

extension SQLiteStore {
    /// Reads what `turn` is decided against; the same query serves the reader and the writer.
    static func snapshot(for turn: InboundTurn, personKey: String, db: Database) throws -> TurnSnapshot {
        let row: Row?
        switch turn.channel {
        case .ussd:
            row = try Row.fetchOne(db, cached: ussdSessionSQL, arguments: [turn.gatewayID, turn.externalSessionID])
        case .sms:
            row = try Row.fetchOne(db, cached: smsSessionSQL, arguments: [turn.gatewayID, personKey])
        }
        if let row {
            let session = TurnSnapshot.SessionRow(
                id: row["id"], stateSealed: row["state_sealed"], processedSealed: row["processed_sealed"],
                lastReplySealed: row["last_reply_sealed"], lastReplyContinues: row["last_reply_continues"])
            return TurnSnapshot(session: session, candidates: [])
        }
        let candidates = try Row.fetchAll(
            db, cached: unfinishedCandidatesSQL, arguments: [personKey, turn.receivedAt.addingTimeInterval(-turn.resumeWindow)])
        return TurnSnapshot(session: nil, candidates: candidates.map { .init(id: $0["id"], stateSealed: $0["state_sealed"]) })
    }

    static let ussdSessionSQL = """
        SELECT id, state_sealed, processed_sealed, last_reply_sealed, last_reply_continues
        FROM sessions WHERE gateway_id = ? AND external_id = ?
        """

    /// An SMS conversation is the person's active session on this gateway.
    static let smsSessionSQL = """
        SELECT id, state_sealed, processed_sealed, last_reply_sealed, last_reply_continues
        FROM sessions WHERE gateway_id = ? AND channel = 'sms' AND phone_key = ? AND status = 'active'
        ORDER BY updated_at DESC LIMIT 1
        """

    /// The person's sessions an unfinished report may be taken over from, newest first.
    static let unfinishedCandidatesSQL = """
        SELECT id, state_sealed FROM sessions
        WHERE phone_key = ? AND updated_at > ? AND status != 'superseded'
        ORDER BY updated_at DESC LIMIT 5
        """

    /// Decides `turn` against `snapshot`. Pure but for the sealer's random nonces.
    static func plan(
        _ snapshot: TurnSnapshot, turn: InboundTurn, sealer: any PersonalDataSealer,
        decide: @Sendable (TurnContext) throws -> TurnDecision
    ) throws -> TurnPlan {
        guard let row = snapshot.session else {
            for candidate in snapshot.candidates where try openState(candidate.stateSealed, sealer).unfinishedReport != nil {
                return .takeOverUnfinished
            }
            return .decided(try seal(decide(TurnContext(session: nil, unfinished: nil)), sessionID: nil, turn: turn, sealer: sealer))
        }
        let processed = try sealer.open(row.processedSealed)
        if turn.channel == .ussd && processed == turn.rawText {
            return .replay(StoredReply(text: try sealer.open(row.lastReplySealed), continues: row.lastReplyContinues))
        }
        let session = StoredSession(id: row.id, state: try openState(row.stateSealed, sealer), processedText: processed)
        return .decided(try seal(decide(TurnContext(session: session, unfinished: nil)), sessionID: row.id, turn: turn, sealer: sealer))
    }

    static func seal(_ decision: TurnDecision, sessionID: Int64?, turn: InboundTurn, sealer: any PersonalDataSealer) throws
        -> SealedDecision
    {
        SealedDecision(
            sessionID: sessionID, decision: decision, state: try sealState(decision.state, sealer),
            processed: try sealer.seal(turn.rawText),
            lastReply: try sealer.seal(decision.reply.text), inbound: try sealer.seal(decision.inboundText),
            outbound: try sealer.seal(decision.reply.text))
    }
}
