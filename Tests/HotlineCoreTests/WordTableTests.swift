import Testing

@testable import HotlineCore

@Suite("Looking words up in the rules")
struct WordTableTests {
    static let rules = TextRules.standard.extended(
        with: TextRules(teencode: ["cứu vs": "cứu với", "bđ": "bạo lực", "abcdefghijklmnop": "sixteen"], keep: ["vtv", "ok"]))

    /// The rules as the dictionaries the table replaced would hold them.
    static func dictionaries() -> (expansions: [WordKey: Int], keep: Set<WordKey>) {
        var expansions: [WordKey: Int] = [:]
        for (index, word) in rules.teencode.keys.sorted().enumerated() {
            if let key = WordKey(word.lowercased().nfc) { expansions[key] = index }
        }
        return (expansions, Set(rules.keep.compactMap { WordKey($0.lowercased().nfc) }))
    }

    @Test("the table agrees with the rule dictionaries on every rule word")
    func agreesOnRuleWords() {
        let (expansions, keep) = Self.dictionaries()
        let table = WordTable(expansions: expansions, keep: keep)
        for key in Set(expansions.keys).union(keep) {
            let entry = table.entry(key)
            #expect(entry?.expansion == expansions[key].map(Int32.init) ?? -1)
            #expect(entry?.keep == keep.contains(key))
        }
    }

    @Test(
        "words outside the rules are not found",
        arguments: ["toi", "bi", "danh", "khong", "xaam", "abcdefghijklmno", "abcdefghijklmnopq", "kk", "oo", "đ", "*"])
    func missesOtherWords(_ word: String) {
        let (expansions, keep) = Self.dictionaries()
        let table = WordTable(expansions: expansions, keep: keep)
        #expect(WordKey(word).flatMap(table.entry) == nil)
    }

    @Test("a word read from a padded buffer or gathered byte by byte has the key its bytes give")
    func keysAgree() {
        let text = Array("abcdefghijklmnopqrstuvwxyz".utf8) + Array("đểườ".utf8)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: text.count + 16) { buffer in
            buffer.initialize(repeating: 0xFF)  // garbage past the word must not leak into its key
            _ = buffer.initialize(fromContentsOf: text)
            for start in [0, 3, 20] {
                for count in 0...17 where start + count <= text.count {
                    let word = UnsafeBufferPointer(rebasing: buffer[start..<start + count])
                    var shape = WordShape()
                    for (index, byte) in word.enumerated() { shape.add(byte, at: index) }
                    #expect(WordKey(padded: word) == WordKey(Array(word)))
                    #expect(shape.key(count: count) == WordKey(Array(word)))
                }
            }
        }
    }

    @Test("a message that expands past its first output buffer keeps every word")
    func longExpansion() {
        let normalizer = InputNormalizer()
        let words = Array(repeating: "ntn", count: 300)
        #expect(normalizer.matchKey(words.joined(separator: ",")) == Array(repeating: "nhu the nao", count: 300).joined(separator: " "))
    }

    @Test("a word longer than the word buffer passes through folded")
    func longWord() {
        let normalizer = InputNormalizer()
        let word = String(repeating: "Đa", count: 40)
        #expect(normalizer.matchKey("ko \(word) ko") == "khong \(String(repeating: "da", count: 40)) khong")
    }
}
