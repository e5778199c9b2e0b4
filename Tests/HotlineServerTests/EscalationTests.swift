import Foundation
import HTTPTypes
import HotlineCore
import HotlineDispatch
import HotlineServer
import HummingbirdTesting
import NIOCore
import Storage
import Synchronization
import Testing

/// Every test here runs the real service (router, SQLite file, dispatcher) against a real
/// HTTP receiver on loopback standing in for the 111 system and Africa's Talking.
@Suite("Escalation to 111: outbox, signed webhook, SMS alerts, acknowledgement ladder", .serialized)
struct EscalationTests {
    @Test("an urgent case reaches the 111 webhook at once, signed, with its transcript and no number without consent")
    func signedDelivery() async throws {
        let receiver = try await LocalReceiver.start()
        let config = try escalationTestConfig(smsURL: receiver.smsURL)
        try await withApp(config: config, environment: escalationEnvironment(webhookURL: receiver.webhookURL)) { client, store in
            let reference = try await openUrgentCase(client, store: store, phone: "+84912345678")
            try await eventually("the 111 webhook receives the case") { receiver.escalations.count == 1 }
            let request = receiver.escalations[0]
            let signature = try #require(request.headers["x-hotline-signature"])
            let now = Int(Date().timeIntervalSince1970)
            #expect(EscalationSignature.verify(header: signature, body: Array(request.body.utf8), secret: testSecret, now: now))
            #expect(!EscalationSignature.verify(header: signature, body: Array(request.body.utf8), secret: "another", now: now))
            #expect(!EscalationSignature.verify(header: signature, body: Array((request.body + " ").utf8), secret: testSecret, now: now))
            #expect(request.headers["idempotency-key"]?.hasPrefix("esc-") == true)
            #expect(request.headers["content-type"] == "application/json")

            let payload = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
            #expect(payload["reference"] as? String == reference)
            #expect(payload["priority"] as? String == "P1")
            #expect((payload["reasons"] as? [String])?.isEmpty == false)
            #expect(payload["channel"] as? String == "ussd")
            #expect(payload["gateway"] as? String == "at-ussd")
            #expect((payload["operator_url"] as? String)?.hasSuffix("/api/v1/cases/\(reference)") == true)
            let transcript = try #require(payload["transcript"] as? [[String: Any]])
            #expect(transcript.contains { $0["from"] as? String == "person" && $0["text"] as? String == "3" })
            // Help now never asks about contact: no consent, so no number anywhere in the body.
            let contact = try #require(payload["contact"] as? [String: Any])
            #expect(contact["phone"] as? String == nil)
            #expect(!request.body.contains("912345678"))

            try await eventually("the outbox row is delivered") {
                try await store.outbox(kind: "escalation").first?.status == "delivered"
            }
            let audit = try await store.auditTrail(reference: reference)
            #expect(audit.contains { $0.actor == "dispatcher" && $0.action == "escalation_to_111" })
        }
        await receiver.stop()
    }

    /// Outbox ids start at 1 in every database, so a key of the id alone would make a second
    /// database's first urgent case look to 111 like a repeat of the first database's.
    @Test("two databases' first escalations carry different keys; a restarted database keeps its own")
    func escalationKeysNameTheirDatabase() async throws {
        let receiver = try await LocalReceiver.start()
        let config = try escalationTestConfig(smsURL: receiver.smsURL)
        let environment = escalationEnvironment(webhookURL: receiver.webhookURL)
        let first = try makeTemporaryDirectory()
        let second = try makeTemporaryDirectory()
        defer { for folder in [first, second] { try? FileManager.default.removeItem(at: folder) } }

        func escalate(in folder: URL, phone: String) async throws -> (key: String, deployment: String) {
            let before = receiver.escalations.count
            let found = Mutex<(String, String)?>(nil)
            try await withApp(config: config, databaseFolder: folder, environment: environment) { client, store in
                _ = try await openUrgentCase(client, store: store, phone: phone)
                try await eventually("the 111 webhook receives the case") { receiver.escalations.count == before + 1 }
                let request = receiver.escalations[before]
                let key = try #require(request.headers["idempotency-key"])
                let payload = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
                #expect(payload["escalation_id"] as? String == key)
                found.withLock { $0 = (key, store.deploymentID) }
            }
            let (key, deployment) = try #require(found.withLock { $0 })
            return (key, deployment)
        }

        let a = try await escalate(in: first, phone: "+84912000101")
        let b = try await escalate(in: second, phone: "+84912000102")
        #expect(a.deployment.count == 32 && b.deployment.count == 32)
        #expect(a.deployment != b.deployment)
        #expect(a.key == "esc-\(a.deployment)-\(a.key.split(separator: "-").last!)")
        // The same outbox row number in both databases, yet different keys.
        #expect(a.key.split(separator: "-").last == b.key.split(separator: "-").last)
        #expect(a.key != b.key)

        let again = try await escalate(in: first, phone: "+84912000103")
        #expect(again.deployment == a.deployment)
        #expect(again.key.hasPrefix("esc-\(a.deployment)-") && again.key != a.key)
        await receiver.stop()
    }

    /// "Down" is a receiver answering 503, not a closed port: a port closed by one test is free
    /// for the next test's receiver to take, and then this test's escalations went there.
    @Test("while the 111 receiver is unavailable escalations wait, and each is delivered under its one key when it is back")
    func receiverDownThenBack() async throws {
        let receiver = try await LocalReceiver.start()
        receiver.setWebhookStatus(503)
        let config = try escalationTestConfig(smsURL: receiver.smsURL)
        try await withApp(config: config, environment: escalationEnvironment(webhookURL: receiver.webhookURL)) { client, store in
            for i in 1...3 { _ = try await openUrgentCase(client, store: store, phone: "+8491234560\(i)") }
            try await eventually("every escalation was tried at least twice while 111 answered 503") {
                let rows = try await store.outboxSummaries(kind: "escalation", status: nil, limit: 10)
                return rows.count == 3 && rows.allSatisfy { $0.attempts >= 2 && $0.status != "delivered" }
            }
            receiver.setWebhookStatus(200)
            try await eventually("all three are delivered once the receiver is back") {
                try await store.outbox(kind: "escalation").allSatisfy { $0.status == "delivered" }
            }
            // Every try of one escalation carries its one key and the same body, which is what
            // lets 111 treat a repeat as the same case.
            let requests = receiver.escalations
            let keys = requests.compactMap { $0.headers["idempotency-key"] }
            #expect(keys.count == requests.count)
            #expect(Set(keys).count == 3)
            for key in Set(keys) {
                let tries = requests.filter { $0.headers["idempotency-key"] == key }
                #expect(tries.count >= 2)  // refused at least once, then accepted
                #expect(Set(tries.map(\.body)).count == 1)
            }
        }
        await receiver.stop()
    }

    @Test("a restart during retries delivers the same body with the same idempotency key")
    func restartDuringRetries() async throws {
        let receiver = try await LocalReceiver.start()
        receiver.setWebhookStatus(503)
        let config = try escalationTestConfig(smsURL: receiver.smsURL)
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let environment = escalationEnvironment(webhookURL: receiver.webhookURL)
        try await withApp(config: config, databaseFolder: folder, environment: environment) { client, store in
            _ = try await openUrgentCase(client, store: store, phone: "+84912345678")
            try await eventually("the 111 system answered 503 at least twice") { receiver.escalations.count >= 2 }
        }
        let refused = receiver.escalations
        receiver.setWebhookStatus(200)
        try await withApp(config: config, databaseFolder: folder, environment: environment) { _, store in
            try await eventually("delivered after the restart") {
                try await store.outbox(kind: "escalation").first?.status == "delivered"
            }
        }
        let all = receiver.escalations
        #expect(all.count > refused.count)
        let keys = Set(all.compactMap { $0.headers["idempotency-key"] })
        #expect(keys.count == 1)
        #expect(Set(all.map(\.body)).count == 1)
        await receiver.stop()
    }

    @Test("a 4xx from the 111 webhook is final and falls back to SMS alerts to the first tier at once")
    func clientErrorFallsBackToSMS() async throws {
        let receiver = try await LocalReceiver.start()
        receiver.setWebhookStatus(400)
        let config = try escalationTestConfig(smsURL: receiver.smsURL)
        try await withApp(config: config, environment: escalationEnvironment(webhookURL: receiver.webhookURL)) { client, store in
            let reference = try await openUrgentCase(client, store: store, phone: "+84912345678")
            try await eventually("the escalation failed") { try await store.outbox(kind: "escalation").first?.status == "failed" }
            try await eventually("both first-tier phones got an alert") { receiver.texts.count == 2 }
            #expect(receiver.escalations.count == 1)
            #expect(Set(receiver.texts.map { $0.to }) == ["+84900000111", "+84900000112"])
            for text in receiver.texts.map { $0.message } {
                #expect(text.contains("P1 \(reference)"))
                #expect(text.contains("OK \(reference)"))
                #expect(!text.contains("912345678"))
                #expect(SMSText.analyze(text).segments == 1)
            }
            let detail = try #require(try await store.caseDetail(reference: reference, actor: "test", action: "check", at: Date()))
            #expect(detail.events.contains { $0.kind == "fallback" })
            #expect(detail.events.contains { $0.kind == "escalation_failed" })
            #expect(detail.events.contains { $0.kind == "alerted" && $0.detail.contains("tier 1") })
        }
        await receiver.stop()
    }

    @Test("without acknowledgement the ladder climbs tier by tier; acknowledging by API or by SMS stops it")
    func acknowledgementLadder() async throws {
        let receiver = try await LocalReceiver.start()
        let config = try escalationTestConfig(smsURL: receiver.smsURL, acknowledgeWithin: 0.6)
        try await withApp(config: config, environment: escalationEnvironment(webhookURL: receiver.webhookURL)) { client, store in
            // Acknowledged at once, before the second case is walked through: opening a case takes
            // several turns, which on a loaded machine outlast the 0.6 s deadline.
            let acknowledged = try await openUrgentCase(client, store: store, phone: "+84912000001")
            #expect(try await api(client, .post, "/cases/\(acknowledged)/acknowledge").status == .ok)
            let waiting = try await openUrgentCase(client, store: store, phone: "+84912000002")

            try await eventually("the second tier is alerted about the unacknowledged case") {
                receiver.texts.contains { $0.to == "+84900000113" }
            }
            let texts = receiver.texts
            let firstTier = texts.firstIndex { $0.to == "+84900000111" }
            let secondTier = texts.firstIndex { $0.to == "+84900000113" }
            #expect(firstTier != nil && secondTier != nil && firstTier! < secondTier!)
            #expect(texts.allSatisfy { $0.message.contains(waiting) })
            #expect(!texts.contains { $0.message.contains(acknowledged) })

            // The on-call operator answers from their phone.
            var onCall = SMSPhone(client, phone: "+84900000111")
            #expect(try await onCall.send("ok \(waiting)").status == .ok)
            try await eventually("the operator is told it is acknowledged") {
                receiver.texts.contains { $0.to == "+84900000111" && $0.message.hasPrefix("Da xac nhan \(waiting)") }
            }
            let afterAcknowledgement = receiver.texts.count
            try await Task.sleep(for: .milliseconds(1500))
            #expect(receiver.texts.count == afterAcknowledgement)

            let detail = try #require(try await store.caseDetail(reference: waiting, actor: "test", action: "check", at: Date()))
            #expect(detail.summary.handling == .acknowledged)
            #expect(detail.events.filter { $0.kind == "alerted" }.count >= 2)
            #expect(detail.events.contains { $0.kind == "acknowledged" && $0.actor == "sms:+8490****111" })
            let other = try #require(try await store.caseDetail(reference: acknowledged, actor: "test", action: "check", at: Date()))
            #expect(!other.events.contains { $0.kind == "alerted" })
            #expect(other.events.contains { $0.kind == "acknowledged" && $0.actor == "dev" })
        }
        await receiver.stop()
    }
}
