import Foundation
import HTTPTypes
import HotlineCore
import HotlineServer
import HummingbirdTesting
import NIOCore
import Storage
import Testing

@Suite("Operator API: bearer tokens, cases, actions, replies with consent, audit", .serialized)
struct OperatorAPITests {
    @Test("requests without a valid bearer token are refused with 401 and a reason")
    func tokensAreRequired() async throws {
        try await withApp(environment: escalationEnvironment(webhookURL: "http://127.0.0.1:9/none")) { client, _ in
            let missing = try await api(client, .get, "/cases", token: nil)
            #expect(missing.status == .unauthorized)
            #expect(String(buffer: missing.body).contains("Bearer"))
            #expect(try await api(client, .get, "/cases", token: "guess").status == .unauthorized)
            #expect(try await api(client, .get, "/cases", token: devToken + "x").status == .unauthorized)
            #expect(try await api(client, .get, "/cases", token: deskToken).status == .ok)
        }
    }

    @Test("lists show masked numbers only; reading a case shows the number only with consent, and both are audited")
    func readsAreMaskedAndAudited() async throws {
        try await withApp(environment: escalationEnvironment(webhookURL: "http://127.0.0.1:9/none")) { client, store in
            let consented = try await submitReport(client, phone: "+84912000011", contact: "1")
            let refused = try await submitReport(client, phone: "+84912000022", contact: "3")

            let list = try await api(client, .get, "/cases?status=submitted")
            #expect(list.status == .ok)
            let body = String(buffer: list.body)
            #expect(body.contains(consented) && body.contains(refused))
            #expect(body.contains("+8491****011"))
            #expect(!body.contains("+84912000011") && !body.contains("+84912000022"))

            let withConsent = try jsonObject(try await api(client, .get, "/cases/\(consented)"))
            #expect(withConsent["phone"] as? String == "+84912000011")
            #expect(withConsent["contact"] as? String == "sms")
            #expect((withConsent["transcript"] as? [Any])?.isEmpty == false)
            let withoutConsent = try jsonObject(try await api(client, .get, "/cases/\(refused)"))
            #expect(withoutConsent["phone"] as? String == nil)
            #expect(withoutConsent["contact"] as? String == "none")

            let audit = try await store.auditTrail(reference: nil)
            #expect(audit.contains { $0.actor == "dev" && $0.action == "list_cases" })
            #expect(audit.contains { $0.actor == "dev" && $0.action == "read_case" && $0.caseReference == consented })
            #expect(audit.contains { $0.actor == "dev" && $0.action == "read_case" && $0.caseReference == refused })

            #expect(try await api(client, .get, "/cases?priority=P9").status == .badRequest)
            #expect(try await api(client, .get, "/cases/QN-NOPE00").status == .notFound)
        }
    }

    @Test("a reply is refused with 409 for a reporter who asked not to be contacted, and sent for one who chose SMS")
    func replyNeedsConsent() async throws {
        let receiver = try await LocalReceiver.start()
        let config = try escalationTestConfig(smsURL: receiver.smsURL)
        try await withApp(config: config, environment: escalationEnvironment(webhookURL: receiver.webhookURL)) { client, store in
            let noContact = try await submitReport(client, phone: "+84912000033", contact: "3")
            let callOnly = try await submitReport(client, phone: "+84912000044", contact: "2")
            let sms = try await submitReport(client, phone: "+84912000055", contact: "1")
            let message = #"{"text":"Chào em, cán bộ 111 đây. Em có an toàn không?"}"#

            let refused = try await api(client, .post, "/cases/\(noContact)/reply", json: message)
            #expect(refused.status == .conflict)
            #expect(String(buffer: refused.body).contains("asked not to be contacted"))
            let call = try await api(client, .post, "/cases/\(callOnly)/reply", json: message)
            #expect(call.status == .conflict)
            #expect(String(buffer: call.body).contains("called, not texted"))

            #expect(try await api(client, .post, "/cases/\(sms)/reply", json: message).status == .accepted)
            // Sent as the gateway's policy says: at-sms is gsm7, so without marks.
            try await eventually("the reply goes out through Africa's Talking") {
                receiver.texts.contains { $0.to == "+84912000055" && $0.message == "Chao em, can bo 111 day. Em co an toan khong?" }
            }
            #expect(!receiver.texts.contains { $0.to == "+84912000033" || $0.to == "+84912000044" })
            let audit = try await store.auditTrail(reference: sms)
            #expect(audit.contains { $0.actor == "dev" && $0.action == "reply_sms" })
            #expect(try await api(client, .post, "/cases/\(sms)/reply", json: #"{"txt":"x"}"#).status == .badRequest)
        }
        await receiver.stop()
    }

    @Test("claim, note and resolve are recorded with who did them; conflicting actions get 409")
    func caseActions() async throws {
        try await withApp(environment: escalationEnvironment(webhookURL: "http://127.0.0.1:9/none")) { client, store in
            let reference = try await submitReport(client, phone: "+84912000066", contact: "3")
            #expect(try await api(client, .post, "/cases/\(reference)/claim").status == .ok)
            let taken = try await api(client, .post, "/cases/\(reference)/claim", token: deskToken)
            #expect(taken.status == .conflict)
            #expect(String(buffer: taken.body).contains("claimed by dev"))
            #expect(try await api(client, .post, "/cases/\(reference)/notes", json: #"{"text":"Đã gọi cho trường."}"#).status == .ok)
            #expect(try await api(client, .post, "/cases/\(reference)/notes", json: #"{"text":"   "}"#).status == .badRequest)
            #expect(
                try await api(client, .post, "/cases/\(reference)/resolve", json: #"{"outcome":"referred to district social worker"}"#)
                    .status
                    == .ok)
            #expect(try await api(client, .post, "/cases/\(reference)/resolve", json: #"{"outcome":"again"}"#).status == .conflict)
            #expect(try await api(client, .post, "/cases/QN-NOPE00/claim").status == .notFound)

            let view = try jsonObject(try await api(client, .get, "/cases/\(reference)"))
            let history = try #require(view["history"] as? [[String: Any]])
            #expect(history.contains { $0["kind"] as? String == "claimed" && $0["actor"] as? String == "dev" })
            #expect(history.contains { $0["kind"] as? String == "note" && $0["detail"] as? String == "Đã gọi cho trường." })
            #expect(view["outcome"] as? String == "referred to district social worker")
            let summary = try #require(view["case"] as? [String: Any])
            #expect(summary["handling"] as? String == "resolved")
            let actions = try await store.auditTrail(reference: reference).map { $0.action }
            #expect(["claim", "note", "resolve", "read_case"].allSatisfy { actions.contains($0) })

            let escalations = try jsonObject(try await api(client, .get, "/escalations"))
            #expect((escalations["escalations"] as? [Any])?.isEmpty == false)
        }
    }
}
