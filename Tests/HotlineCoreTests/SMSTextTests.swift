import Testing

@testable import HotlineCore

@Suite("SMS text: encoding, length and parts")
struct SMSTextTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var text: String
        var encoding: SMSEncoding
        var length: Int
        var segments: Int
        var testDescription: String { label }
    }

    static let a = String(repeating: "a", count: 1)
    static let marked = "ạ"  // outside GSM-7: forces UCS-2

    static let cases: [Case] = [
        Case(label: "empty text still costs one SMS", text: "", encoding: .gsm7, length: 0, segments: 1),
        Case(label: "plain ASCII", text: "toi bi danh", encoding: .gsm7, length: 11, segments: 1),
        Case(label: "Vietnamese letters that happen to be GSM-7", text: "Xin chào", encoding: .gsm7, length: 8, segments: 1),
        Case(label: "one marked letter turns the text UCS-2", text: "Tôi bị đánh", encoding: .ucs2, length: 11, segments: 1),
        Case(label: "extension characters count twice", text: "{€}", encoding: .gsm7, length: 6, segments: 1),
        Case(label: "grave accent is not GSM-7", text: "a`b", encoding: .ucs2, length: 3, segments: 1),
        Case(label: "160 GSM-7 is one SMS", text: String(repeating: "a", count: 160), encoding: .gsm7, length: 160, segments: 1),
        Case(label: "161 GSM-7 is two parts", text: String(repeating: "a", count: 161), encoding: .gsm7, length: 161, segments: 2),
        Case(
            label: "306 GSM-7 fills two parts of 153", text: String(repeating: "a", count: 306), encoding: .gsm7, length: 306, segments: 2),
        Case(label: "307 GSM-7 takes three", text: String(repeating: "a", count: 307), encoding: .gsm7, length: 307, segments: 3),
        Case(
            label: "an escape pair never straddles a part boundary",
            text: String(repeating: "a", count: 152) + "€" + String(repeating: "a", count: 152), encoding: .gsm7, length: 306,
            segments: 3),
        Case(
            label: "159 plus one extension character is 161 septets", text: String(repeating: "a", count: 159) + "^", encoding: .gsm7,
            length: 161, segments: 2),
        Case(label: "70 UCS-2 is one SMS", text: String(repeating: marked, count: 70), encoding: .ucs2, length: 70, segments: 1),
        Case(label: "71 UCS-2 is two parts", text: String(repeating: marked, count: 71), encoding: .ucs2, length: 71, segments: 2),
        Case(
            label: "134 UCS-2 fills two parts of 67", text: String(repeating: marked, count: 134), encoding: .ucs2, length: 134, segments: 2
        ),
        Case(label: "135 UCS-2 takes three", text: String(repeating: marked, count: 135), encoding: .ucs2, length: 135, segments: 3),
        Case(label: "an emoji outside the BMP counts two", text: "em sợ 😢", encoding: .ucs2, length: 8, segments: 1),
        Case(
            label: "a surrogate pair never straddles a part boundary",
            text: String(repeating: marked, count: 66) + "😢" + String(repeating: marked, count: 3), encoding: .ucs2, length: 71,
            segments: 2),
        Case(
            label: "decomposed marks are counted after NFC", text: "To\u{0302}i bi\u{0323} đa\u{0301}nh", encoding: .ucs2, length: 11,
            segments: 1),
    ]

    @Test("analysis gives encoding, length and segments", arguments: cases)
    func analysis(_ c: Case) {
        #expect(SMSText.analyze(c.text) == TextAnalysis(encoding: c.encoding, length: c.length, segments: c.segments))
    }

    @Test("splitting keeps every character, fits each part and agrees with the segment count for unbroken text")
    func splittingUnbroken() {
        for c in Self.cases {
            let parts = SMSText.split(c.text)
            #expect(parts.joined() == c.text.nfc, "\(c.label)")
            let capacity = parts.count == 1 ? c.encoding.singleSegmentCapacity : c.encoding.multipartSegmentCapacity
            for part in parts { #expect((SMSText.length(of: part, in: c.encoding) ?? .max) <= capacity, "\(c.label)") }
            if !c.text.contains(" ") { #expect(parts.count == c.segments, "\(c.label)") }
        }
    }

    @Test("splitting breaks long messages at word boundaries")
    func splitsAtWords() {
        let words = Array(repeating: "khong", count: 40).joined(separator: " ")  // 239 characters
        let parts = SMSText.split(words)
        #expect(parts.count == 2)
        #expect(parts[0].hasSuffix(" "))
        #expect(parts.joined() == words)
        #expect(!parts[1].hasPrefix(" "))
    }

    @Test("splitting never cuts inside a GSM-7 escape or a surrogate pair")
    func splitKeepsCharactersWhole() {
        let escapes = String(repeating: "€", count: 100)  // 200 septets
        for part in SMSText.split(escapes) { #expect(part.allSatisfy { $0 == "€" }) }
        let emoji = String(repeating: "😢", count: 50)  // 100 UTF-16 units
        let parts = SMSText.split(emoji)
        #expect(parts.count == 2)
        #expect(parts.allSatisfy { $0.unicodeScalars.allSatisfy { $0 == "😢" } })
    }
}
