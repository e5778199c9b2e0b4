import Foundation
import HotlineCore
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
