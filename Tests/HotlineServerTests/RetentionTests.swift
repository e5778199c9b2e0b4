import Foundation
import HTTPTypes
import HotlineCore
import HotlineServer
import HummingbirdTesting
import NIOCore
import Storage
import Testing

@Suite("Retention, audit access and request limits")
struct RetentionTests {
    @Test("purge removes what retention says and nothing else, keeps anonymous counts, and is audited")
    func purge() async throws {
        let environment = ServiceEnvironment(["HOTLINE_OPERATOR_TOKEN": devToken])
        try await withApp(environment: environment) { client, store in
            let old = try await submitReport(client, phone: "+84912000201", contact: "3")
            let recent = try await submitReport(client, phone: "+84912000202", contact: "3")
            let open = try await submitReport(client, phone: "+84912000203", contact: "3")
            var advice = USSDPhone(client)
            advice.phone = "+84912000204"
            _ = try await advice.dial()
            _ = try await advice.answer("2")
            try await store.endSession(gatewayID: "at-ussd", externalSessionID: advice.sessionID, at: Date())
            let day: TimeInterval = 86400
            try await store.resolve(
                reference: old, actor: "dev", outcome: "referred to the commune's social worker", at: Date().addingTimeInterval(-100 * day))
            try await store.resolve(reference: recent, actor: "dev", outcome: "called back", at: Date().addingTimeInterval(-10 * day))
            let before = try await store.messageCount()

            // Nothing is old enough yet for conversations; the 100-day-old resolved case is.
            let first = try await store.purge(RetentionPolicy(closedCaseDays: 90, conversationDays: 30), actor: "test", now: Date())
            #expect(first.cases == 1)
            #expect(first.sessions == 1)
            #expect(first.messages > 0)
            #expect(try await store.messageCount() == before - first.messages)
            let purged = try #require(try await store.caseDetail(reference: old, actor: "test", action: "read", at: Date()))
            #expect(purged.answers.isEmpty && purged.transcript.isEmpty && purged.outcome == nil && purged.reasons.isEmpty)
            #expect(purged.summary.priority != .none)  // kept for counts
            for reference in [recent, open] {
                let kept = try #require(try await store.caseDetail(reference: reference, actor: "test", action: "read", at: Date()))
                #expect(!kept.answers.isEmpty && !kept.transcript.isEmpty)
            }
            #expect(try await store.counts().casesByPriority.values.reduce(0, +) == 3)

            // Forty days on, the advice conversation goes too; open cases are never touched.
            let later = try await store.purge(
                RetentionPolicy(closedCaseDays: 90, conversationDays: 30), actor: "test", now: Date().addingTimeInterval(40 * day))
            #expect(later.cases == 0)
            #expect(later.sessions == 1)
            let stillOpen = try #require(try await store.caseDetail(reference: open, actor: "test", action: "read", at: Date()))
            #expect(!stillOpen.transcript.isEmpty)
            // The service's own daily purge ran at start too (actor "retention"); these are ours.
            let audit = try await store.auditTrail(reference: nil).filter { $0.action == "purge" && $0.actor == "test" }
            #expect(audit.count == 2)
            #expect(audit.contains { $0.detail.hasPrefix("1 resolved cases, 1 conversations") })
        }
    }

    @Test("the audit trail is for supervisors, and reading it is audited")
    func auditForSupervisors() async throws {
        let environment = ServiceEnvironment([
            "HOTLINE_TOKEN_DUTY_DESK": deskToken, "HOTLINE_TOKEN_SUPERVISOR": "supervisor-token-for-tests",
        ])
        try await withApp(environment: environment) { client, store in
            let refused = try await api(client, .get, "/audit", token: deskToken)
            #expect(refused.status == .forbidden)
            let allowed = try await api(client, .get, "/audit", token: "supervisor-token-for-tests")
            #expect(allowed.status == .ok)
            #expect(try await store.auditTrail(reference: nil).contains { $0.actor == "supervisor" && $0.action == "read_audit" })
        }
    }

    @Test("oversized headers are refused before any handler runs")
    func headerLimits() async throws {
        try await withApp(mode: .live) { client, store async throws in
            var headers = HTTPFields()
            headers[HTTPField.Name("X-Padding")!] = String(repeating: "a", count: 20 * 1024)
            // The HTTP decoder answers 400 and closes the connection (or just closes it).
            let response = try? await client.execute(uri: "/healthz", method: .get, headers: headers)
            #expect(response == nil || response?.status.code == 400 || response?.status.code == 431)
            #expect(try await store.messageCount() == 0)
        }
    }
}
