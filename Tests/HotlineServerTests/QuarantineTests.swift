import Foundation
import HotlineServer
import HummingbirdTesting
import Storage
import Synchronization
import Testing

/// One unreadable row must not stop everything behind it: it is set aside (quarantined), and
/// the rest keeps flowing while a supervisor is told.
@Suite("Quarantine of rows that cannot be read", .serialized)
struct QuarantineTests {
    @Test("an escalation sealed under a key since retired is set aside; the next urgent case reaches 111 at once; supervisors told once")
    func retiredKeyRowIsQuarantined() async throws {
        let receiver = try await LocalReceiver.start()
        let config = try escalationTestConfig(smsURL: receiver.smsURL)
        let environment = escalationEnvironment(webhookURL: receiver.webhookURL)
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }

        // 111 is down: the first case's escalation is built, stored sealed, and waits to retry.
        receiver.setWebhookStatus(503)
        let stuck = Mutex("")
        try await withApp(config: config, databaseFolder: folder, environment: environment) { client, store in
            let reference = try await openUrgentCase(client, store: store, phone: "+84912000301")
            stuck.withLock { $0 = reference }
            try await eventually("111 was tried") { receiver.escalations.count >= 1 }
        }
        let stuckReference = stuck.withLock { $0 }

        // The key it was sealed with is retired before any rotation resealed it.
        let keyFile = folder.appendingPathComponent("hotline.key").path
        let raw = try DataKeys.rawKeys(file: keyFile)
        try DataKeys.write(file: keyFile, keys: [(0..<32).map { _ in UInt8.random(in: 0...255) }], lookup: raw.lookup)

        receiver.setWebhookStatus(200)
        let triedBefore = receiver.escalations.count
        try await withApp(config: config, databaseFolder: folder, environment: environment) { client, store in
            let fresh = try await openUrgentCase(client, store: store, phone: "+84912000302")
            try await eventually("the new case reaches 111") {
                receiver.escalations.dropFirst(triedBefore).contains { $0.body.contains(fresh) }
            }
            #expect(!receiver.escalations.dropFirst(triedBefore).contains { $0.body.contains(stuckReference) })
            try await eventually("the unreadable escalation is quarantined") {
                try await store.outbox(kind: "escalation").contains { $0.caseReference == stuckReference && $0.status == "quarantined" }
            }
            #expect(try await store.outbox(kind: "escalation").contains { $0.caseReference == fresh && $0.status == "delivered" })

            let audit = try await store.auditTrail(reference: stuckReference)
            #expect(audit.contains { $0.action == "quarantined" && $0.detail.contains("not among the data keys") })

            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            let readiness = try #require(try JSONSerialization.jsonObject(with: Data(buffer: ready.body)) as? [String: Any])
            #expect(readiness["status"] as? String == "degraded")
            #expect((readiness["quarantined"] as? [String: Int])?["outbox"] == 1)

            let metrics = try PrometheusText(String(buffer: try await client.execute(uri: "/metrics", method: .get).body))
            #expect(metrics.value("hotline_quarantined_rows_total", ["table": "outbox"]) == 1)
            // Scraped again, the counter does not count the same row twice.
            let again = try PrometheusText(String(buffer: try await client.execute(uri: "/metrics", method: .get).body))
            #expect(again.value("hotline_quarantined_rows_total", ["table": "outbox"]) == 1)

            // The supervisors' tier (tier 2 in the bundled ladder) is told once, with the reference only.
            try await eventually("the supervisors' tier is alerted") { receiver.texts.contains { $0.message.contains("WARNING") } }
            let _ = try await openUrgentCase(client, store: store, phone: "+84912000303")  // more dispatcher passes
            try await Task.sleep(for: .milliseconds(500))
            let warnings = receiver.texts.filter { $0.message.contains("WARNING") }
            #expect(warnings.count == 1)
            #expect(warnings.first?.to == "+84900000113")
            #expect(warnings.first?.message.contains(stuckReference) == true)
            #expect(warnings.first?.message.contains("912000301") == false)
        }
        await receiver.stop()
    }
}
