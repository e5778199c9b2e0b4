import Crypto
import Foundation
import Gateways
import HotlineCore
import Logging
import Storage

/// Turns one incoming SMS into one committed turn: the person's active conversation on this
/// gateway continues (or a new one starts), and the reply is queued in the outbox in the same
/// transaction, to go out through the gateway's send API. A message id seen before is
/// acknowledged and not processed again.
struct SMSTurnHandler: Sendable {
    let engine: ConversationEngine
    let store: any Store
    let service: ServiceConfig
    let logger: Logger
    /// On-call phones (from the escalation ladder) whose `OK <reference>` acknowledges a case.
    let onCall: Set<PhoneNumber>

    /// What became of one incoming SMS.
    struct Outcome {
        /// False for a message id already processed.
        var processed: Bool
        /// For a gateway that replies in the webhook response: the reply ("" for none).
        var syncReply: String
    }

    func handle(_ sms: InboundSMS, gateway: GatewayConfig, now: Date) async throws -> Outcome {
        if onCall.contains(sms.from), let reference = OperatorCommand.acknowledgedReference(in: sms.text) {
            let reply = try await acknowledge(reference, sms: sms, gateway: gateway, now: now)
            return Outcome(processed: true, syncReply: reply ?? "")
        }
        let hourAgo = now.addingTimeInterval(-3600)
        let status = try await store.contactStatus(sms.from, since: hourAgo)
        let limited = status.recentMessages >= service.abuse.maxMessagesPerHour
        // Urgent words always go through, and so do the answers of an urgent conversation
        // under way; everything else from a blocked or limited number waits.
        let urgent = status.inUrgentConversation || (engine.triage?.judge(text: sms.text).priority ?? .none) >= .p1
        var flags: [String] = []
        if status.blocked || limited {
            guard urgent else { return try await hold(sms, gateway: gateway, blocked: status.blocked, now: now) }
            flags.append(status.blocked ? "flagged: sent from a number operators blocked" : "flagged: sent over the hourly message limit")
        }
        // Without a gateway message id (Kannel without %I, some aggregators), a retry is
        // recognised by its fingerprint: for good when the gateway stamped the message's time,
        // otherwise within the gateway's window, since a person may send the same "1" again.
        let messageID =
            sms.messageID.isEmpty ? Self.fingerprint(sms, person: store.lookupKey(for: sms.from), gateway: gateway) : sms.messageID
        let window: TimeInterval? =
            sms.messageID.isEmpty && sms.receivedAt == nil ? TimeInterval(gateway.dedupeWindowSeconds) : nil
        var turn = InboundTurn(
            gatewayID: gateway.id, channel: .sms, externalSessionID: "sms:\(UUID().uuidString)", phone: sms.from,
            rawText: sms.text, receivedAt: now, resumeWindow: TimeInterval(service.sessions.resumeHours * 3600), messageID: messageID,
            duplicateWindow: window)
        turn.flags = flags
        // The count above was read before this message's turn; the store counts again where
        // turns are written one at a time, so a burst cannot pass the limit together.
        if !urgent { turn.hourlyLimit = (service.abuse.maxMessagesPerHour, hourAgo) }
        let result: TurnResult
        do {
            result = try await store.recordTurn(turn, referencePrefix: service.caseReferencePrefix) {
                [engine, service] turnContext, reference in
                Self.decide(
                    session: turnContext.session, unfinished: turnContext.unfinished, sms: sms, gateway: gateway, engine: engine,
                    context: StepContext(now: now, newCaseReference: reference, variables: service.screenVariables))
            }
        } catch StoreError.overHourlyLimit {
            return try await hold(sms, gateway: gateway, blocked: false, now: now)
        }
        logger.info(
            "sms turn", metadata: ["gateway": "\(gateway.id)", "phone": "\(sms.from.masked)", "duplicate": "\(result.replayed)"])
        return Outcome(processed: !result.replayed, syncReply: gateway.reply == .sync ? result.reply.text : "")
    }

    /// Pure: what this message means for the conversation. May run more than once for one request (see `Store.recordTurn`).
    static func decide(
        session: StoredSession?, unfinished: UnfinishedReport?, sms: InboundSMS, gateway: GatewayConfig, engine: ConversationEngine,
        context: StepContext
    ) -> TurnDecision {
        let step =
            session.map { engine.step($0.state, .text(sms.text), context) }
            ?? engine.firstMessage(sms.text, unfinished: unfinished, context)
        let effects = step.effects
        let rendered = gateway.encoding.renderSMS(step.screen.text)
        let stopped = Self.isStop(sms.text, engine: engine)
        let queued =
            gateway.reply == .api
            ? Self.messages(rendered.text, maxParts: gateway.maxParts).map {
                OutboundSMS(gatewayID: gateway.id, to: sms.from, text: $0, purpose: stopped ? .stopConfirmation : .conversation)
            } : []
        var decision = TurnDecision(
            state: step.state, reply: StoredReply(text: rendered.text, continues: step.screen.continues), inboundText: sms.text,
            effects: effects, messages: queued)
        decision.optOut = stopped
        return decision
    }

    /// STOP, HUY (any case, with or without marks): the person wants no more texts.
    static func isStop(_ text: String, engine: ConversationEngine) -> Bool {
        let folded = text.folded.trimmingCharacters(in: .whitespacesAndNewlines)
        return engine.flow.keywords.cancel.contains { $0.folded == folded }
    }

    /// A message from a blocked or limited number that is not urgent: acknowledged, not
    /// processed. A limited number gets one gentle note per hour; a blocked one nothing.
    private func hold(_ sms: InboundSMS, gateway: GatewayConfig, blocked: Bool, now: Date) async throws -> Outcome {
        logger.notice(
            blocked ? "message from a blocked number held" : "message over the hourly limit held",
            metadata: ["gateway": "\(gateway.id)", "phone": "\(sms.from.masked)"])
        if !sms.messageID.isEmpty {
            guard try await store.claimInboundMessage(gatewayID: gateway.id, messageID: sms.messageID, at: now) else {
                return Outcome(processed: false, syncReply: "")
            }
        }
        guard !blocked,
            try await store.claimInboundMessage(gatewayID: gateway.id, messageID: Self.noticeKey(sms, store: store, now: now), at: now)
        else { return Outcome(processed: false, syncReply: "") }
        let note = gateway.encoding.renderSMS(service.abuse.limitedReply).text
        if gateway.reply == .sync { return Outcome(processed: false, syncReply: note) }
        try await store.queueNotice(OutboundSMS(gatewayID: gateway.id, to: sms.from, text: note, purpose: .rateLimitNotice), at: now)
        return Outcome(processed: true, syncReply: "")
    }

    /// One gentle note per number per hour: the key names the hour.
    static func noticeKey(_ sms: InboundSMS, store: any Store, now: Date) -> String {
        "limit:\(store.lookupKey(for: sms.from)):\(Int(now.timeIntervalSince1970 / 3600))"
    }

    /// A reply longer than the gateway's `max_parts` goes as several messages, each within it.
    static func messages(_ text: String, maxParts: Int) -> [String] {
        let parts = SMSText.split(text)
        guard parts.count > max(1, maxParts) else { return [text] }
        return stride(from: 0, to: parts.count, by: max(1, maxParts)).map {
            parts[$0..<min($0 + max(1, maxParts), parts.count)].joined()
        }
    }

    /// Stands in for a missing gateway id: the same sender, recipient, text and gateway time
    /// give the same key. Built on the number's keyed hash, so the number cannot be guessed
    /// back from it.
    static func fingerprint(_ sms: InboundSMS, person: String, gateway: GatewayConfig) -> String {
        let time = sms.receivedAt.map { String($0.timeIntervalSince1970) } ?? ""
        let digest = SHA256.hash(data: Data("\(gateway.id)\u{1F}\(person)\u{1F}\(sms.to)\u{1F}\(sms.text)\u{1F}\(time)".utf8))
        return "fp:" + Hex.encode(digest.prefix(16))
    }

    /// Returns the confirmation when the gateway replies in the response, nil otherwise.
    /// The acknowledgement is recorded first and the message id claimed after: acknowledging
    /// is idempotent, so a crash between the two means the retry acknowledges again (and is
    /// told so), never that the message id is spent and the acknowledgement lost.
    private func acknowledge(_ reference: String, sms: InboundSMS, gateway: GatewayConfig, now: Date) async throws -> String? {
        let actor = "sms:\(sms.from.masked)"
        let answer: String
        do {
            let first = try await store.acknowledge(reference: reference, actor: actor, via: "SMS from on-call phone", at: now)
            answer =
                first
                ? "Da xac nhan \(reference). Cam on. / Acknowledged \(reference)."
                : "\(reference) da duoc xac nhan truoc do. / \(reference) was already acknowledged."
        } catch OperatorActionError.notFound {
            answer = "Khong tim thay ma \(reference). / No case \(reference)."
        }
        if !sms.messageID.isEmpty {
            guard try await store.claimInboundMessage(gatewayID: gateway.id, messageID: sms.messageID, at: now) else { return nil }
        }
        logger.notice("case acknowledged by SMS", metadata: ["case": "\(reference)", "phone": "\(sms.from.masked)"])
        if gateway.reply == .sync { return answer }
        try await store.queueNotice(OutboundSMS(gatewayID: gateway.id, to: sms.from, text: answer, purpose: .operatorNotice), at: now)
        return nil
    }
}

/// Commands on-call operators text to the service.
enum OperatorCommand {
    /// `OK QN-7K3M9P` (any case, extra spaces, `ok qn 7k3m9p`) → `QN-7K3M9P`.
    static func acknowledgedReference(in text: String) -> String? {
        let words = text.uppercased().split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
        guard words.count >= 2, words[0] == "OK" else { return nil }
        let rest = words.dropFirst().joined(separator: "-").replacingOccurrences(of: "--", with: "-")
        guard rest.count <= 24, rest.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return nil }
        return rest
    }
}
