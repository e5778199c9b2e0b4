import Foundation
import GRDB
import HotlineServer
import HummingbirdTesting
import Synchronization
import Testing

@testable import Storage

/// A disk can die: a copy taken while the service runs must restore into a working service
/// that has every message answered before the copy began, still sealed, and that escalates
/// new cases under keys 111 has not seen.
@Suite("Backups of the embedded store", .serialized)
struct BackupTests {
    @Test("a backup under load restores every message acknowledged before it began, still sealed, as a new deployment")
    func backupUnderLoadRestores() async throws {
        let receiver = try await LocalReceiver.start()
        let config = try escalationTestConfig(smsURL: receiver.smsURL)
        let environment = escalationEnvironment(webhookURL: receiver.webhookURL)
        let original = try makeTemporaryDirectory()
        let vault = try makeTemporaryDirectory()
        let restored = try makeTemporaryDirectory()
        defer { for folder in [original, vault, restored] { try? FileManager.default.removeItem(at: folder) } }
        let copyPath = vault.appendingPathComponent("hotline-copy.sqlite").path

        let load = Load()
        let ids = Mutex<(original: String, copy: String, firstKey: String)>(("", "", ""))
        try await withApp(config: config, databaseFolder: original, environment: environment) { client, store in
            _ = try await openUrgentCase(client, store: store, phone: "+84912000201")
            try await eventually("the first case reaches 111") { receiver.escalations.count == 1 }
            let firstKey = receiver.escalations[0].headers["idempotency-key"] ?? ""
            try await withThrowingTaskGroup(of: Void.self) { group in
                // The lanes stop however this ends, a failed wait included.
                defer { load.stop.withLock { $0 = true } }
                for lane in 0..<3 {
                    group.addTask {
                        var n = 0
                        while !load.stop.withLock({ $0 }) && !Task.isCancelled {
                            // A new number every few messages keeps each under the hourly limit.
                            var phone = SMSPhone(client, phone: "+849123\(lane)\(String(format: "%04d", n / 4))")
                            let id = "ATXid_backup_\(lane)_\(n)"
                            if try await phone.send("tin nhắn số \(n) của làn \(lane)", messageID: id).status == .ok {
                                load.acknowledged.withLock { $0.append(id) }
                            }
                            n += 1
                        }
                    }
                }
                try await eventually("the load is running") { load.acknowledged.withLock { $0.count } >= 6 }
                let before = load.acknowledged.withLock { $0 }
                load.beforeBackup.withLock { $0 = before }
                let report = try await store.backup(to: copyPath, actor: "test", at: Date())
                ids.withLock { $0 = (store.deploymentID, report.deploymentID, firstKey) }
                await #expect(throws: BackupError.exists(copyPath)) {
                    try await store.backup(to: copyPath, actor: "test", at: Date())
                }
                // The service kept answering while the copy was made, and after.
                let atEnd = load.acknowledged.withLock { $0.count }
                try await eventually("more messages are answered after the backup") { load.acknowledged.withLock { $0.count } > atEnd + 3 }
                load.stop.withLock { $0 = true }
                try await group.waitForAll()
            }
            let audit = try await store.auditTrail(reference: nil)
            #expect(audit.contains { $0.action == "backup" && $0.actor == "test" })
        }
        let (originalID, copyID, firstKey) = ids.withLock { $0 }
        #expect(!copyID.isEmpty && copyID != originalID)
        // Sealed in the copy: neither the numbers nor the words are in its bytes.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: copyPath))
        for needle in ["849123", "tin nh", "của làn"] {
            #expect(bytes.range(of: Data(needle.utf8)) == nil, "'\(needle)' is readable in the backup")
        }

        // Restore: the copy and the key file (kept apart) into a new folder.
        try FileManager.default.copyItem(atPath: copyPath, toPath: restored.appendingPathComponent("hotline.sqlite").path)
        try FileManager.default.copyItem(
            atPath: original.appendingPathComponent("hotline.key").path, toPath: restored.appendingPathComponent("hotline.key").path)
        let expected = Set(load.beforeBackup.withLock { $0 })
        #expect(expected.count >= 6)
        try await withApp(config: config, databaseFolder: restored, environment: environment) { client, store in
            #expect(store.deploymentID == copyID)
            let stored = try await store.pool.read { db in
                try Set(String.fetchAll(db, sql: "SELECT message_id FROM inbound_ids WHERE gateway_id = 'at-sms'"))
            }
            #expect(expected.isSubset(of: stored), "missing: \(expected.subtracting(stored).sorted().prefix(5))")
            let reference = try await openUrgentCase(client, store: store, phone: "+84912000202")
            #expect(try await store.findCase(reference: reference) != nil)
            try await eventually("the restored service escalates a new case") {
                receiver.escalations.contains { $0.body.contains(reference) }
            }
            let key = try #require(receiver.escalations.last { $0.body.contains(reference) }?.headers["idempotency-key"])
            #expect(key.hasPrefix("esc-\(copyID)-"))
            #expect(key != firstKey)
            #expect(!receiver.escalations.dropLast().contains { $0.headers["idempotency-key"] == key })
        }
        await receiver.stop()
    }

    /// What the load lanes and the test share.
    final class Load: Sendable {
        let acknowledged = Mutex<[String]>([])
        let beforeBackup = Mutex<[String]>([])
        let stop = Mutex(false)
    }
}
