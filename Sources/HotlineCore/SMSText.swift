import Foundation

/// Counting and splitting of SMS and USSD text, after NFC normalisation.
public enum SMSText {
    /// The cheapest encoding that carries `text`, its length in that encoding and its SMS parts.
    public static func analyze(_ text: String) -> TextAnalysis {
        var text = text
        // One pass over the UTF-8 bytes counts both encodings and packs both kinds of parts;
        // only text with combining marks takes the slower road through NFC first.
        if let counts = text.utf8.withContiguousStorageIfAvailable({ Counts(utf8: $0) }) ?? Counts(utf8: Array(text.utf8)) {
            return counts.analysis
        }
        text = text.precomposedStringWithCanonicalMapping
        let bytes = Array(text.utf8)
        return Counts(utf8: bytes, skipCompositionCheck: true)!.analysis
    }

    /// Lengths and part counts in both encodings, from one pass.
    struct Counts {
        var septets = 0
        var isGSM = true
        var units = 0
        var gsmParts = 1
        var gsmUsed = 0
        var ucsParts = 1
        var ucsUsed = 0

        /// Nil when the text holds a combining mark and must be normalised first.
        init?<Bytes: RandomAccessCollection>(utf8 bytes: Bytes, skipCompositionCheck: Bool = false)
        where Bytes.Element == UInt8, Bytes.Index == Int {
            var i = bytes.startIndex
            let end = bytes.endIndex
            let costs = GSM7.costTable  // hoisted: a static read per scalar costs a retain
            let gsmCapacity = SMSEncoding.gsm7.multipartSegmentCapacity
            let ucsCapacity = SMSEncoding.ucs2.multipartSegmentCapacity
            while i < end {
                let b0 = UInt32(bytes[i])
                let v: UInt32
                if b0 < 0x80 {
                    v = b0
                    i += 1
                } else if b0 < 0xE0 {
                    v = (b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
                    i += 2
                } else if b0 < 0xF0 {
                    v = (b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
                    i += 3
                } else {
                    v =
                        (b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
                        | UInt32(bytes[i + 3] & 0x3F)
                    i += 4
                }
                if v >= 0x300, !skipCompositionCheck, let scalar = Unicode.Scalar(v), String.mayNeedComposition(scalar) { return nil }
                if isGSM {
                    let c = v < 0x400 ? Int(costs[Int(v)]) : (v == 0x20AC ? 2 : 0)
                    if c == 0 {
                        isGSM = false
                    } else {
                        septets += c
                        if gsmUsed + c > gsmCapacity {
                            gsmParts += 1
                            gsmUsed = 0
                        }
                        gsmUsed += c
                    }
                }
                let u = v > 0xFFFF ? 2 : 1
                units += u
                if ucsUsed + u > ucsCapacity {
                    ucsParts += 1
                    ucsUsed = 0
                }
                ucsUsed += u
            }
        }

        var analysis: TextAnalysis {
            if isGSM {
                return TextAnalysis(encoding: .gsm7, length: septets, segments: septets <= 160 ? 1 : gsmParts)
            }
            return TextAnalysis(encoding: .ucs2, length: units, segments: units <= 70 ? 1 : ucsParts)
        }
    }

    /// Length of `text` in `encoding`'s units, or nil when GSM-7 cannot carry it.
    public static func length(of text: String, in encoding: SMSEncoding) -> Int? {
        let text = text.nfc
        switch encoding {
        case .ucs2:
            return text.utf16.count
        case .gsm7:
            var septets = 0
            for scalar in text.unicodeScalars {
                guard let cost = GSM7.septets(scalar) else { return nil }
                septets += cost
            }
            return septets
        }
    }

    /// Splits `text` into SMS parts, breaking at the last space that fits, and never inside a
    /// character (so never inside a GSM-7 escape sequence or a UTF-16 surrogate pair).
    /// A text that fits one SMS comes back whole.
    public static func split(_ text: String, encoding: SMSEncoding? = nil) -> [String] {
        let text = text.nfc
        let encoding = encoding ?? analyze(text).encoding
        guard let total = length(of: text, in: encoding), total > encoding.singleSegmentCapacity else {
            return [text]
        }
        return pack(Array(text), capacity: encoding.multipartSegmentCapacity) { cost(of: $0, in: encoding) }
    }

    /// Cost of one character; a character GSM-7 cannot carry costs one (it will be replaced).
    static func cost(of character: Character, in encoding: SMSEncoding) -> Int {
        switch encoding {
        case .ucs2:
            return character.utf16.count
        case .gsm7:
            return character.unicodeScalars.reduce(0) { $0 + (GSM7.septets($1) ?? 1) }
        }
    }

    /// Greedy packing of characters into parts of `capacity` units, preferring to break after
    /// a space when the part holds one in its second half.
    static func pack(_ characters: [Character], capacity: Int, cost: (Character) -> Int) -> [String] {
        var parts: [String] = []
        var start = 0
        while start < characters.count {
            var used = 0
            var end = start
            var lastBreak: Int? = nil
            while end < characters.count {
                let c = cost(characters[end])
                if used + c > capacity { break }
                used += c
                if characters[end] == " " || characters[end] == "\n" { lastBreak = end + 1 }
                end += 1
            }
            if end < characters.count, let lastBreak, lastBreak - start > (end - start) / 2 {
                end = lastBreak
            }
            if end == start { end = start + 1 }  // a single character wider than a part
            parts.append(String(characters[start..<end]))
            start = end
        }
        return parts
    }
}
