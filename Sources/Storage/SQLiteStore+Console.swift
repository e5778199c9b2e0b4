import Foundation
import GRDB

/// Console sessions, failed sign-ins and the feed of case changes the live pages follow.
extension SQLiteStore {
    public func createConsoleSession(_ session: ConsoleSession, at now: Date) async throws {
        try await write { db in
            try db.execute(cached: "DELETE FROM console_sessions WHERE expires_at < ?", arguments: [now])
            try db.execute(
                cached: """
                    INSERT INTO console_sessions (id_hash, operator_id, role, csrf, created_at, last_seen_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    session.idHash, session.operatorID, session.role, session.csrf, session.createdAt, session.lastSeenAt,
                    session.expiresAt,
                ])
            try Self.audit(db, actor: session.operatorID, action: "sign_in", reference: nil, detail: "console", at: now)
        }
    }

    public func consoleSession(idHash: String) async throws -> ConsoleSession? {
        try await pool.read { db -> ConsoleSession? in
            try Row.fetchOne(db, cached: "SELECT * FROM console_sessions WHERE id_hash = ?", arguments: [idHash]).map {
                ConsoleSession(
                    idHash: $0["id_hash"], operatorID: $0["operator_id"], role: $0["role"], csrf: $0["csrf"], createdAt: $0["created_at"],
                    lastSeenAt: $0["last_seen_at"], expiresAt: $0["expires_at"])
            }
        }
    }

    public func touchConsoleSession(idHash: String, at now: Date) async throws {
        try await write { db in
            try db.execute(cached: "UPDATE console_sessions SET last_seen_at = ? WHERE id_hash = ?", arguments: [now, idHash])
        }
    }

    public func deleteConsoleSession(idHash: String, at now: Date) async throws {
        try await write { db in
            if let operatorID = try String.fetchOne(
                db, cached: "SELECT operator_id FROM console_sessions WHERE id_hash = ?", arguments: [idHash])
            {
                try db.execute(cached: "DELETE FROM console_sessions WHERE id_hash = ?", arguments: [idHash])
                try Self.audit(db, actor: operatorID, action: "sign_out", reference: nil, detail: "console", at: now)
            }
        }
    }

    public func recordSignInFailure(operatorID: String, address: String, at now: Date) async throws {
        try await write { db in
            try db.execute(
                cached: "INSERT INTO sign_in_failures (at, operator_id, address) VALUES (?, ?, ?)", arguments: [now, operatorID, address])
            // Kept a day: long enough to see an attack in the audit trail, which keeps it for good.
            try db.execute(cached: "DELETE FROM sign_in_failures WHERE at < ?", arguments: [now.addingTimeInterval(-86_400)])
            try Self.audit(
                db, actor: "console", action: "sign_in_failed", reference: nil, detail: "operator '\(operatorID)' from \(address)", at: now)
        }
    }

    public func signInFailures(operatorID: String, address: String, since: Date) async throws -> SignInFailures {
        try await pool.read { db -> SignInFailures in
            let row = try Row.fetchOne(
                db,
                cached: """
                    SELECT COUNT(CASE WHEN operator_id = ? THEN 1 END) AS by_operator,
                      COUNT(CASE WHEN address = ? THEN 1 END) AS by_address, MIN(at) AS oldest
                    FROM sign_in_failures WHERE at >= ? AND (operator_id = ? OR address = ?)
                    """, arguments: [operatorID, address, since, operatorID, address])
            return SignInFailures(forOperator: row?["by_operator"] ?? 0, fromAddress: row?["by_address"] ?? 0, oldest: row?["oldest"])
        }
    }

    public func caseChanges(after id: Int64, limit: Int) async throws -> [CaseChange] {
        try await pool.read { db -> [CaseChange] in
            try Row.fetchAll(
                db,
                cached: """
                    SELECT e.id, e.kind, c.reference FROM case_events e JOIN cases c ON c.id = e.case_id
                    WHERE e.id > ? ORDER BY e.id LIMIT ?
                    """, arguments: [id, limit]
            ).map { CaseChange(id: $0["id"], kind: $0["kind"], reference: $0["reference"]) }
        }
    }

    public func lastCaseChangeID() async throws -> Int64 {
        try await pool.read { db -> Int64 in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM case_events") ?? 0 }
    }

    public func release(reference: String, actor: String, at now: Date) async throws {
        try await write { db in
            guard
                let row = try Row.fetchOne(
                    db, cached: "SELECT id, claimed_by, handling FROM cases WHERE reference = ?", arguments: [reference])
            else { throw OperatorActionError.notFound(reference) }
            guard let owner = row["claimed_by"] as String? else {
                throw OperatorActionError.conflict("case \(reference) is not claimed")
            }
            guard owner == actor else { throw OperatorActionError.conflict("case \(reference) is claimed by \(owner)") }
            try db.execute(
                cached:
                    "UPDATE cases SET claimed_by = NULL, handling = CASE handling WHEN 'claimed' THEN 'acknowledged' ELSE handling END WHERE id = ?",
                arguments: [row["id"] as Int64])
            try Self.addEvent(db, reference: reference, at: now, kind: "released", detail: "", actor: actor)
            try Self.audit(db, actor: actor, action: "release", reference: reference, detail: "", at: now)
        }
    }
}
