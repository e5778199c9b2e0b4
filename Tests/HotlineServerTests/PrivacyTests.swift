import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Storage
import Synchronization
import Testing

@testable import HotlineCore
@testable import HotlineServer

/// Every line logged, with its metadata, for scanning.
final class CapturedLogs: Sendable {
    let lines = Mutex<[String]>([])

    func logger(label: String = "captured") -> Logger {
        var logger = Logger(label: label) { _ in Handler(sink: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
            sink.lines.withLock { $0.append("\(event.level) \(event.message) \(all) \(event.source)") }
        }
    }
}

@Suite("Privacy: what a conversation leaves on disk and in the logs")
struct PrivacyTests {
    static let number = "912345678"
    static let words = ["bo dang danh em", "xom Tan Phu", "Tan Phu"]

    /// A report by SMS and by USSD from the same number, with words only this person wrote.
    func converse(_ client: any TestClientProtocol) async throws {
        var sms = SMSPhone(client)
        try await sms.send("chu oi cuu em, bo dang danh em")
        try await sms.send("xom Tan Phu")
        var ussd = USSDPhone(client)
        _ = try await ussd.dial()
        _ = try await ussd.answer("1")
        _ = try await ussd.answer("1")
        _ = try await ussd.answer("xom Tan Phu")
    }

    @Test("after a conversation, neither the database nor its WAL holds the number or the words in plain form")
    func sealedAtRest() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await withApp(databaseFolder: folder) { client, store async throws in
            try await converse(client)
            #expect(try await store.messageCount() >= 8)
            for name in ["hotline.sqlite", "hotline.sqlite-wal"] {
                let bytes = try Data(contentsOf: folder.appendingPathComponent(name))
                #expect(bytes.count > 0)
                for needle in [Self.number] + Self.words {
                    #expect(bytes.range(of: Data(needle.utf8)) == nil, "\(name) holds '\(needle)'")
                }
            }
        }
        // The key file is the owner's alone.
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("hotline.key").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test("everything logged during a conversation, at trace level, is free of the number and the words")
    func maskedLogs() async throws {
        let logs = CapturedLogs()
        try await withApp(logger: logs.logger()) { client, _ async throws in
            try await converse(client)
        }
        let lines = logs.lines.withLock { $0 }
        #expect(lines.count > 10)
        #expect(lines.contains { $0.contains("+8491****678") }, "the masked number is what is logged")
        for line in lines {
            for needle in [Self.number] + Self.words {
                #expect(!line.contains(needle), "logged: \(line)")
            }
        }
    }

    @Test("a rotated key still opens old rows, re-sealing moves every row to the new key, and the old key is then not needed")
    func rotation() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("h.sqlite").path
        let lookup = DataKeys.generate()
        let old = DataKeys.generate()
        let new = DataKeys.generate()
        let first = try SQLiteStore(path: path, sealer: AESGCMSealer(keys: try DataKeys(current: old, lookup: lookup)))
        let phone = try PhoneNumber(parsing: "0912345678")
        try await first.queueNotice(OutboundSMS(gatewayID: "at-sms", to: phone, text: "xom Tan Phu", purpose: .operatorNotice), at: Date())
        let part = InboundPart(
            gatewayID: "vonage", phone: phone, to: "1", reference: "r", total: 2, index: 1, messageID: "p1", text: "Tan Phu")
        _ = try await first.storePart(part, at: Date())
        try await first.close()

        let rotated = AESGCMSealer(keys: try DataKeys(current: new, previous: [old], lookup: lookup))
        let store = try SQLiteStore(path: path, sealer: rotated)
        #expect(try await store.partSetsDue(before: Date().addingTimeInterval(60)).first?.text == "Tan Phu")
        #expect(try await store.resealBatch(currentKeyID: rotated.currentKeyID, batch: 1) == 2)  // one row per table with any
        #expect(try await store.resealBatch(currentKeyID: rotated.currentKeyID) == 0)
        try await store.close()

        let onlyNew = try SQLiteStore(path: path, sealer: AESGCMSealer(keys: try DataKeys(current: new, lookup: lookup)))
        #expect(try await onlyNew.partSetsDue(before: Date().addingTimeInterval(60)).first?.phone == phone)
        let claimed = try await onlyNew.claimDueOutbox(now: Date(), limit: 5, lease: 60)
        #expect(claimed.count == 1)
        try await onlyNew.close()

        let onlyOld = try SQLiteStore(path: path, sealer: AESGCMSealer(keys: try DataKeys(current: old, lookup: lookup)))
        await #expect(throws: SealerError.self) { try await onlyOld.partSetsDue(before: Date().addingTimeInterval(60)) }
        try await onlyOld.close()
    }

    @Test("a plaintext database is re-sealed and its lookups re-keyed")
    func fromPlaintext() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("h.sqlite").path
        let plain = try SQLiteStore(path: path)
        let phone = try PhoneNumber(parsing: "0912345678")
        _ = try await plain.storePart(
            InboundPart(gatewayID: "vonage", phone: phone, to: "1", reference: "r", total: 2, index: 1, messageID: "p1", text: "Tan Phu"),
            at: Date())
        try await plain.close()
        let sealer = AESGCMSealer(keys: try DataKeys(current: DataKeys.generate(), lookup: DataKeys.generate()))
        let store = try SQLiteStore(path: path, sealer: sealer)
        #expect(try await store.resealBatch(currentKeyID: sealer.currentKeyID) == 1)
        try await store.close()
        let bytes =
            try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
        // secure_delete zeroes what the re-sealing replaced, so the old plaintext is gone too.
        #expect(bytes.range(of: Data("Tan Phu".utf8)) == nil)
        // A second part from the same number now joins the same set: the lookup was re-keyed.
        let again = try SQLiteStore(path: path, sealer: sealer)
        let set = try await again.storePart(
            InboundPart(gatewayID: "vonage", phone: phone, to: "1", reference: "r", total: 2, index: 2, messageID: "p2", text: " em"),
            at: Date())
        #expect(set?.text == "Tan Phu em")
        try await again.close()
    }
}
