import Foundation
import HotlineCore

/// What the service must persist, named by what it means. `SQLiteStore` is the embedded
/// default; a PostgreSQL store implements the same protocol for several instances.
public protocol Store: Sendable {
    /// The random id this database was given when it was created: escalation keys carry it,
    /// so a new database, a restored one or another province's never repeats a key.
    var deploymentID: String { get }

    /// Records one turn: if it repeats the last request of its session, returns the reply
    /// already given and stores nothing. Otherwise calls `decide` with the session (nil for a
    /// new one) and commits the inbound message, the reply, the new state and every effect
    /// (case, outbox) together before returning. `decide` must be pure: it may be called
    /// more than once, and what is committed was decided against the session as it stands
    /// when the turn is written.
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
    /// Outbox rows of one kind (`escalation`, `sms`, `ack_check`), or all, oldest first.
    func outbox(kind: String?) async throws -> [OutboxItem]
    func messageCount() async throws -> Int

    func close() async throws

    // MARK: Outbox (the dispatcher)

    /// Claims up to `limit` due rows, most urgent first, for `lease` seconds.
    func claimDueOutbox(now: Date, limit: Int, lease: TimeInterval) async throws -> [ClaimedOutbox]
    /// Makes rows a previous run was still sending due now, instead of when their lease ends:
    /// one service owns the embedded database, so at its start nobody else is sending them.
    func releaseClaims(at now: Date) async throws -> Int
    func keepEscalationBody(outboxID: Int64, body: String) async throws
    func settleOutbox(_ item: ClaimedOutbox, outcome: OutboxOutcome, at: Date) async throws
    func alertNow(reference: String, reason: String, at: Date) async throws

    // MARK: Quarantine (rows that cannot be read, set aside)

    /// Quarantined rows by table.
    func quarantinedCounts() async throws -> [String: Int]
    /// Quarantined rows supervisors have not been told of, oldest first.
    func unalertedQuarantines() async throws -> [QuarantinedRow]
    /// Queues `alerts` and marks `rows` alerted, together.
    func alertQuarantines(_ rows: [QuarantinedRow], alerts: [OutboundSMS], at: Date) async throws
    func climbLadder(
        _ item: ClaimedOutbox, tier: Int, tierName: String, alerts: [OutboundSMS], nextTier: Int, nextCheck: Date, at: Date
    ) async throws -> Bool
    func nextOutboxDue() async throws -> Date?
    func recordDelivery(gatewayID: String, gatewayMessageID: String, status: String, detail: String, at: Date) async throws -> Bool
    func outboxSummaries(kind: String?, status: String?, limit: Int) async throws -> [OutboxItemSummary]

    // MARK: Operators (every read of personal data is audited)

    func listCases(_ filter: CaseFilter, actor: String, at: Date) async throws -> [CaseSummary]
    func caseDetail(reference: String, actor: String, action: String, at: Date) async throws -> CaseDetail?
    @discardableResult func acknowledge(reference: String, actor: String, via: String, at: Date) async throws -> Bool
    func claim(reference: String, actor: String, at: Date) async throws
    func addNote(reference: String, actor: String, text: String, at: Date) async throws
    func resolve(reference: String, actor: String, outcome: String, code: String?, at: Date) async throws
    /// An operator sets the case's priority and category (nil keeps it), with their reason.
    func correctTriage(
        reference: String, priority: Priority, category: String?, reason: String, actor: String, at: Date
    ) async throws -> TriageCorrected
    func queueOperatorSMS(reference: String, message: OutboundSMS, actor: String, at: Date) async throws
    func claimInboundMessage(gatewayID: String, messageID: String, at: Date) async throws -> Bool
    func queueNotice(_ message: OutboundSMS, at: Date) async throws
    func auditTrail(reference: String?) async throws -> [AuditEntry]
    func recordAudit(actor: String, action: String, reference: String?, detail: String, at: Date) async throws
    /// True when the person sent STOP/HUY and has not written since.
    func smsStopped(to phone: PhoneNumber) async throws -> Bool
    /// Whether a number is blocked, and how many messages it sent since `since`.
    func contactStatus(_ phone: PhoneNumber, since: Date) async throws -> ContactStatus
    func block(_ phone: PhoneNumber, reason: String, actor: String, at: Date) async throws -> BlockEntry
    func unblock(id: Int64, actor: String, at: Date) async throws -> Bool
    func blocklist(actor: String, at: Date) async throws -> [BlockEntry]
    func counts() async throws -> StoreCounts
    func purge(_ policy: RetentionPolicy, actor: String, now: Date) async throws -> PurgeReport
    /// The keyed hash a number is found by (never the number itself).
    func lookupKey(for phone: PhoneNumber) -> String

    /// Records a call or walk-in as a submitted case (audited); `StoreError.caseReferenceTaken`
    /// when its reference exists.
    func recordOfflineContact(_ contact: OfflineContact, at: Date) async throws
    /// Gives a claimed case back (it stays acknowledged); 409 when someone else holds it.
    func release(reference: String, actor: String, at: Date) async throws

    // MARK: Console sessions and the live feed

    /// Stores a new session and removes the ones past their absolute end.
    func createConsoleSession(_ session: ConsoleSession, at: Date) async throws
    func consoleSession(idHash: String) async throws -> ConsoleSession?
    func touchConsoleSession(idHash: String, at: Date) async throws
    func deleteConsoleSession(idHash: String, at: Date) async throws
    /// Records a failed sign-in (and audits it); `signInFailures` counts them.
    func recordSignInFailure(operatorID: String, address: String, at: Date) async throws
    func signInFailures(operatorID: String, address: String, since: Date) async throws -> SignInFailures
    /// History entries after `id`, oldest first.
    func caseChanges(after id: Int64, limit: Int) async throws -> [CaseChange]
    /// The newest history entry's id (0 when there is none).
    func lastCaseChangeID() async throws -> Int64

    // MARK: Referrals to communes

    /// Writes a referral with its first step, deadlines (each with its outbox row) and the
    /// workers' SMS; 409 when the case has an open referral.
    func refer(_ referral: NewReferral, at: Date) async throws -> Int64
    /// The case's latest referral.
    func referral(reference: String) async throws -> ReferralRecord?
    func referrals(communes: Set<String>, at: Date) async throws -> [ReferralListEntry]
    /// Records a step (audited, in the case's history), meets its deadline, starts the one it
    /// brings; 409 when the step is already recorded.
    func recordReferralStep(_ entry: ReferralStepEntry, at: Date) async throws
    func referralDeadlinePassed(_ item: ClaimedOutbox, deadlineID: Int64, alerts: [OutboundSMS], at: Date) async throws -> Bool
    func referralDeadline(id: Int64) async throws -> (reference: String, communeID: String, step: ReferralStep)?

    // MARK: Figures (dashboard, monthly report)

    /// Cases opened in [from, to), with what is counted of them and nothing personal.
    func caseFacts(createdFrom: Date, to: Date) async throws -> [CaseFacts]
    /// Every case not resolved, however old.
    func openCaseFacts() async throws -> [CaseFacts]
    /// Referral deadlines falling due in [from, to).
    func referralDeadlineFacts(dueFrom: Date, to: Date) async throws -> [ReferralDeadlineFacts]

    // Long messages delivered part by part.
    func storePart(_ part: InboundPart, at: Date) async throws -> PartSet?
    func partSetsDue(before: Date) async throws -> [PartSet]
    func deletePartSet(_ set: PartSet) async throws
}

extension Store {
    /// Resolves with the operator's words only (the operator API), no outcome code.
    public func resolve(reference: String, actor: String, outcome: String, at: Date) async throws {
        try await resolve(reference: reference, actor: actor, outcome: outcome, code: nil, at: at)
    }
}
