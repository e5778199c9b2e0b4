import Foundation
import GRDB
import HotlineCore
import Synchronization

/// The embedded default store: one SQLite file in WAL mode, every turn one transaction,
/// `synchronous = FULL` so a commit is on disk before the gateway hears 200.
public final class SQLiteStore: Store {
    let pool: DatabasePool
    let sealer: any PersonalDataSealer
    let acknowledgement: AcknowledgementPolicy
    /// Nil when each write commits on its own (`groupCommit: false`, for comparison).
    let groupCommit: GroupCommit?
    /// The data key every sealed row was last found sealed with (see `resealBatch`).
    let cleanUnderKey = CleanKey()
    /// This database's random id, made when it was created (see `DeploymentID`).
    public let deploymentID: String

    /// Opens (creating the folder and file when needed) and migrates the database at `path`.
    /// With `groupCommit`, concurrent writes share commits (see `GroupCommit`).
    public init(
        path: String, sealer: any PersonalDataSealer = PlaintextSealer(), acknowledgement: AcknowledgementPolicy = AcknowledgementPolicy(),
        groupCommit: Bool = true
    ) throws {
        self.acknowledgement = acknowledgement
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(cached: "PRAGMA synchronous = FULL")
            // Deleted and replaced personal data is overwritten, not left in free pages.
            try db.execute(cached: "PRAGMA secure_delete = ON")
        }
        pool = try DatabasePool(path: path, configuration: config)
        // Set again on the writer: opening the pool switches it to WAL and, with that, to
        // `synchronous = NORMAL`, under which a commit is not fsynced and a power cut could
        // lose turns already answered 200.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        self.sealer = sealer
        self.groupCommit = groupCommit ? GroupCommit(pool: pool) : nil
        try Migrations.migrator.migrate(pool)
        guard let id = try pool.read({ db in try String.fetchOne(db, sql: "SELECT id FROM deployment") }), !id.isEmpty else {
            throw StoreError.noDeploymentID
        }
        deploymentID = id
    }

    /// Writes committed and the commits they took, when commits are shared.
    public var groupCommitStats: (writes: Int, commits: Int)? { groupCommit?.stats }

    /// Every write goes through here: one transaction, committed (with fsync) before it returns.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if let groupCommit { return try await groupCommit.write(work) }
        return try await pool.write(work)
    }

    public func recordTurn(
        _ turn: InboundTurn, decide: @escaping @Sendable (TurnContext) throws -> TurnDecision
    ) async throws -> TurnResult {
        try await commitTurn(turn, prepared: await prepareTurn(turn, decide: decide), decide: decide)
    }

    /// Decides `turn` against the session as committed now, on the caller's core; the writer
    /// uses the decision only if the session is still the same (see SQLiteStore+TurnPlan).
    func prepareTurn(_ turn: InboundTurn, decide: @escaping @Sendable (TurnContext) throws -> TurnDecision) async -> PreparedTurn {
        let sealer = self.sealer
        // Read first: a rotation during this work makes the writer decide again, never the reverse.
        let keyID = sealer.currentKeyID
        let personKey = sealer.lookupKey(for: turn.phone)
        // Any failure here is left to the writer, which decides again and reports it.
        guard let snapshot = try? await pool.read({ db in try Self.snapshot(for: turn, personKey: personKey, db: db) }),
            let plan = try? Self.plan(snapshot, turn: turn, sealer: sealer, decide: decide)
        else { return PreparedTurn(keyID: keyID, personKey: personKey, early: nil) }
        return PreparedTurn(keyID: keyID, personKey: personKey, early: (snapshot, plan))
    }

    /// Writes `turn` in the single writer: as `prepared` decided it when its session is
    /// unchanged, otherwise decided again against the session as it is now.
    func commitTurn(
        _ turn: InboundTurn, prepared: PreparedTurn, decide: @escaping @Sendable (TurnContext) throws -> TurnDecision
    ) async throws -> TurnResult {
        let sealer = self.sealer
        let acknowledgement = self.acknowledgement
        // Formatted once here rather than by GRDB for every statement in the writer.
        let stamp = turn.receivedAt.databaseValue
        return try await write { db in
            // Under a rotated key the number's hash and every sealed column are made again.
            let sameKey = sealer.currentKeyID == prepared.keyID
            let personKey = sameKey ? prepared.personKey : sealer.lookupKey(for: turn.phone)
            if let messageID = turn.messageID {
                if let window = turn.duplicateWindow {
                    try db.execute(
                        cached: """
                            INSERT INTO inbound_ids (gateway_id, message_id, received_at) VALUES (?, ?, ?)
                            ON CONFLICT (gateway_id, message_id) DO UPDATE SET received_at = excluded.received_at
                            WHERE inbound_ids.received_at < ?
                            """, arguments: [turn.gatewayID, messageID, stamp, turn.receivedAt.addingTimeInterval(-window)])
                } else {
                    try db.execute(
                        cached: "INSERT OR IGNORE INTO inbound_ids (gateway_id, message_id, received_at) VALUES (?, ?, ?)",
                        arguments: [turn.gatewayID, messageID, stamp])
                }
                if db.changesCount == 0 {
                    // Seen before: nothing is processed or queued again. A gateway that takes
                    // the reply in the response retries only when it did not get it, so the
                    // reply is given again when this text is still the conversation's last.
                    let reply = try Self.lastReply(to: turn, personKey: personKey, sealer: sealer, db: db)
                    return TurnResult(reply: StoredReply(text: reply ?? "", continues: true), replayed: true)
                }
            }
            if let limit = turn.hourlyLimit,
                try Int.fetchOne(db, cached: Self.recentMessagesSQL, arguments: [personKey, limit.since]) ?? 0 >= limit.max
            {
                // Thrown, so this job's savepoint undoes the message id recorded above: the
                // caller holds the message, and a retry of it is held too, not replayed empty.
                throw StoreError.overHourlyLimit
            }
            let snapshot = try Self.snapshot(for: turn, personKey: personKey, db: db)
            let plan =
                if sameKey, let early = prepared.early, early.snapshot == snapshot { early.plan } else {
                    try Self.plan(snapshot, turn: turn, sealer: sealer, decide: decide)
                }
            let sealed: SealedDecision
            switch plan {
            case .replay(let reply):
                return TurnResult(reply: reply, replayed: true)
            case .decided(let decided):
                sealed = decided
            case .takeOverUnfinished:
                let unfinished = try Self.takeUnfinished(
                    from: snapshot.candidates, at: turn.receivedAt, sealer: sealer, acknowledgement: acknowledgement, db: db)
                sealed = try Self.seal(
                    decide(TurnContext(session: nil, unfinished: unfinished)), sessionID: nil, turn: turn, sealer: sealer)
            }
            let decision = sealed.decision
            let now = turn.receivedAt
            let sessionID: Int64
            if let existing = sealed.sessionID {
                sessionID = existing
                try db.execute(
                    cached: """
                        UPDATE sessions SET state_sealed = ?, processed_sealed = ?, last_reply_sealed = ?,
                          last_reply_continues = ?, updated_at = ?, status = ? WHERE id = ?
                        """,
                    arguments: [
                        sealed.state, sealed.processed, sealed.lastReply, decision.reply.continues, stamp,
                        decision.reply.continues ? "active" : "ended", sessionID,
                    ])
            } else {
                try db.execute(
                    cached: """
                        INSERT INTO sessions (gateway_id, channel, external_id, phone_sealed, phone_key, state_sealed,
                          processed_sealed, last_reply_sealed, last_reply_continues, status, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        turn.gatewayID, turn.channel.rawValue, turn.externalSessionID, try sealer.seal(turn.phone.value),
                        personKey, sealed.state, sealed.processed, sealed.lastReply, decision.reply.continues,
                        decision.reply.continues ? "active" : "ended", stamp, stamp,
                    ])
                sessionID = db.lastInsertedRowID
            }

            try Self.apply(
                decision.effects, turn: turn, sessionID: sessionID, sealer: sealer, acknowledgement: acknowledgement, db: db)

            let seq =
                try Int.fetchOne(db, cached: "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE session_id = ?", arguments: [sessionID]) ?? 0
            let caseID = try decision.state.report.flatMap {
                try Int64.fetchOne(db, cached: "SELECT id FROM cases WHERE reference = ?", arguments: [$0.reference])
            }
            try db.execute(
                cached: """
                    INSERT INTO messages (session_id, direction, seq, body_sealed, created_at, case_id)
                    VALUES (?, 'in', ?, ?, ?, ?), (?, 'out', ?, ?, ?, ?)
                    """,
                arguments: [
                    sessionID, seq + 1, sealed.inbound, stamp, caseID,
                    sessionID, seq + 2, sealed.outbound, stamp, caseID,
                ])
            if sealed.sessionID == nil && !decision.optOut {
                // A new conversation is the person writing again: texts may go to them again.
                try db.execute(cached: "DELETE FROM opt_outs WHERE phone_key = ?", arguments: [personKey])
            }
            for message in decision.messages {
                try Self.queueSMS(
                    message, caseID: caseID, priority: decision.state.report?.priority ?? .none, at: now, sealer: sealer, db: db)
            }
            if decision.optOut {
                try db.execute(
                    cached: "INSERT OR REPLACE INTO opt_outs (phone_key, at) VALUES (?, ?)", arguments: [personKey, stamp])
            }
            return TurnResult(reply: decision.reply, replayed: false)
        }
    }

    private static func apply(
        _ effects: [StepEffect], turn: InboundTurn, sessionID: Int64, sealer: any PersonalDataSealer,
        acknowledgement: AcknowledgementPolicy, db: Database
    ) throws {
        let now = turn.receivedAt
        for effect in effects {
            switch effect {
            case .openCase(let reference):
                do {
                    try db.execute(
                        cached: """
                            INSERT INTO cases (reference, session_id, gateway_id, channel, priority, status, language,
                              answers_sealed, created_at, updated_at)
                            VALUES (?, ?, ?, ?, 'none', 'open', '', ?, ?, ?)
                            """,
                        arguments: [reference, sessionID, turn.gatewayID, turn.channel.rawValue, try sealer.seal("{}"), now, now])
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    throw StoreError.caseReferenceTaken(reference)
                }
                try addEvent(db, reference: reference, at: now, kind: "opened", detail: "via \(turn.gatewayID) (\(turn.channel.rawValue))")
            case .saveCase(let snapshot):
                let draft = snapshot.draft
                let previous = try Row.fetchOne(
                    db, cached: "SELECT priority, status, reasons FROM cases WHERE reference = ?", arguments: [draft.reference])
                let answers = String(decoding: try JSONEncoder.sorted.encode(snapshot.answers), as: UTF8.self)
                // Flags ("sent from a blocked number") stay with the case whatever later turns say.
                let kept = (previous?["reasons"] as String?).flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
                var reasons = draft.reasons
                for flag in kept + turn.flags where flag.hasPrefix("flagged:") && !reasons.contains(flag) { reasons.append(flag) }
                try db.execute(
                    cached: """
                        UPDATE cases SET category = ?, priority = ?, reasons = ?, status = ?, language = ?, answers_sealed = ?,
                          updated_at = ? WHERE reference = ?
                        """,
                    arguments: [
                        snapshot.category, draft.priority.rawValue,
                        String(decoding: try JSONEncoder().encode(reasons), as: UTF8.self), draft.status.rawValue,
                        snapshot.language, try sealer.seal(answers), now, draft.reference,
                    ])
                if let previous, previous["priority"] != draft.priority.rawValue {
                    try addEvent(
                        db, reference: draft.reference, at: now, kind: "priority",
                        detail: "\(previous["priority"] as String) -> \(draft.priority.rawValue): \(draft.reasons.last ?? "")")
                }
                if let previous, previous["status"] != draft.status.rawValue {
                    try addEvent(db, reference: draft.reference, at: now, kind: "status", detail: draft.status.rawValue)
                }
            case .escalate(let reference, let priority, let reasons):
                try queueEscalation(
                    db, reference: reference, priority: priority, reasons: reasons + turn.flags, at: now, acknowledgement: acknowledgement)
                for flag in turn.flags { try addEvent(db, reference: reference, at: now, kind: "flagged", detail: flag) }
            case .endSession:
                try db.execute(cached: "UPDATE sessions SET status = 'ended' WHERE id = ?", arguments: [sessionID])
            }
        }
    }

    /// The reply the person's active SMS conversation last gave, when `turn`'s text is the
    /// one it answered.
    private static func lastReply(to turn: InboundTurn, personKey: String, sealer: any PersonalDataSealer, db: Database) throws
        -> String?
    {
        guard turn.channel == .sms,
            let row = try Row.fetchOne(
                db,
                cached: """
                    SELECT processed_sealed, last_reply_sealed FROM sessions
                    WHERE gateway_id = ? AND channel = 'sms' AND phone_key = ? AND status != 'superseded'
                    ORDER BY updated_at DESC LIMIT 1
                    """, arguments: [turn.gatewayID, personKey]),
            try sealer.open(row["processed_sealed"]) == turn.rawText
        else { return nil }
        return try sealer.open(row["last_reply_sealed"])
    }

    /// The most recent unfinished report among `candidates` (the person's sessions in the
    /// resume window, as this transaction's snapshot read them), from a session which is
    /// marked superseded so the report is offered once, by this session.
    private static func takeUnfinished(
        from candidates: [TurnSnapshot.Candidate], at now: Date, sealer: any PersonalDataSealer,
        acknowledgement: AcknowledgementPolicy, db: Database
    ) throws -> UnfinishedReport? {
        for candidate in candidates {
            let state = try openState(candidate.stateSealed, sealer)
            guard state.unfinishedReport != nil else { continue }
            // Closing it first marks an open report incomplete (escalating it when P2+), so
            // it is on file whatever the person answers to the offer.
            return try close(
                session: candidate.id, state: state, status: "superseded", at: now, sealer: sealer, acknowledgement: acknowledgement,
                db: db
            ).unfinishedReport
        }
        return nil
    }

    /// The conversation state a session row holds, through the sealer.
    static func openState(_ row: Row, _ sealer: any PersonalDataSealer) throws -> ConversationState {
        try openState(row["state_sealed"] as Data, sealer)
    }

    static func openState(_ sealed: Data, _ sealer: any PersonalDataSealer) throws -> ConversationState {
        try JSONDecoder().decode(ConversationState.self, from: Data(try sealer.open(sealed).utf8))
    }

    static func sealState(_ state: ConversationState, _ sealer: any PersonalDataSealer) throws -> Data {
        try sealer.seal(String(decoding: try JSONEncoder().encode(state), as: UTF8.self))
    }

    /// Closes a session that will hear nothing more: an open report in it becomes incomplete
    /// (kept, so the person can continue it) and is escalated when P2 or higher. Returns the
    /// state as written.
    @discardableResult
    private static func close(
        session id: Int64, state: ConversationState, status: String, at: Date, sealer: any PersonalDataSealer,
        acknowledgement: AcknowledgementPolicy, db: Database
    ) throws -> ConversationState {
        var state = state
        if var report = state.report, report.status == .open {
            report.status = .incomplete
            let escalate = report.priority >= .p2 && (report.escalatedAt.map { $0 < report.priority } ?? true)
            if escalate { report.escalatedAt = report.priority }
            state.report = report
            try db.execute(
                cached: "UPDATE cases SET status = 'incomplete', updated_at = ? WHERE reference = ?", arguments: [at, report.reference])
            try addEvent(db, reference: report.reference, at: at, kind: "status", detail: "incomplete (session \(status))")
            if escalate {
                try queueEscalation(
                    db, reference: report.reference, priority: report.priority, reasons: report.reasons, at: at,
                    acknowledgement: acknowledgement)
            }
        }
        try db.execute(
            cached: "UPDATE sessions SET status = ?, state_sealed = ?, updated_at = ? WHERE id = ?",
            arguments: [status, try sealState(state, sealer), at, id])
        return state
    }

    static func queueEscalation(
        _ db: Database, reference: String, priority: Priority, reasons: [String], at now: Date, acknowledgement: AcknowledgementPolicy
    ) throws {
        let payload = String(
            decoding: try JSONEncoder.sorted.encode(["reference": reference, "reasons": reasons.joined(separator: "; ")]), as: UTF8.self)
        try db.execute(
            cached: """
                INSERT INTO outbox (kind, case_id, priority, payload, status, due_at, created_at)
                VALUES ('escalation', (SELECT id FROM cases WHERE reference = ?), ?, ?, 'pending', ?, ?)
                """, arguments: [reference, priority.rawValue, payload, now, now])
        try addEvent(db, reference: reference, at: now, kind: "escalation_queued", detail: priority.rawValue)
        try startAcknowledgementClock(db, reference: reference, priority: priority, at: now, acknowledgement: acknowledgement)
    }

    static func addEvent(_ db: Database, reference: String, at: Date, kind: String, detail: String, actor: String? = nil) throws {
        try db.execute(
            cached: "INSERT INTO case_events (case_id, at, kind, detail, actor) SELECT id, ?, ?, ?, ? FROM cases WHERE reference = ?",
            arguments: [at, kind, detail, actor, reference])
    }

    public func endSession(gatewayID: String, externalSessionID: String, at: Date) async throws {
        let sealer = self.sealer
        let acknowledgement = self.acknowledgement
        try await write { db in
            guard
                let row = try Row.fetchOne(
                    db, cached: "SELECT id, state_sealed FROM sessions WHERE gateway_id = ? AND external_id = ? AND status = 'active'",
                    arguments: [gatewayID, externalSessionID])
            else { return }
            try Self.close(
                session: row["id"], state: try Self.openState(row, sealer), status: "ended", at: at, sealer: sealer,
                acknowledgement: acknowledgement, db: db)
        }
    }

    public func expireIdleSessions(now: Date, ussdIdle: TimeInterval, smsIdle: TimeInterval) async throws -> Int {
        let sealer = self.sealer
        let acknowledgement = self.acknowledgement
        var expired = 0
        // In batches: a crowd of sessions idle at once (a campaign's replies, 180 s later)
        // must not hold the single writer, and every request behind it, for seconds.
        while true {
            let count = try await write { db in
                let rows = try Row.fetchAll(
                    db,
                    cached: """
                        SELECT id, state_sealed FROM sessions WHERE status = 'active'
                          AND ((channel = 'ussd' AND updated_at < ?) OR (channel = 'sms' AND updated_at < ?))
                        LIMIT ?
                        """, arguments: [now.addingTimeInterval(-ussdIdle), now.addingTimeInterval(-smsIdle), Self.sweepBatch])
                for row in rows {
                    let state: ConversationState
                    do {
                        state = try Self.openState(row, sealer)
                    } catch {
                        // Set aside, so the sweep does not meet it first in every batch for ever.
                        try Self.quarantine(
                            db, table: "sessions", rowID: row["id"], caseReference: nil, reason: Self.faultKind(error), at: now)
                        continue
                    }
                    try Self.close(
                        session: row["id"], state: state, status: "expired", at: now, sealer: sealer, acknowledgement: acknowledgement,
                        db: db)
                }
                return rows.count
            }
            expired += count
            if count < Self.sweepBatch { return expired }
        }
    }

    /// Rows a maintenance transaction handles at most.
    static let sweepBatch = 200

    public func checkWritable() async throws {
        try await write { db in
            try db.execute(cached: "INSERT OR REPLACE INTO readiness (id, checked_at) VALUES (1, ?)", arguments: [Date()])
        }
    }

    public func findCase(reference: String) async throws -> StoredCase? {
        let sealer = self.sealer
        return try await pool.read { db -> StoredCase? in
            guard
                let row = try Row.fetchOne(
                    db,
                    cached: """
                        SELECT c.*, s.phone_sealed FROM cases c LEFT JOIN sessions s ON s.id = c.session_id
                        WHERE c.reference = ?
                        """, arguments: [reference])
            else { return nil }
            let answers = try JSONDecoder().decode([String: String].self, from: Data(try sealer.open(row["answers_sealed"]).utf8))
            let reasons = try JSONDecoder().decode([String].self, from: Data((row["reasons"] as String).utf8))
            let sealedPhone = (row["phone_sealed"] as Data?) ?? (row["contact_phone_sealed"] as Data?)
            let phone = try sealedPhone.map { try PhoneNumber(parsing: try sealer.open($0)) }
            return StoredCase(
                reference: row["reference"], category: row["category"],
                priority: Priority(rawValue: row["priority"]) ?? .none, reasons: reasons,
                status: CaseStatus(rawValue: row["status"]) ?? .open, answers: answers, language: row["language"],
                gatewayID: row["gateway_id"], channel: CaseChannel(rawValue: row["channel"]) ?? .ussd, phone: phone,
                createdAt: row["created_at"], updatedAt: row["updated_at"])
        }
    }

    public func outbox(kind: String?) async throws -> [OutboxItem] {
        try await pool.read { db -> [OutboxItem] in
            try Row.fetchAll(
                db,
                cached: """
                    SELECT o.id, o.kind, c.reference, o.priority, o.status FROM outbox o
                    LEFT JOIN cases c ON c.id = o.case_id \(kind == nil ? "" : "WHERE o.kind = ?") ORDER BY o.id
                    """, arguments: StatementArguments(kind.map { [$0] } ?? [])
            ).map {
                OutboxItem(
                    id: $0["id"], kind: $0["kind"], caseReference: $0["reference"],
                    priority: Priority(rawValue: $0["priority"]) ?? .none, status: $0["status"])
            }
        }
    }

    public func messageCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, cached: "SELECT COUNT(*) FROM messages") ?? 0 }
    }

    public func close() async throws {
        // Copies the WAL into the database file and empties it: the last connection to close
        // may be a read-only one, which cannot, and pages replaced by re-sealing would then
        // keep their old bytes in the main file until the next start.
        // Best effort: on a disk that has failed, closing must still go ahead.
        _ = try? await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        try pool.close()
    }
}

extension JSONEncoder {
    /// Stable key order, so identical answers seal to identical bytes.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

/// Holds the key id a clean database was found sealed with.
final class CleanKey: Sendable {
    private let value = Mutex<String?>(nil)
    func withLock<R>(_ body: (inout String?) -> R) -> R { value.withLock { body(&$0) } }
}
