import Foundation
import Gateways
import HotlineCore
import Logging
import ServiceLifecycle
import Storage
import Synchronization

/// Delivers what turns promised: escalations to the 111 webhook, SMS through gateways, and
/// the acknowledgement ladder. Claims due rows most urgent first, retries with backoff, wakes
/// as soon as a turn commits a row, and picks up where it stopped after a restart (claims
/// carry a lease, so a row a crashed run held falls due again).
/// Hooks for what the dispatcher does, so the server can count it without this module
/// knowing about metrics.
public struct DispatchEvents: Sendable {
    public var escalationDelivered: @Sendable (_ latency: Double, _ priority: String) -> Void = { _, _ in }
    public var deliveryFailed: @Sendable (_ kind: String, _ gateway: String) -> Void = { _, _ in }

    public init() {}
}

public final class OutboxDispatcher: Service, Sendable {
    /// The webhook target with its secret, both read at start from config or environment.
    public struct Webhook: Sendable {
        public var url: String
        public var secret: String

        public init(url: String, secret: String) {
            self.url = url
            self.secret = secret
        }
    }

    let store: any Store
    let config: EscalationConfig
    let webhook: Webhook?
    let senders: [String: any SMSSender]
    let transport: HTTPTransport
    let nationalHotline: String
    let logger: Logger
    let now: @Sendable () -> Date
    let jitter: @Sendable () -> Double
    let idlePoll: Duration
    /// What the service counts (metrics): deliveries' latency and failures.
    let events: DispatchEvents
    let signal = WakeSignal()
    private let stopping = Mutex(false)
    /// Outcomes the database would not take (a full disk): recorded at the next pass, so a row
    /// whose attempt ran during a fault is due again as soon as the fault ends, not when its
    /// lease does, and one 111 already has is not sent again.
    private let unsettled = Mutex<[Int64: (item: ClaimedOutbox, outcome: OutboxOutcome, at: Date)]>([:])
    /// SMS alerts the database would not start (case reference -> why), retried the same way:
    /// otherwise the ladder would wait for the case's acknowledgement deadline.
    private let unstartedAlerts = Mutex<[String: String]>([:])
    /// When the quarantine was last looked at: at most every `quarantineCheckEvery`, not on
    /// every pass (a pass follows nearly every SMS turn, and rows are rarely quarantined).
    private let quarantineCheckedAt = Mutex<Date?>(nil)
    static let quarantineCheckEvery: TimeInterval = 5

    public init(
        store: any Store, config: EscalationConfig, webhook: Webhook?, senders: [String: any SMSSender], transport: HTTPTransport,
        nationalHotline: String, logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, idlePoll: Duration = .seconds(30),
        events: DispatchEvents = DispatchEvents()
    ) {
        self.events = events
        self.store = store
        self.config = config
        self.webhook = webhook
        self.senders = senders
        self.transport = transport
        self.nationalHotline = nationalHotline
        self.logger = logger
        self.now = now
        self.jitter = jitter
        self.idlePoll = idlePoll
    }

    /// Called after a commit that may have queued work.
    public func wake() {
        signal.signal()
    }

    public func run() async throws {
        if webhook == nil {
            logger.warning(
                "escalation webhook not configured: escalations wait in the outbox and the SMS ladder starts at once; set HOTLINE_ESCALATION_URL and \(config.webhook.secretEnv)"
            )
        }
        do {
            // An escalation a killed run was sending goes again now (111 dedupes it by its
            // Idempotency-Key), not two minutes later when its lease would have run out.
            let released = try await store.releaseClaims(at: now())
            if released > 0 { logger.notice("outbox rows a previous run was sending are due again", metadata: ["rows": "\(released)"]) }
        } catch {
            logger.error("could not release a previous run's outbox claims", metadata: ["error": "\(String(describing: type(of: error)))"])
        }
        await withGracefulShutdownHandler {
            while !stopping.withLock({ $0 }) && !Task.isCancelled {
                do {
                    if try await runOnce() > 0 { continue }
                    let next = try await store.nextOutboxDue()
                    var wait = idlePoll
                    if let next {
                        let seconds = max(0, min(next.timeIntervalSince(now()), 30))
                        wait = .milliseconds(Int64(seconds * 1000) + 5)
                    }
                    await signal.wait(timeout: wait)
                } catch {
                    logger.error("outbox pass failed; retrying", metadata: ["error": "\(String(describing: type(of: error)))"])
                    await signal.wait(timeout: .seconds(1))
                }
            }
        } onGracefulShutdown: {
            self.stopping.withLock { $0 = true }
            self.signal.signal()
        }
    }

    /// Claims and delivers one batch of due rows; returns how many it handled.
    @discardableResult
    public func runOnce() async throws -> Int {
        await settleLeftovers()
        let batch = try await store.claimDueOutbox(now: now(), limit: 32, lease: 120)
        await alertQuarantines()
        // A row claimed again has a newer attempt, whose outcome is the one to record.
        unsettled.withLock { unsettled in for item in batch { unsettled[item.id] = nil } }
        // Texts to one phone go one after another, oldest first, so a conversation's replies
        // arrive in order; everything else goes out in parallel, most urgent first.
        var lanes: [[ClaimedOutbox]] = []
        var laneOfPhone: [String: Int] = [:]
        for item in batch {
            guard case .sms(let message, _) = item.work else {
                lanes.append([item])
                continue
            }
            let key = "\(message.gatewayID) \(message.to.value)"
            if let lane = laneOfPhone[key] {
                lanes[lane].append(item)
            } else {
                laneOfPhone[key] = lanes.count
                lanes.append([item])
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for lane in lanes {
                group.addTask {
                    for item in lane.sorted(by: { $0.id < $1.id }) { await self.deliver(item) }
                }
            }
        }
        return batch.count
    }

    func deliver(_ item: ClaimedOutbox) async {
        let outcome: OutboxOutcome
        switch item.work {
        case .escalation(let reference):
            outcome = await deliverEscalation(item, reference: reference)
        case .sms(let message, _):
            outcome = await send(item, message)
        case .acknowledgementCheck(let reference, let tier):
            outcome = await checkAcknowledgement(item, reference: reference, tier: tier)
        case .referralDeadline(let reference, let deadlineID):
            outcome = await checkReferralDeadline(item, reference: reference, deadlineID: deadlineID)
        }
        switch (outcome, item.work) {
        case (.delivered, .escalation):
            events.escalationDelivered(now().timeIntervalSince(item.createdAt), item.priority.rawValue)
        case (.failed, .escalation):
            events.deliveryFailed("escalation", "111")
        case (.failed, .sms(let message, _)):
            events.deliveryFailed("sms", message.gatewayID)
        default:
            break
        }
        let settledAt = now()
        do {
            try await store.settleOutbox(item, outcome: outcome, at: settledAt)
        } catch {
            logger.error("could not record an outbox outcome; kept to record at the next pass", metadata: ["outbox": "\(item.id)"])
            unsettled.withLock { $0[item.id] = (item, outcome, settledAt) }
        }
        if case .failed = outcome, case .escalation(let reference) = item.work {
            await alertNow(reference: reference, reason: "webhook failed")
        }
    }

    /// Tells the supervisors' tier (`quarantine_tier`) once about rows the store set aside as
    /// unreadable: a quarantined escalation is a case 111 has not heard of. References only.
    func alertQuarantines() async {
        let at = now()
        let due = quarantineCheckedAt.withLock { last in
            guard last.map({ at.timeIntervalSince($0) >= Self.quarantineCheckEvery }) ?? true else { return false }
            last = at
            return true
        }
        guard due, let rows = try? await store.unalertedQuarantines(), !rows.isEmpty else { return }
        let references = rows.compactMap(\.caseReference)
        logger.error(
            "rows quarantined: a sealed value could not be opened or decoded",
            metadata: ["rows": "\(rows.count)", "tables": "\(Set(rows.map(\.table)).sorted().joined(separator: ","))"])
        let text = AlertText.quarantine(rows: rows.count, references: references, nationalHotline: nationalHotline)
        let tier = config.alerts.tierForQuarantine
        let alerts = (tier?.phones ?? []).compactMap { phone in
            config.alerts.gateway.map { OutboundSMS(gatewayID: $0, to: phone, text: text, purpose: .alert) }
        }
        do {
            try await store.alertQuarantines(rows, alerts: alerts, at: now())
            if !alerts.isEmpty { wake() }
        } catch {
            logger.error("could not queue the quarantine alert; tried again at the next pass")
        }
    }

    /// Starts the SMS alerts for a case now; kept for the next pass when the database refuses.
    func alertNow(reference: String, reason: String) async {
        do {
            try await store.alertNow(reference: reference, reason: reason, at: now())
            unstartedAlerts.withLock { _ = $0.removeValue(forKey: reference) }
            wake()
        } catch {
            logger.error("could not start SMS alerts; kept for the next pass", metadata: ["case": "\(reference)"])
            unstartedAlerts.withLock { $0[reference] = reason }
        }
    }

    /// Records the outcomes a failing database refused earlier, oldest first, and starts the
    /// alerts it would not; what it still refuses waits for the next pass (or, after a
    /// restart, for `releaseClaims` and the cases' acknowledgement deadlines).
    func settleLeftovers() async {
        for (reference, reason) in unstartedAlerts.withLock({ $0.sorted { $0.key < $1.key } }) {
            await alertNow(reference: reference, reason: reason)
        }
        let waiting = unsettled.withLock { $0.values.sorted { $0.item.id < $1.item.id } }
        for (item, outcome, at) in waiting {
            do {
                try await store.settleOutbox(item, outcome: outcome, at: at)
                unsettled.withLock { _ = $0.removeValue(forKey: item.id) }
                logger.notice("recorded an outbox outcome the database refused earlier", metadata: ["outbox": "\(item.id)"])
            } catch {
                return
            }
        }
    }

    func retryOrFail(_ item: ClaimedOutbox, _ error: String) -> OutboxOutcome {
        if item.attempts >= config.retry.maxAttempts {
            return .failed(error: "\(error) (gave up after \(item.attempts) attempts)")
        }
        let delay = Backoff(first: config.retry.firstDelaySeconds, max: config.retry.maxDelaySeconds)
            .delay(afterAttempt: item.attempts, unit: jitter())
        return .retry(at: now().addingTimeInterval(delay), error: error)
    }

    /// What 111 may treat as one case for ever: this database's random id and the outbox row,
    /// the same on every retry and after restarts, never repeated by another database.
    func escalationKey(_ item: ClaimedOutbox) -> String { "esc-\(store.deploymentID)-\(item.id)" }

    func deliverEscalation(_ item: ClaimedOutbox, reference: String) async -> OutboxOutcome {
        guard let webhook else {
            if item.attempts == 1 { await alertNow(reference: reference, reason: "no escalation webhook configured") }
            return .retry(at: now().addingTimeInterval(config.retry.maxDelaySeconds), error: "escalation webhook not configured")
        }
        let body: [UInt8]
        var key = escalationKey(item)
        if let stored = item.storedBody {
            body = Array(stored.utf8)
            // The key the body was first sent under, even if this database's id has changed since.
            if let sent = EscalationPayload.escalationID(in: body) { key = sent }
        } else {
            do {
                guard
                    let detail = try await store.caseDetail(
                        reference: reference, actor: "dispatcher", action: "escalation_to_111", at: now())
                else { return .failed(error: "case \(reference) not found") }
                body = try EscalationPayload(
                    escalationID: key, detail: detail, escalatedAt: item.createdAt, operatorAPIURL: config.operatorAPIURL
                ).encoded()
                try await store.keepEscalationBody(outboxID: item.id, body: String(decoding: body, as: UTF8.self))
            } catch {
                return retryOrFail(item, "building the payload: \(String(describing: type(of: error)))")
            }
        }
        let timestamp = Int(now().timeIntervalSince1970)
        let request = OutboundHTTPRequest(
            method: "POST", url: webhook.url,
            headers: [
                ("Content-Type", "application/json"), ("User-Agent", "hotline-gateway"),
                (EscalationSignature.header, EscalationSignature.sign(body: body, secret: webhook.secret, timestamp: timestamp)),
                ("Idempotency-Key", key),
            ], body: body)
        do {
            let reply = try await transport.send(request, timeout: config.webhook.timeoutSeconds)
            switch reply.status {
            case 200..<300:
                logger.info("escalation delivered", metadata: ["case": "\(reference)", "attempts": "\(item.attempts)"])
                return .delivered(detail: "HTTP \(reply.status) after \(item.attempts) attempt(s)")
            case 408, 429, 500...:
                return retryOrFail(item, "HTTP \(reply.status)")
            default:
                logger.error("escalation refused by the 111 webhook", metadata: ["case": "\(reference)", "status": "\(reply.status)"])
                return .failed(error: "HTTP \(reply.status): refused")
            }
        } catch {
            return retryOrFail(item, "transport: \(String(describing: type(of: error)))")
        }
    }

    func send(_ item: ClaimedOutbox, _ message: OutboundSMS) async -> OutboxOutcome {
        guard let sender = senders[message.gatewayID] else {
            return .failed(error: "no SMS sender for gateway '\(message.gatewayID)'")
        }
        // The person sent STOP/HUY after this was queued: it is not sent.
        if message.purpose.stopsAtOptOut, (try? await store.smsStopped(to: message.to)) == true {
            return .settled(detail: "not sent: the person sent STOP/HUY")
        }
        switch await sender.send(to: message.to, text: message.text, reference: OutboundReference.make(outboxID: item.id)) {
        case .accepted(let id):
            return .sent(gatewayMessageID: id)
        case .retry(let error):
            return retryOrFail(item, error)
        case .failed(let error):
            return .failed(error: error)
        }
    }

    func checkAcknowledgement(_ item: ClaimedOutbox, reference: String, tier: Int) async -> OutboxOutcome {
        let ladder = config.alerts.ladder
        guard !ladder.isEmpty else {
            logger.error("a case is not acknowledged and escalation.yaml has no alert ladder", metadata: ["case": "\(reference)"])
            return .settled(detail: "no ladder configured")
        }
        let index = min(tier, ladder.count) - 1
        do {
            guard
                let detail = try await store.caseDetail(reference: reference, actor: "dispatcher", action: "alert_text", at: now())
            else { return .failed(error: "case \(reference) not found") }
            if detail.summary.acknowledgedBy != nil { return .settled(detail: "acknowledged") }
            let text = AlertText.make(for: detail, nationalHotline: nationalHotline)
            let alerts = ladder[index].phones.compactMap { phone in
                config.alerts.gateway.map { OutboundSMS(gatewayID: $0, to: phone, text: text, purpose: .alert) }
            }
            let deadline = config.acknowledgeWithinSeconds[item.priority] ?? config.acknowledgeWithinSeconds.values.min() ?? 300
            let climbed = try await store.climbLadder(
                item, tier: index + 1, tierName: ladder[index].name, alerts: alerts, nextTier: index + 2,
                nextCheck: now().addingTimeInterval(deadline), at: now())
            if climbed {
                logger.warning("case not acknowledged: alerting", metadata: ["case": "\(reference)", "tier": "\(index + 1)"])
                wake()
            }
            // climbLadder settled the row itself.
            return climbed ? .delivered(detail: "tier \(index + 1) alerted") : .settled(detail: "acknowledged")
        } catch {
            return retryOrFail(item, "ladder: \(String(describing: type(of: error)))")
        }
    }

    /// A referral's deadline fell due: if the commune has not taken the step, the supervisors'
    /// tier is told by SMS and the case's history marks the step late (the pages show it red).
    func checkReferralDeadline(_ item: ClaimedOutbox, reference: String, deadlineID: Int64) async -> OutboxOutcome {
        do {
            guard let deadline = try await store.referralDeadline(id: deadlineID) else {
                return .settled(detail: "deadline \(deadlineID) not found")
            }
            let text = AlertText.referralLate(
                reference: deadline.reference, communeID: deadline.communeID, step: deadline.step, nationalHotline: nationalHotline)
            let phones = config.referrals.tier(in: config.alerts)?.phones ?? []
            let alerts = phones.compactMap { phone in
                config.alerts.gateway.map { OutboundSMS(gatewayID: $0, to: phone, text: text, purpose: .alert) }
            }
            let late = try await store.referralDeadlinePassed(item, deadlineID: deadlineID, alerts: alerts, at: now())
            guard late else { return .settled(detail: "step taken in time") }
            logger.warning(
                "a referral step is late: supervisors alerted", metadata: ["case": "\(reference)", "step": "\(deadline.step.rawValue)"])
            if !alerts.isEmpty { wake() }
            return .delivered(detail: "supervisors alerted")
        } catch {
            return retryOrFail(item, "referral deadline: \(String(describing: type(of: error)))")
        }
    }
}
