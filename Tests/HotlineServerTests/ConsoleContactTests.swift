import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import HotlineServer
@testable import Storage

@Suite("Calls and walk-ins recorded in the console")
struct ConsoleContactTests {
    @Test("a call recorded in the console is a case on channel phone, triaged from its summary and escalated like a report")
    func recordedCallIsTriagedAndEscalated() async throws {
        try await withApp(environment: consoleEnvironment) { client, store in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("duty-desk", token: deskToken)
            let csrf = try await browser.sessionCSRF()
            let response = try await browser.post(
                "/console/contacts/new",
                form: [
                    "_csrf": csrf, "channel": "phone", "summary": "Bố đang đánh em bé bằng gậy, em bé chảy máu đầu", "age": "7",
                    "area": "Cẩm Phả", "contact": "call", "phone": "+84912345680",
                ])
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            let reference = String(try #require(location.firstMatch(of: #/cases/(QN-[346789A-Y]{6})/#)).1)
            let detail = try #require(await store.caseDetail(reference: reference, actor: "test", action: "read_case", at: Date()))
            #expect(detail.summary.channel == .phone)
            #expect(detail.summary.priority >= .p2, "violence with injury, judged from the summary: \(detail.reasons)")
            #expect(detail.answers["summary"]?.contains("chảy máu") == true && detail.answers["age"] == "7")
            #expect(detail.phone?.value == "+84912345680", "shown because the person agreed to a call")
            #expect(try await store.outbox(kind: "escalation").contains { $0.caseReference == reference })
            #expect(try await store.auditTrail(reference: reference).contains { $0.action == "record_contact" && $0.actor == "duty-desk" })
            let queue = String(buffer: try await browser.get("/console/queue").body)
            #expect(queue.contains("data-reference=\"\(reference)\"") && !queue.contains("912345680"))
        }
    }

    @Test("an operator's priority can raise what triage judged, never lower it; a walk-in with no contact keeps no number")
    func operatorPriorityOnlyRaises() async throws {
        try await withApp(environment: consoleEnvironment) { client, store in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("duty-desk", token: deskToken)
            let csrf = try await browser.sessionCSRF()
            let raised = try await browser.post(
                "/console/contacts/new",
                form: [
                    "_csrf": csrf, "channel": "walk-in", "summary": "Bà đến hỏi về cháu", "priority": "P1", "contact": "none",
                    "phone": "+84912345681",
                ])
            let reference = String(try #require(raised.headers[.location]?.firstMatch(of: #/cases/(QN-[346789A-Y]{6})/#)).1)
            let detail = try #require(await store.caseDetail(reference: reference, actor: "test", action: "read_case", at: Date()))
            #expect(detail.summary.channel == .walkIn && detail.summary.priority == .p1)
            #expect(detail.reasons.contains { $0.contains("set by duty-desk") })
            #expect(detail.phone == nil && detail.summary.maskedPhone == nil, "no contact: the number is not kept")
            let lowered = try await browser.post(
                "/console/contacts/new",
                form: ["_csrf": csrf, "channel": "phone", "summary": "Em vừa uống cả vỉ thuốc ngủ", "priority": "P3"])
            let other = String(try #require(lowered.headers[.location]?.firstMatch(of: #/cases/(QN-[346789A-Y]{6})/#)).1)
            let judged = try #require(await store.caseDetail(reference: other, actor: "test", action: "read_case", at: Date()))
            #expect(judged.summary.priority == .p1, "an overdose stays P1 whatever the form says: \(judged.reasons)")
        }
    }

    @Test("a form that cannot make a case says what to fix and keeps what was typed")
    func badFormIsExplained() async throws {
        try await withApp(environment: consoleEnvironment) { client, store in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("duty-desk", token: deskToken)
            let csrf = try await browser.sessionCSRF()
            let noNumber = try await browser.post(
                "/console/contacts/new", form: ["_csrf": csrf, "channel": "phone", "summary": "Cần gọi lại cho mẹ", "contact": "call"])
            #expect(noNumber.status == .badRequest)
            let page = String(buffer: noNumber.body)
            #expect(page.contains("a number is needed") && page.contains("Cần gọi lại cho mẹ"))
            #expect(
                try await browser.post("/console/contacts/new", form: ["_csrf": csrf, "channel": "fax", "summary": "x"]).status
                    == .badRequest)
            #expect(
                try await browser.post("/console/contacts/new", form: ["_csrf": csrf, "channel": "phone", "summary": " "]).status
                    == .badRequest)
            #expect(try await store.counts().casesByPriority.values.reduce(0, +) == 0)
        }
    }
}
