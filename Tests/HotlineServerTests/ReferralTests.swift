import Foundation
import HTTPTypes
import HotlineCore
import HotlineDispatch
import HummingbirdTesting
import Logging
import Testing

@testable import HotlineServer
@testable import Storage

let hongGaiToken = "hong-gai-worker-token"
let camPhaToken = "cam-pha-worker-token"
let referralEnvironment = ServiceEnvironment(
    consoleEnvironment.values.merging([
        "HOTLINE_TOKEN_CB_HONG_GAI": hongGaiToken, "HOTLINE_TOKEN_CB_CAM_PHA": camPhaToken,
    ]) { _, new in new })

/// Records a walk-in through the console as `duty-desk`; returns its reference.
func recordWalkIn(_ browser: inout ConsoleBrowser, summary: String, area: String, contact: String = "none", phone: String = "")
    async throws -> String
{
    let csrf = try await browser.sessionCSRF()
    let response = try await browser.post(
        "/console/contacts/new",
        form: ["_csrf": csrf, "channel": "walk-in", "summary": summary, "area": area, "age": "9", "contact": contact, "phone": phone])
    return String(try #require(response.headers[.location]?.firstMatch(of: #/cases/(QN-[346789A-Y]{6})/#)).1)
}

@Suite("Referral to the commune: what it shares, who sees it, its steps")
struct ReferralTests {
    @Test("a referred case reaches its commune's worker only, with what was shared; other cases and other communes get 404")
    func referralSharedWithItsCommuneOnly() async throws {
        try await withApp(environment: referralEnvironment) { client, store in
            var desk = ConsoleBrowser(client)
            _ = try await desk.signIn("duty-desk", token: deskToken)
            let referred = try await recordWalkIn(
                &desk, summary: "Cô giáo báo bé Lan lớp 3 bị bố đánh bầm tím, sợ về nhà", area: "Hạ Long", contact: "call",
                phone: "+84912345690")
            let other = try await recordWalkIn(&desk, summary: "Hàng xóm báo trẻ bị bỏ đói nhiều ngày", area: "Hạ Long")
            let page = String(buffer: try await desk.get("/console/cases/\(referred)").body)
            #expect(page.contains("value=\"hong-gai\" selected"), "the area's commune is offered first")
            let csrf = try await desk.sessionCSRF()
            let refer = try await desk.post(
                "/console/cases/\(referred)/refer", form: ["_csrf": csrf, "commune": "hong-gai", "note": "Xin xã đến nhà trong hôm nay"])
            #expect(refer.status == .seeOther)
            let again = try await desk.post("/console/cases/\(referred)/refer", form: ["_csrf": csrf, "commune": "hong-gai"])
            #expect(again.status == .conflict, "one open referral per case")

            // The worker is told by SMS, in neutral words with the reference only.
            let texts = try await store.claimDueOutbox(now: Date().addingTimeInterval(1), limit: 100, lease: 60).compactMap { item in
                if case .sms(let message, let reference) = item.work, reference == referred { return message } else { return nil }
            }
            let text = try #require(texts.first { $0.to.value == "+84900000201" }?.text)
            #expect(text.contains(referred))
            for word in ["danh", "bi", "Lan", "physical", "bầm", "bam"] {
                #expect(!text.split(separator: " ").contains(Substring(word)), "\(word) in '\(text)'")
            }

            var worker = ConsoleBrowser(client)
            #expect(try await worker.signIn("cb-hong-gai", token: hongGaiToken).status == .seeOther)
            let list = String(buffer: try await worker.get("/console/queue").body)
            #expect(list.contains("data-reference=\"\(referred)\"") && !list.contains(other))
            let shared = try await worker.get("/console/cases/\(referred)")
            #expect(shared.status == .ok)
            let body = String(buffer: shared.body)
            #expect(body.contains("Xin xã đến nhà trong hôm nay"), "the referral's note is shared")
            #expect(!body.contains("bé Lan") && !body.contains("912345690"), "neither the summary nor the number was ticked")
            #expect(try await worker.get("/console/cases/\(other)").status == .notFound, "a case not referred to them")
            #expect(try await worker.get("/console/contacts/new").status == .notFound)
            #expect(try await worker.get("/console/audit").status == .notFound)
            let workerCSRF = try #require(ConsoleBrowser.hiddenCSRF(body))
            let reply = try await worker.post("/console/cases/\(referred)/reply", form: ["_csrf": workerCSRF, "text": "Chào em"])
            #expect(reply.status == .notFound, "a commune worker cannot text the reporter")
            let api = try await client.execute(
                uri: "/api/v1/cases", method: .get, headers: [.authorization: "Bearer \(hongGaiToken)"])
            #expect(api.status == .forbidden, "the operator API lists every case: not for commune workers")

            var elsewhere = ConsoleBrowser(client)
            _ = try await elsewhere.signIn("cb-cam-pha", token: camPhaToken)
            #expect(try await elsewhere.get("/console/cases/\(referred)").status == .notFound, "another commune's worker")
            #expect(!String(buffer: try await elsewhere.get("/console/queue").body).contains(referred))
            #expect(try await store.auditTrail(reference: referred).contains { $0.action == "refer" && $0.actor == "duty-desk" })
        }
    }

    @Test("the transcript and the number go to the commune only when ticked, and the number only when the reporter agreed")
    func sharingNeedsTheOperatorsTick() async throws {
        try await withApp(environment: referralEnvironment) { client, _ in
            var desk = ConsoleBrowser(client)
            _ = try await desk.signIn("duty-desk", token: deskToken)
            let silent = try await recordWalkIn(&desk, summary: "Bé trai bị nhốt trong nhà kho", area: "Cẩm Phả")
            let csrf = try await desk.sessionCSRF()
            let refused = try await desk.post(
                "/console/cases/\(silent)/refer", form: ["_csrf": csrf, "commune": "cam-pha", "share_number": "yes"])
            #expect(refused.status == .unprocessableContent, "no agreement to contact: no number to share")
            let agreed = try await recordWalkIn(
                &desk, summary: "Bé gái bị mẹ kế đánh bằng roi", area: "Cẩm Phả", contact: "call", phone: "+84912345691")
            _ = try await desk.post(
                "/console/cases/\(agreed)/refer",
                form: ["_csrf": csrf, "commune": "cam-pha", "share_number": "yes", "share_transcript": "yes"])
            var worker = ConsoleBrowser(client)
            _ = try await worker.signIn("cb-cam-pha", token: camPhaToken)
            let body = String(buffer: try await worker.get("/console/cases/\(agreed)").body)
            #expect(body.contains("+84912345691") && body.contains("mẹ kế đánh bằng roi"))
        }
    }

    @Test("steps go in order; a serious-risk assessment starts the 12-hour measures clock and the operator's page shows it")
    func stepsInOrderWithTheirDeadlines() async throws {
        try await withApp(environment: referralEnvironment) { client, store in
            var desk = ConsoleBrowser(client)
            _ = try await desk.signIn("duty-desk", token: deskToken)
            let reference = try await recordWalkIn(&desk, summary: "Trẻ bị bố say rượu đánh, chảy máu đầu", area: "Hạ Long")
            let csrf = try await desk.sessionCSRF()
            _ = try await desk.post("/console/cases/\(reference)/refer", form: ["_csrf": csrf, "commune": "hong-gai"])
            var worker = ConsoleBrowser(client)
            _ = try await worker.signIn("cb-hong-gai", token: hongGaiToken)
            let token = try #require(ConsoleBrowser.hiddenCSRF(String(buffer: try await worker.get("/console/cases/\(reference)").body)))
            let early = try await worker.post(
                "/console/cases/\(reference)/referral/assessed", form: ["_csrf": token, "serious_risk": "yes"])
            #expect(early.status == .conflict, "assessed before accepted")
            #expect(try await worker.post("/console/cases/\(reference)/referral/accepted", form: ["_csrf": token]).status == .seeOther)
            #expect(try await worker.post("/console/cases/\(reference)/referral/accepted", form: ["_csrf": token]).status == .conflict)
            let assessed = try await worker.post(
                "/console/cases/\(reference)/referral/assessed", form: ["_csrf": token, "serious_risk": "yes", "note": "Trẻ ở nhà bà"])
            #expect(assessed.status == .seeOther)
            let plan = try await worker.post("/console/cases/\(reference)/referral/plan", form: ["_csrf": token])
            #expect(plan.status == .conflict, "serious risk: measures come before the plan")

            let referral = try #require(await store.referral(reference: reference))
            #expect(referral.seriousRisk == true)
            let measures = try #require(referral.deadlines.first { $0.step == .measures })
            #expect(abs(measures.dueAt.timeIntervalSince(referral.sentAt) - 12 * 3600) < 1)
            #expect(referral.deadlines.first { $0.step == .accepted }?.metAt != nil)
            let plansDue = try #require(referral.deadlines.first { $0.step == .plan }?.dueAt)
            #expect(plansDue.timeIntervalSince(referral.sentAt) >= 5 * 86400, "5 working days are at least 5 days")
            let operatorPage = String(buffer: try await desk.get("/console/cases/\(reference)").body)
            #expect(operatorPage.contains("id=\"referral-assessment\"") && operatorPage.contains("Nguy cơ nghiêm trọng"))
            #expect(
                try await store.caseChanges(after: 0, limit: 500).contains { $0.kind == "referral_assessed" && $0.reference == reference })
            #expect(try await worker.post("/console/cases/\(reference)/referral/measures", form: ["_csrf": token]).status == .seeOther)
            #expect(try await worker.post("/console/cases/\(reference)/referral/plan", form: ["_csrf": token]).status == .seeOther)
            #expect(try await store.auditTrail(reference: reference).map(\.action).contains("referral_plan"))
        }
    }
}

@Suite("Referral deadlines: durable rows that alert the supervisors when they pass")
struct ReferralDeadlineTests {
    static let ladder = EscalationConfig.Alerts(
        gateway: "at-sms",
        ladder: [
            .init(name: "on call", phones: [try! PhoneNumber(parsing: "+84900000111")]),
            .init(name: "supervisors", phones: [try! PhoneNumber(parsing: "+84900000113")]),
        ])

    @Test("acceptance, measures and plan deadlines that pass while the service is down alert the supervisors' tier after a restart")
    func passedDeadlineAlertsAfterRestart() async throws {
        let path = try makeTemporaryDirectory().appendingPathComponent("referrals.sqlite").path
        let sent = Date().addingTimeInterval(-3 * 3600)
        let deadlines = ReferralDeadlines()
        do {
            let store = try SQLiteStore(path: path)
            for reference in ["QN-LATE01", "QN-ONTIME"] {
                try await store.recordOfflineContact(
                    OfflineContact(
                        reference: reference, channel: .phone, priority: .p2, category: "physical", reasons: ["P2: test"],
                        answers: ["summary": "x"], language: "vi", phone: nil, actor: "duty-desk", escalate: false),
                    at: sent)
                _ = try await store.refer(
                    NewReferral(
                        reference: reference, communeID: "hong-gai", shareTranscript: false, shareNumber: false, note: nil,
                        actor: "duty-desk",
                        alerts: [], deadlines: deadlines.onReferral(at: sent)),
                    at: sent)
            }
            try await store.recordReferralStep(
                ReferralStepEntry(reference: "QN-ONTIME", step: .accepted, actor: "cb-hong-gai"), at: sent.addingTimeInterval(600))
            // Serious risk: protective measures are due 12 h after the referral.
            try await store.recordReferralStep(
                ReferralStepEntry(
                    reference: "QN-ONTIME", step: .assessed, actor: "cb-hong-gai", seriousRisk: true,
                    deadline: deadlines.onAssessment(seriousRisk: true, referredAt: sent)),
                at: sent.addingTimeInterval(1200))
            try await store.close()
        }
        // The restart: a new store on the same file, a dispatcher that knows nothing.
        let store = try SQLiteStore(path: path)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var config = EscalationConfig(alerts: Self.ladder)
        config.referrals = ReferralConfig(deadlines: deadlines, alertTier: 2)
        let dispatcher = OutboxDispatcher(
            store: store, config: config, webhook: nil, senders: [:], transport: HTTPTransport(), nationalHotline: "111", logger: logger)
        _ = try await dispatcher.runOnce()
        let late = try #require(await store.referral(reference: "QN-LATE01"))
        #expect(late.deadlines.first { $0.step == .accepted }?.alertedAt != nil)
        let onTime = try #require(await store.referral(reference: "QN-ONTIME"))
        #expect(onTime.deadlines.first { $0.step == .accepted }?.alertedAt == nil, "accepted in time: nobody is alerted")
        let alerts = try await store.outbox(kind: "sms").filter { $0.caseReference == "QN-LATE01" }
        #expect(alerts.count == 1, "one SMS to the supervisors' tier")
        #expect(try await store.outbox(kind: "sms").filter { $0.caseReference == "QN-ONTIME" }.isEmpty)
        #expect(try await store.caseChanges(after: 0, limit: 100).contains { $0.kind == "referral_overdue" && $0.reference == "QN-LATE01" })
        let list = try await store.referrals(communes: ["hong-gai"], at: Date())
        #expect(list.first { $0.reference == "QN-LATE01" }?.overdue == true)
        #expect(list.first { $0.reference == "QN-ONTIME" }?.overdue == false, "its measures are due in 9 hours")
        try await store.close()

        // Another restart, 10 hours on: the measures are late; 8 days on, the support plan is too.
        for (hours, step) in [(10.0, ReferralStep.measures), (8 * 24.0, .plan)] {
            let reopened = try SQLiteStore(path: path)
            let later = OutboxDispatcher(
                store: reopened, config: config, webhook: nil, senders: [:], transport: HTTPTransport(), nationalHotline: "111",
                logger: logger, now: { Date().addingTimeInterval(hours * 3600) })
            _ = try await later.runOnce()
            let referral = try #require(await reopened.referral(reference: "QN-ONTIME"))
            #expect(referral.deadlines.first { $0.step == step }?.alertedAt != nil, "\(step) alerted \(hours) h on")
            #expect(
                try await reopened.caseChanges(after: 0, limit: 100).filter { $0.kind == "referral_overdue" && $0.reference == "QN-ONTIME" }
                    .count
                    == (step == .measures ? 1 : 2))
            try await reopened.close()
        }
    }
}

@Suite("Working days for Decree 56's support plan")
struct WorkingCalendarTests {
    func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test("five working days skip the weekend and the listed holidays, counted in Vietnam's time zone")
    func skipsWeekendsAndHolidays() {
        let calendar = WorkingCalendar(holidays: ["2026-09-02"])
        // Friday 28 August 2026, 15:00 in Hà Nội: Mon 31, Tue 1, (Wed 2 a holiday), Thu 3, Fri 4, Mon 7.
        let due = calendar.end(ofWorkingDays: 5, after: date("2026-08-28T08:00:00Z"))
        #expect(calendar.dayKey(due.addingTimeInterval(-1)) == "2026-09-07")
        #expect(due == date("2026-09-07T17:00:00Z"), "the end of Monday 7 September in UTC+7")
        #expect(!calendar.isWorkingDay(date("2026-09-02T03:00:00Z")) && !calendar.isWorkingDay(date("2026-09-05T03:00:00Z")))
        #expect(
            WorkingCalendar.validDay("2026-02-17") && !WorkingCalendar.validDay("2026-02-30") && !WorkingCalendar.validDay("17/02/2026"))
    }
}
