import Foundation
import GRDB
import HotlineCore

/// The outbox: promises written in a turn's transaction, claimed and settled by the dispatcher.
extension SQLiteStore {
    static func queueSMS(
        _ message: OutboundSMS, caseID: Int64?, priority: Priority, at now: Date, sealer: any PersonalDataSealer, db: Database
    ) throws {
        if message.purpose.stopsAtOptOut, try optedOut(db, phoneKey: sealer.lookupKey(for: message.to)) { return }
        let sealed = try sealer.seal(String(decoding: try JSONEncoder.sorted.encode(message), as: UTF8.self))
        try db.execute(
            cached: """
                INSERT INTO outbox (kind, case_id, priority, payload, payload_sealed, status, due_at, created_at)
                VALUES ('sms', ?, ?, ?, ?, 'pending', ?, ?)
                """,
            arguments: [
                caseID, priority.rawValue,
                String(
                    decoding: try JSONEncoder.sorted.encode(["gateway": message.gatewayID, "purpose": message.purpose.rawValue]),
                    as: UTF8.self),
                sealed, now, now,
            ])
    }

    /// Starts the acknowledgement deadline of a case escalated at a priority that must be
    /// acknowledged, unless it runs already or someone acknowledged the case.
    static func startAcknowledgementClock(
        _ db: Database, reference: String, priority: Priority, at now: Date, acknowledgement: AcknowledgementPolicy
    ) throws {
        guard let deadline = acknowledgement.deadlines[priority] else { return }
        try db.execute(
            cached: """
                INSERT INTO outbox (kind, case_id, priority, payload, status, due_at, created_at)
                SELECT 'ack_check', c.id, ?, '{"tier":1}', 'pending', ?, ? FROM cases c
                WHERE c.reference = ? AND c.acknowledged_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = c.id AND o.kind = 'ack_check' AND o.status IN ('pending', 'sending'))
                """, arguments: [priority.rawValue, now.addingTimeInterval(deadline), now, reference])
    }

    public func releaseClaims(at now: Date) async throws -> Int {
        try await write { db in
            try db.execute(cached: "UPDATE outbox SET claimed_until = ? WHERE status = 'sending'", arguments: [now.addingTimeInterval(-1)])
            return db.changesCount
        }
    }

    public func claimDueOutbox(now: Date, limit: Int, lease: TimeInterval) async throws -> [ClaimedOutbox] {
        let sealer = self.sealer
        return try await write { db -> [ClaimedOutbox] in
            // A row left `sending` by a crashed run is due again once its lease ran out.
            let rows = try Row.fetchAll(
                db,
                cached: """
                    UPDATE outbox SET status = 'sending', claimed_until = ?, attempts = attempts + 1
                    WHERE id IN (
                      SELECT id FROM outbox
                      WHERE (status = 'pending' AND due_at <= ?) OR (status = 'sending' AND claimed_until < ?)
                      ORDER BY priority, due_at, id LIMIT ?)
                    RETURNING id, kind, case_id, priority, payload, payload_sealed, attempts, created_at
                    """, arguments: [now.addingTimeInterval(lease), now, now, limit])
            var claimed: [ClaimedOutbox] = []
            for row in rows {
                let reference = try (row["case_id"] as Int64?).flatMap {
                    try String.fetchOne(db, cached: "SELECT reference FROM cases WHERE id = ?", arguments: [$0])
                }
                let work: OutboxWork
                var body: String? = nil
                // A row that cannot be read is set aside, not thrown: one retired key or damaged
                // page must not stop every escalation behind it.
                do {
                    let sealed = try (row["payload_sealed"] as Data?).map { try sealer.open($0) }
                    switch row["kind"] as String {
                    case "escalation":
                        work = .escalation(reference: reference ?? "")
                        body = sealed
                    case "sms":
                        guard let sealed else { continue }
                        work = .sms(try JSONDecoder().decode(OutboundSMS.self, from: Data(sealed.utf8)), caseReference: reference)
                    case "ack_check":
                        let payload = try JSONDecoder().decode([String: Int].self, from: Data((row["payload"] as String).utf8))
                        work = .acknowledgementCheck(reference: reference ?? "", tier: payload["tier"] ?? 1)
                    case "referral_deadline":
                        let payload = try JSONDecoder().decode([String: Int64].self, from: Data((row["payload"] as String).utf8))
                        guard let deadline = payload["deadline"] else {
                            throw DecodingError.dataCorrupted(
                                .init(codingPath: [], debugDescription: "a referral deadline row names no deadline"))
                        }
                        work = .referralDeadline(reference: reference ?? "", deadlineID: deadline)
                    default:
                        continue
                    }
                } catch {
                    try Self.quarantine(
                        db, table: "outbox", rowID: row["id"], caseReference: reference, reason: Self.faultKind(error), at: now)
                    continue
                }
                claimed.append(
                    ClaimedOutbox(
                        id: row["id"], work: work, priority: Priority(rawValue: row["priority"]) ?? .none, attempts: row["attempts"],
                        createdAt: row["created_at"], storedBody: body))
            }
            // Most urgent first: the UPDATE's RETURNING order is not guaranteed.
            return claimed.sorted { ($0.priority, $1.id) > ($1.priority, $0.id) }
        }
    }

    /// Keeps the body of an escalation's first attempt, so every retry sends the same.
    public func keepEscalationBody(outboxID: Int64, body: String) async throws {
        let sealed = try sealer.seal(body)
        try await write { db in
            try db.execute(cached: "UPDATE outbox SET payload_sealed = ? WHERE id = ?", arguments: [sealed, outboxID])
        }
    }

    public func settleOutbox(_ item: ClaimedOutbox, outcome: OutboxOutcome, at now: Date) async throws {
        try await write { db in
            let reference = try String.fetchOne(
                db, cached: "SELECT c.reference FROM outbox o JOIN cases c ON c.id = o.case_id WHERE o.id = ?", arguments: [item.id])
            let kind = try String.fetchOne(db, cached: "SELECT kind FROM outbox WHERE id = ?", arguments: [item.id]) ?? ""
            switch outcome {
            case .delivered(let detail), .settled(let detail):
                let settled = if case .settled = outcome { true } else { false }
                try db.execute(
                    cached: "UPDATE outbox SET status = ?, delivered_at = ?, last_error = NULL, claimed_until = NULL WHERE id = ?",
                    arguments: [settled ? "settled" : "delivered", now, item.id])
                if let reference, kind == "escalation", !settled {
                    try Self.addEvent(db, reference: reference, at: now, kind: "escalation_delivered", detail: detail)
                }
            case .sent(let gatewayMessageID):
                try db.execute(
                    cached:
                        "UPDATE outbox SET status = 'delivered', delivered_at = ?, last_error = NULL, claimed_until = NULL WHERE id = ?",
                    arguments: [now, item.id])
                if case .sms(let message, _) = item.work {
                    if let reference, message.purpose == .operatorReply {
                        try Self.addEvent(db, reference: reference, at: now, kind: "reply_sent", detail: "SMS via \(message.gatewayID)")
                    }
                    // A report naming our reference may already have made the row.
                    try db.execute(
                        cached: "UPDATE outbound_messages SET gateway_message_id = ? WHERE outbox_id = ?",
                        arguments: [gatewayMessageID, item.id])
                    if db.changesCount == 0 {
                        try db.execute(
                            cached: """
                                INSERT OR IGNORE INTO outbound_messages (outbox_id, gateway_id, gateway_message_id, status, updated_at)
                                VALUES (?, ?, ?, 'sent', ?)
                                """, arguments: [item.id, message.gatewayID, gatewayMessageID, now])
                    }
                }
            case .retry(let at, let rawError):
                let error = Self.maskingDigits(rawError)
                try db.execute(
                    cached: "UPDATE outbox SET status = 'pending', due_at = ?, last_error = ?, claimed_until = NULL WHERE id = ?",
                    arguments: [at, error, item.id])
                if let reference, kind == "escalation", item.attempts == 1 {
                    try Self.addEvent(db, reference: reference, at: now, kind: "escalation_retrying", detail: error)
                }
            case .failed(let rawError):
                let error = Self.maskingDigits(rawError)
                try db.execute(
                    cached: "UPDATE outbox SET status = 'failed', last_error = ?, claimed_until = NULL WHERE id = ?",
                    arguments: [error, item.id])
                if let reference {
                    try Self.addEvent(db, reference: reference, at: now, kind: "\(kind)_failed", detail: error)
                }
            }
        }
    }

    /// The 111 system cannot take the case: start the alert ladder now rather than at the
    /// acknowledgement deadline.
    public func alertNow(reference: String, reason: String, at now: Date) async throws {
        try await write { db in
            guard
                let row = try Row.fetchOne(
                    db, cached: "SELECT id, priority, acknowledged_at FROM cases WHERE reference = ?", arguments: [reference]),
                (row["acknowledged_at"] as Date?) == nil
            else { return }
            try db.execute(
                cached: "UPDATE outbox SET due_at = ? WHERE case_id = ? AND kind = 'ack_check' AND status = 'pending'",
                arguments: [now, row["id"] as Int64])
            if db.changesCount == 0 {
                try db.execute(
                    cached: """
                        INSERT INTO outbox (kind, case_id, priority, payload, status, due_at, created_at)
                        VALUES ('ack_check', ?, ?, '{"tier":1}', 'pending', ?, ?)
                        """, arguments: [row["id"] as Int64, row["priority"] as String, now, now])
            }
            try Self.addEvent(db, reference: reference, at: now, kind: "fallback", detail: "SMS alerts now: \(reason)")
        }
    }

    /// One rung of the ladder, in one transaction: if the case is still unacknowledged, the
    /// alerts to `tier` are queued and the next deadline set; otherwise nothing is sent.
    /// Returns false when the case was acknowledged meanwhile.
    public func climbLadder(
        _ item: ClaimedOutbox, tier: Int, tierName: String, alerts: [OutboundSMS], nextTier: Int, nextCheck: Date, at now: Date
    ) async throws -> Bool {
        let sealer = self.sealer
        return try await write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    cached:
                        "SELECT c.id, c.reference, c.priority, c.acknowledged_at FROM outbox o JOIN cases c ON c.id = o.case_id WHERE o.id = ?",
                    arguments: [item.id])
            else { return false }
            if (row["acknowledged_at"] as Date?) != nil {
                try db.execute(cached: "UPDATE outbox SET status = 'settled', delivered_at = ? WHERE id = ?", arguments: [now, item.id])
                return false
            }
            let caseID: Int64 = row["id"]
            let priority = Priority(rawValue: row["priority"]) ?? .p1
            for alert in alerts {
                try Self.queueSMS(alert, caseID: caseID, priority: priority, at: now, sealer: sealer, db: db)
            }
            try db.execute(cached: "UPDATE outbox SET status = 'delivered', delivered_at = ? WHERE id = ?", arguments: [now, item.id])
            try db.execute(
                cached: """
                    INSERT INTO outbox (kind, case_id, priority, payload, status, due_at, created_at)
                    VALUES ('ack_check', ?, ?, ?, 'pending', ?, ?)
                    """, arguments: [caseID, priority.rawValue, "{\"tier\":\(nextTier)}", nextCheck, now])
            try Self.addEvent(
                db, reference: row["reference"], at: now, kind: "alerted",
                detail:
                    "not acknowledged: tier \(tier) (\(tierName)) alerted, \(alerts.count) phone(s); next check \(ISO8601DateFormatter().string(from: nextCheck))"
            )
            return true
        }
    }

    /// When the next pending row falls due, for the dispatcher's sleep.
    public func nextOutboxDue() async throws -> Date? {
        try await pool.read { db in
            try Date.fetchOne(
                db,
                cached: """
                    SELECT MIN(CASE status WHEN 'pending' THEN due_at ELSE claimed_until END) FROM outbox
                    WHERE status IN ('pending', 'sending')
                    """)
        }
    }

    /// A gateway's error text may quote the number it could not reach ("Invalid 'To' Phone
    /// Number: +849..."): runs of six or more digits are masked before it is stored.
    static func maskingDigits(_ text: String) -> String {
        var out = ""
        var run = ""
        func flush() {
            out += run.count >= 6 ? String(run.prefix(4)) + String(repeating: "*", count: run.count - 4) : run
            run = ""
        }
        for character in text {
            if character.isASCII && character.isNumber {
                run.append(character)
            } else {
                flush()
                out.append(character)
            }
        }
        flush()
        return out
    }

    static func optedOut(_ db: Database, phoneKey: String) throws -> Bool {
        try Bool.fetchOne(db, cached: "SELECT 1 FROM opt_outs WHERE phone_key = ?", arguments: [phoneKey]) == true
    }

    /// True when the person sent STOP/HUY since: a text to them that was queued before then is
    /// not sent.
    public func smsStopped(to phone: PhoneNumber) async throws -> Bool {
        let key = sealer.lookupKey(for: phone)
        return try await pool.read { db in try Self.optedOut(db, phoneKey: key) }
    }

    /// A gateway's delivery report on an SMS we sent; false when no sent message has that id.
    /// A report never moves a message back: gateways send "submitted" and "delivered" in
    /// parallel, and the later one may arrive first.
    public func recordDelivery(gatewayID: String, gatewayMessageID: String, status: String, detail: String, at now: Date)
        async throws -> Bool
    {
        try await write { db in
            var outboxID = try Int64.fetchOne(
                db, cached: "SELECT outbox_id FROM outbound_messages WHERE gateway_id = ? AND gateway_message_id = ?",
                arguments: [gatewayID, gatewayMessageID])
            if outboxID == nil, gatewayMessageID.hasPrefix(OutboundReference.prefix),
                let candidate = Int64(gatewayMessageID.dropFirst(OutboundReference.prefix.count)),
                try Bool.fetchOne(
                    db, cached: "SELECT 1 FROM outbox WHERE id = ? AND kind = 'sms' AND json_extract(payload, '$.gateway') = ?",
                    arguments: [candidate, gatewayID]) == true
            {
                // Our own reference (`hl-<outbox id>`), echoed back, perhaps before the send settled.
                outboxID = candidate
                if try Row.fetchOne(db, cached: "SELECT 1 FROM outbound_messages WHERE outbox_id = ?", arguments: [candidate]) == nil {
                    try db.execute(
                        cached: """
                            INSERT INTO outbound_messages (outbox_id, gateway_id, gateway_message_id, status, updated_at)
                            VALUES (?, ?, NULL, 'sent', ?)
                            """, arguments: [candidate, gatewayID, now])
                }
            }
            guard let outboxID else { return false }
            try db.execute(
                cached: """
                    UPDATE outbound_messages SET status = ?, detail = ?, updated_at = ?
                    WHERE outbox_id = ? AND (? != 'sent' OR status NOT IN ('delivered', 'failed'))
                    """, arguments: [status, detail, now, outboxID, status])
            // An operator's reply shows its delivery in the case's timeline (and live consoles).
            if db.changesCount > 0,
                let reference = try String.fetchOne(
                    db,
                    cached: """
                        SELECT c.reference FROM outbox o JOIN cases c ON c.id = o.case_id
                        WHERE o.id = ? AND json_extract(o.payload, '$.purpose') = ?
                        """, arguments: [outboxID, SMSPurpose.operatorReply.rawValue])
            {
                try Self.addEvent(db, reference: reference, at: now, kind: "reply_\(status)", detail: "SMS via \(gatewayID)")
            }
            return true
        }
    }

    public func outboxSummaries(kind: String?, status: String?, limit: Int) async throws -> [OutboxItemSummary] {
        try await pool.read { db -> [OutboxItemSummary] in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let kind {
                conditions.append("o.kind = ?")
                arguments.append(kind)
            }
            if let status {
                conditions.append("o.status = ?")
                arguments.append(status)
            }
            arguments.append(limit)
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db,
                cached: """
                    SELECT o.*, c.reference FROM outbox o LEFT JOIN cases c ON c.id = o.case_id \(filter)
                    ORDER BY o.priority, o.id LIMIT ?
                    """, arguments: StatementArguments(arguments)
            ).map {
                OutboxItemSummary(
                    id: $0["id"], kind: $0["kind"], caseReference: $0["reference"], priority: Priority(rawValue: $0["priority"]) ?? .none,
                    status: $0["status"], attempts: $0["attempts"], lastError: $0["last_error"], dueAt: $0["due_at"],
                    deliveredAt: $0["delivered_at"])
            }
        }
    }

    /// Delivery statuses of SMS sent, oldest first (tests and the operator API).
    public func outboundMessageStatuses() async throws -> [(gatewayMessageID: String?, status: String)] {
        try await pool.read { db in
            try Row.fetchAll(db, cached: "SELECT gateway_message_id, status FROM outbound_messages ORDER BY id").map {
                ($0["gateway_message_id"], $0["status"])
            }
        }
    }
}
