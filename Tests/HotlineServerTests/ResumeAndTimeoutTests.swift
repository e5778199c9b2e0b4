import Foundation
import HTTPTypes
import HotlineCore
import HotlineServer
import Hummingbird
import HummingbirdTesting
import NIOCore
import Storage
import Testing

@Suite("Timeouts keep what was said; a person who comes back may continue")
struct ResumeAndTimeoutTests {
    /// Walks a new session to the "where" question of a report about sexual abuse (P1 until
    /// something says it is over... here P2 by menu answer, not in danger now).
    func startSexualAbuseReport(_ client: any TestClientProtocol) async throws -> USSDPhone {
        var phone = USSDPhone(client)
        _ = try await phone.dial()
        _ = try await phone.answer("1")  // report
        _ = try await phone.answer("1")  // about me
        _ = try await phone.answer("2")  // sexual abuse: P2
        let screen = try await phone.answer("2")  // not in danger right now
        #expect(screen.hasPrefix("CON Chuyen xay ra o dau?"))
        return phone
    }

    @Test("redialling offers to continue; continuing returns to the same question with the same case")
    func continueUnfinished() async throws {
        try await withApp { client, store in
            _ = try await startSexualAbuseReport(client)
            var again = USSDPhone(client)  // a new USSD session id: the person was cut off and redialled
            #expect(try await again.dial() == "CON Ban co mot bao tin chua xong. Lam tiep khong?\n1. Lam tiep\n2. Bat dau lai")
            #expect(try await again.answer("1").hasPrefix("CON Chuyen xay ra o dau?"))
            _ = try await again.answer("Mong Cai")
            _ = try await again.answer("#")
            _ = try await again.answer("3")
            let end = try await again.answer("#")
            let reference = String(try #require(end.firstMatch(of: #/Ma so: (QN-\w{6})/#)).1)
            let stored = try #require(try await store.findCase(reference: reference))
            #expect(stored.status == .submitted)
            #expect(stored.category == "sexual")
            #expect(stored.answers["danger_now"] == "no")
            #expect(stored.answers["location"] == "Mong Cai")
            // One case, escalated once: when the first session was superseded (P2) and not again.
            #expect(try await store.outbox(kind: "escalation").map(\.caseReference) == [reference])
        }
    }

    @Test("starting again keeps the unfinished report on file as incomplete, escalated because it is P2")
    func startAgain() async throws {
        try await withApp { client, store in
            _ = try await startSexualAbuseReport(client)
            var again = USSDPhone(client)
            _ = try await again.dial()
            #expect(try await again.answer("2").hasPrefix("CON Duong day bao ve tre em."))
            let item = try #require(try await store.outbox(kind: "escalation").first)
            let reference = try #require(item.caseReference)
            let stored = try #require(try await store.findCase(reference: reference))
            #expect(stored.status == .incomplete)
            #expect(stored.priority == .p2)
            #expect(item.priority == .p2)
        }
    }

    @Test("a session idle past the USSD timeout is closed: the report is incomplete and escalated, then offered again")
    func idleTimeout() async throws {
        try await withApp { client, store in
            _ = try await startSexualAbuseReport(client)
            #expect(try await store.expireIdleSessions(now: Date().addingTimeInterval(60), ussdIdle: 180, smsIdle: 86400) == 0)
            #expect(try await store.expireIdleSessions(now: Date().addingTimeInterval(200), ussdIdle: 180, smsIdle: 86400) == 1)
            let item = try #require(try await store.outbox(kind: "escalation").first)
            let reference = try #require(item.caseReference)
            #expect(try await store.findCase(reference: reference)?.status == .incomplete)
            var again = USSDPhone(client)
            #expect(try await again.dial().hasPrefix("CON Ban co mot bao tin chua xong."))
            _ = try await again.answer("1")
            #expect(try await store.findCase(reference: reference)?.status == .open)
            #expect(try await store.outbox(kind: "escalation").count == 1)
        }
    }

    @Test("the gateway's end-of-session notice closes an unfinished report the same way")
    func gatewayEndsSession() async throws {
        try await withApp { client, store in
            let phone = try await startSexualAbuseReport(client)
            let response = try await client.execute(
                uri: "/webhooks/at-ussd", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "sessionId=\(phone.sessionID)&status=Aborted&durationInMillis=9000"))
            #expect(response.status == .ok)
            let item = try #require(try await store.outbox(kind: "escalation").first)
            let reference = try #require(item.caseReference)
            #expect(try await store.findCase(reference: reference)?.status == .incomplete)
        }
    }

    @Test("a finished report is not offered again")
    func finishedIsNotOffered() async throws {
        try await withApp { client, _ in
            var phone = try await startSexualAbuseReport(client)
            _ = try await phone.answer("Ha Long")
            _ = try await phone.answer("12")
            _ = try await phone.answer("3")
            _ = try await phone.answer("#")
            var again = USSDPhone(client)
            #expect(try await again.dial().hasPrefix("CON Duong day bao ve tre em."))
        }
    }
}
