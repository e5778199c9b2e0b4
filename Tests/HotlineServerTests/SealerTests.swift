import Foundation
import HotlineCore
import HotlineServer
import Logging
import Storage
import Testing

@Suite("AES-GCM sealer")
struct SealerTests {
    let sealer = AESGCMSealer(keys: try! DataKeys(current: DataKeys.generate(), lookup: DataKeys.generate()))

    @Test(
        "every value comes back, the empty one too, and no two seals of one value look alike",
        arguments: ["", "1", "Chú ơi cứu em 😢", String(repeating: "x", count: 5000)])
    func roundTrip(text: String) throws {
        let first = try sealer.seal(text)
        #expect(try sealer.open(first) == text)
        #expect(try sealer.seal(text) != first)
        #expect(AESGCMSealer.keyID(of: first) == sealer.currentKeyID)
    }

    @Test("a flipped byte is refused, not misread; plaintext from before encryption is still read")
    func tamper() throws {
        var sealed = try sealer.seal("Tan Phu")
        sealed[sealed.count - 1] ^= 1
        #expect(throws: (any Error).self) { try sealer.open(sealed) }
        #expect(try sealer.open(try PlaintextSealer().seal("cu")) == "cu")
    }

    @Test("the lookup key is stable per number, differs between numbers and keys, and does not hold the number")
    func lookup() throws {
        let phone = try PhoneNumber(parsing: "0912345678")
        let key = sealer.lookupKey(for: phone)
        #expect(key == sealer.lookupKey(for: phone))
        #expect(key != sealer.lookupKey(for: try PhoneNumber(parsing: "0912345679")))
        #expect(!key.contains("912345678"))
        let other = AESGCMSealer(keys: try DataKeys(current: DataKeys.generate(), lookup: DataKeys.generate()))
        #expect(other.lookupKey(for: phone) != key)
    }

    @Test("a key file is written owner-only, read back, and a bad one is refused with its line")
    func keyFile() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("k/hotline.key").path
        let key = DataKeys.generate()
        try DataKeys.write(file: path, keys: [key], lookup: DataKeys.generate())
        #expect(try DataKeys.read(file: path).current.id == (try DataKeys(current: key, lookup: key)).current.id)
        try "lookup: abc\nkey: !!!\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: DataKeyError.malformed(path, line: 1)) { try DataKeys.read(file: path) }
        #expect(throws: DataKeyError.wrongLength(3)) { try DataKeys(current: [1, 2, 3], lookup: key) }
    }
}

@Suite("Where the data keys come from")
struct DataKeySourceTests {
    let logger = Logger(label: "test")

    @Test("HOTLINE_DATA_KEY needs HOTLINE_LOOKUP_KEY beside it, and both must be base64 of 32 bytes")
    func environmentKeys() throws {
        let key = Data(DataKeys.generate()).base64EncodedString()
        let lookup = Data(DataKeys.generate()).base64EncodedString()
        #expect(throws: DataKeyError.lookupKeyMissing) {
            try DataKeySource.load(
                environment: ServiceEnvironment(["HOTLINE_DATA_KEY": key]), databasePath: "/nonexistent/h.sqlite", logger: logger)
        }
        #expect(throws: DataKeyError.notBase64("HOTLINE_DATA_KEY")) {
            try DataKeySource.load(
                environment: ServiceEnvironment(["HOTLINE_DATA_KEY": "not base64!", "HOTLINE_LOOKUP_KEY": lookup]),
                databasePath: "/nonexistent/h.sqlite", logger: logger)
        }
        let loaded = try DataKeySource.load(
            environment: ServiceEnvironment(["HOTLINE_DATA_KEY": key, "HOTLINE_LOOKUP_KEY": lookup]), databasePath: "/nonexistent/h.sqlite",
            logger: logger)
        #expect(loaded.keyFile == nil)
        #expect(try loaded.sealer.open(try loaded.sealer.seal("x")) == "x")
    }

    @Test("a database holding encrypted data is never given a new key file in place of a lost one")
    func lostKeyFile() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("h.sqlite").path
        let loaded = try DataKeySource.load(environment: ServiceEnvironment([:]), databasePath: path, logger: logger)
        let store = try SQLiteStore(path: path, sealer: loaded.sealer)
        _ = try await store.recordTurn(
            InboundTurn(
                gatewayID: "at-ussd", channel: .ussd, externalSessionID: "s", phone: try PhoneNumber(parsing: "0912345678"), rawText: "",
                receivedAt: Date()),
            decide: { _ in
                TurnDecision(
                    state: ConversationState(flowID: "main", nodeID: "start", language: "vi"),
                    reply: StoredReply(text: "hi", continues: true), inboundText: "", effects: [])
            })
        try await store.close()
        try FileManager.default.removeItem(atPath: try #require(loaded.keyFile))
        #expect(throws: DataKeyError.missingForExistingDatabase(loaded.keyFile!)) {
            try DataKeySource.load(environment: ServiceEnvironment([:]), databasePath: path, logger: logger)
        }
    }
}
