import Foundation
import HTTPTypes
import HotlineCore
import HotlineServer
import HummingbirdTesting
import NIOCore
import Storage
import Testing

/// `POST /api/v1/cases/{reference}/triage` through the real router, a real SQLite file and
/// the dispatcher, against a real HTTP receiver standing in for 111 and Africa's Talking.
@Suite("Operators correct triage: audited, in the history, counted, and a raise escalates", .serialized)
struct TriageCorrectionTests {
    func correct(_ client: any TestClientProtocol, _ reference: String, _ json: String, token: String? = devToken) async throws
        -> TestResponse
    {
        try await api(client, .post, "/cases/\(reference)/triage", token: token, json: json)
    }

    /// The value of `hotline_triage_corrections_total{from,to}` on `/metrics` (nil when absent).
    func corrections(_ client: any TestClientProtocol, from: String, to: String) async throws -> Double? {
        let response = try await client.execute(uri: "/metrics", method: .get)
        let parsed = try PrometheusText(String(buffer: response.body))
        let value = parsed.samples.first {
            $0.name == "hotline_triage_corrections_total" && $0.labels == ["from": from, "to": to]
        }?.value
        if value != nil { #expect(parsed.types["hotline_triage_corrections_total"] == "counter") }
        return value
    }

    @Test(
        "raising a submitted P3 case to P1 escalates it as any P1: 111 hears it, the deadline alerts the ladder; history, audit and metrics say so"
    )
    func raiseToP1Escalates() async throws {
        let receiver = try await LocalReceiver.start()
        let config = try escalationTestConfig(smsURL: receiver.smsURL, acknowledgeWithin: 0.6)
        try await withApp(config: config, environment: escalationEnvironment(webhookURL: receiver.webhookURL)) { client, store in
            let reference = try await submitReport(client, phone: "+84912000301", contact: "3")
            try await eventually("111 has the P3 report") { receiver.escalations.count == 1 }
            #expect(try await corrections(client, from: "P3", to: "P1") == nil)

            let response = try await correct(
                client, reference, #"{"priority":"P1","category":"physical","reason":"Con nói bố cầm dao dọa, gọi lại xác nhận."}"#)
            #expect(response.status == .ok)
            let body = try jsonObject(response)
            #expect(body["escalated"] as? Bool == true)
            #expect((body["from"] as? [String: Any])?["priority"] as? String == "P3")
            #expect((body["to"] as? [String: Any])?["priority"] as? String == "P1")

            try await eventually("111 receives the case again, now P1") {
                receiver.escalations.contains { $0.body.contains(#""priority":"P1""#) && $0.body.contains(reference) }
            }
            let p1 = try #require(receiver.escalations.last)
            let payload = try #require(try JSONSerialization.jsonObject(with: Data(p1.body.utf8)) as? [String: Any])
            #expect((payload["reasons"] as? [String])?.last == "P1: corrected by dev (was P3)")
            // Nobody acknowledges: the deadline alerts the first tier, as for any P1.
            try await eventually("the first tier is alerted") { receiver.texts.contains { $0.to == "+84900000111" } }
            #expect(receiver.texts.allSatisfy { $0.message.contains("P1 \(reference)") })
            #expect(try await store.outbox(kind: "escalation").map(\.priority) == [.p3, .p1])

            let stored = try #require(try await store.findCase(reference: reference))
            #expect(stored.priority == .p1)
            let detail = try #require(try await store.caseDetail(reference: reference, actor: "test", action: "check", at: Date()))
            let event = try #require(detail.events.first { $0.kind == "triage_corrected" })
            #expect(event.actor == "dev")
            #expect(event.detail == "P3 -> P1: Con nói bố cầm dao dọa, gọi lại xác nhận.")
            #expect(detail.events.contains { $0.kind == "alerted" })
            let audit = try #require(try await store.auditTrail(reference: reference).first { $0.action == "correct_triage" })
            #expect(audit.actor == "dev")
            #expect(audit.detail == "P3 -> P1")
            #expect(try await corrections(client, from: "P3", to: "P1") == 1)
        }
        await receiver.stop()
    }

    @Test("a correction during an open conversation sticks: later answers keep the operator's priority and category, and P1 is sent once")
    func correctionSurvivesTheConversation() async throws {
        try await withReceiver { client, store in
            var phone = USSDPhone(client)
            phone.phone = "+84912000302"
            _ = try await phone.dial()
            for answer in ["1", "1", "2", "2"] { _ = try await phone.answer(answer) }  // me, sexual abuse (P2), not now
            let reference = try await openReference(client)
            #expect(try await store.findCase(reference: reference)?.priority == .p2)

            let response = try await correct(
                client, reference, #"{"priority":"P1","category":"online","reason":"threats to share photos tonight"}"#)
            #expect(response.status == .ok)
            #expect(try await store.outbox(kind: "escalation").map(\.priority) == [.p1])

            for answer in ["Ha Long", "13", "3"] { _ = try await phone.answer(answer) }
            #expect(try await phone.answer("#").hasPrefix("END Cam on ban. Ma so: \(reference)."))
            let stored = try #require(try await store.findCase(reference: reference))
            #expect(stored.priority == .p1)
            #expect(stored.category == "online")
            #expect(stored.status == .submitted)
            #expect(stored.reasons.contains("P1: corrected by dev (was P2)"))
            // The confirmation's escalation finds P1 already sent.
            #expect(try await store.outbox(kind: "escalation").map(\.priority) == [.p1])
        }
    }

    @Test("an open report raised below P1 is escalated at its confirmation, at the new level")
    func raiseBelowP1WaitsForTheConversation() async throws {
        try await withReceiver { client, store in
            var phone = USSDPhone(client)
            phone.phone = "+84912000303"
            _ = try await phone.dial()
            for answer in ["1", "1", "3", "2"] { _ = try await phone.answer(answer) }  // me, bullying (P3), not now
            let reference = try await openReference(client)
            let response = try jsonObject(try await correct(client, reference, #"{"priority":"p2","reason":"hurt at school every day"}"#))
            #expect(response["escalated"] as? Bool == false)
            #expect((response["to"] as? [String: Any])?["category"] as? String == "bullying")
            #expect(try await store.outbox(kind: "escalation").isEmpty)
            for answer in ["Ha Long", "13", "3", "#"] { _ = try await phone.answer(answer) }
            #expect(try await store.outbox(kind: "escalation").map(\.priority) == [.p2])
            #expect(try await store.findCase(reference: reference)?.priority == .p2)
        }
    }

    @Test("lowering a P1 is allowed and recorded; the acknowledgement ladder stops, since P3 needs no acknowledgement")
    func loweringStopsTheLadder() async throws {
        try await withReceiver { client, store in
            let reference = try await openUrgentCase(client, store: store, phone: "+84912000304")
            #expect(try await store.outbox(kind: "ack_check").map(\.status) == ["pending"])
            let response = try jsonObject(
                try await correct(
                    client, reference, #"{"priority":"P3","category":"advice","reason":"a question about school, checked by call"}"#))
            #expect(response["escalated"] as? Bool == false)
            #expect(try await store.outbox(kind: "ack_check").map(\.status) == ["settled"])
            let stored = try #require(try await store.findCase(reference: reference))
            #expect(stored.priority == .p3)
            #expect(stored.category == "advice")
            let detail = try #require(try await store.caseDetail(reference: reference, actor: "test", action: "check", at: Date()))
            #expect(
                detail.events.contains { $0.kind == "triage_corrected" && $0.detail.hasPrefix("P1 -> P3, category danger_now -> advice: ") }
            )
            #expect(detail.events.contains { $0.kind == "ladder_stopped" && $0.actor == "dev" })
            #expect(try await corrections(client, from: "P1", to: "P3") == 1)
        }
    }

    @Test("a resolved case may be corrected for the record, without escalating it")
    func resolvedCaseIsNotEscalated() async throws {
        try await withReceiver { client, store in
            let reference = try await submitReport(client, phone: "+84912000305", contact: "3")
            #expect(try await api(client, .post, "/cases/\(reference)/resolve", json: #"{"outcome":"referred"}"#).status == .ok)
            let response = try jsonObject(try await correct(client, reference, #"{"priority":"P1","reason":"review: it was urgent"}"#))
            #expect(response["escalated"] as? Bool == false)
            #expect(try await store.outbox(kind: "escalation").map(\.priority) == [.p3])
            #expect(try await store.findCase(reference: reference)?.priority == .p1)
        }
    }

    @Test("bad corrections are refused with the reason and change nothing; any operator may correct, nobody without a token")
    func badRequestsAreRefused() async throws {
        try await withReceiver { client, store in
            let reference = try await submitReport(client, phone: "+84912000306", contact: "3")
            let refusals: [(json: String, status: HTTPResponse.Status, says: String)] = [
                (#"{"priority":"P9","reason":"x"}"#, .unprocessableContent, "'P9' is not one of P1, P2 or P3"),
                (#"{"priority":"none","reason":"x"}"#, .unprocessableContent, "is not one of P1, P2 or P3"),
                (
                    #"{"priority":"P1","category":"aliens","reason":"x"}"#, .unprocessableContent,
                    "category 'aliens' is not one this hotline uses"
                ),
                (#"{"category":"physical","reason":"x"}"#, .badRequest, "priority is required"),
                (#"{"priority":"P1"}"#, .badRequest, "reason is required"),
                (#"{"priority":"P1","reason":"   "}"#, .badRequest, "reason is required"),
                ("not json", .badRequest, "malformed JSON"),
            ]
            for refusal in refusals {
                let response = try await correct(client, reference, refusal.json)
                #expect(response.status == refusal.status, "\(refusal.json)")
                #expect(String(buffer: response.body).contains(refusal.says), "\(refusal.json): \(String(buffer: response.body))")
            }
            #expect(try await correct(client, "QN-NOPE00", #"{"priority":"P1","reason":"x"}"#).status == .notFound)
            #expect(try await correct(client, reference, #"{"priority":"P1","reason":"x"}"#, token: nil).status == .unauthorized)
            #expect(try await store.findCase(reference: reference)?.priority == .p3)
            #expect(try await !store.auditTrail(reference: reference).contains { $0.action == "correct_triage" })

            let desk = try await correct(
                client, reference, #"{"priority":"P2","category":"neglect","reason":"no food at home"}"#, token: deskToken)
            #expect(desk.status == .ok)
            let stored = try #require(try await store.findCase(reference: reference))
            #expect(stored.priority == .p2 && stored.category == "neglect")
            #expect(try await store.auditTrail(reference: reference).contains { $0.action == "correct_triage" && $0.actor == "duty-desk" })
        }
    }

    /// The service with 111 and Africa's Talking on a local receiver (a closed port would hold
    /// each test's shutdown while the dispatcher's connection attempt times out).
    func withReceiver(_ body: @Sendable (any TestClientProtocol, SQLiteStore) async throws -> Void) async throws {
        let receiver = try await LocalReceiver.start()
        let config = try escalationTestConfig(smsURL: receiver.smsURL)
        try await withApp(config: config, environment: escalationEnvironment(webhookURL: receiver.webhookURL), body)
        await receiver.stop()
    }

    /// The reference of the one open case, as operators list it.
    func openReference(_ client: any TestClientProtocol) async throws -> String {
        let cases = try #require(try jsonObject(try await api(client, .get, "/cases?status=open"))["cases"] as? [[String: Any]])
        #expect(cases.count == 1)
        return try #require(cases.first?["reference"] as? String)
    }
}
