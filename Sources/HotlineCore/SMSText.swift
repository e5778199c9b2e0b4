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

    /// Lengths and part counts in both encodings. One pass sums the lengths; when every
    /// character costs one unit the parts follow from the sums, and only a text that needs
    /// several parts and holds a two-unit character (a GSM-7 escape, a surrogate pair) is
    /// walked again to pack them, so neither straddles a part boundary.
    struct Counts {
        var septets = 0
        var isGSM = true
        var units = 0
        var gsmParts = 1
        var ucsParts = 1

        /// Nil when the text holds a combining mark and must be normalised first.
        init?<Bytes: RandomAccessCollection>(utf8 bytes: Bytes, skipCompositionCheck: Bool = false)
        where Bytes.Element == UInt8, Bytes.Index == Int {
            var i = bytes.startIndex
            let end = bytes.endIndex
            // Locals rather than the properties, so the loop keeps them in registers.
            var septets = 0
            var units = 0
            // Bit c set when some character costs c septets (0: not in GSM-7).
            var costsSeen: UInt32 = 0
            var hasPair = false
            GSM7.costTable.withUnsafeBufferPointer { costs in
                while i < end {
                    let b0 = UInt32(bytes[i])
                    if b0 < 0x80 {
                        let c = costs[Int(b0)]
                        septets &+= Int(c)
                        costsSeen |= 1 &<< c
                        units &+= 1
                        i += 1
                        continue
                    }
                    let v: UInt32
                    if b0 < 0xE0 {
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
                    if v >= 0x300, !skipCompositionCheck, let scalar = Unicode.Scalar(v), String.mayNeedComposition(scalar) {
                        costsSeen |= 1 << 31
                        return
                    }
                    let c = Self.septets(v, costs)
                    septets &+= c
                    costsSeen |= 1 &<< c
                    if v > 0xFFFF {
                        units &+= 2
                        hasPair = true
                    } else {
                        units &+= 1
                    }
                }
            }
            if costsSeen & 1 << 31 != 0 { return nil }
            self.septets = septets
            self.units = units
            isGSM = costsSeen & 1 == 0
            if isGSM, septets > SMSEncoding.gsm7.singleSegmentCapacity {
                let capacity = SMSEncoding.gsm7.multipartSegmentCapacity
                gsmParts = costsSeen & 1 << 2 == 0 ? (septets + capacity - 1) / capacity : Self.gsmParts(packing: bytes)
            }
            if !isGSM, units > SMSEncoding.ucs2.singleSegmentCapacity {
                let capacity = SMSEncoding.ucs2.multipartSegmentCapacity
                ucsParts = !hasPair ? (units + capacity - 1) / capacity : Self.ucsParts(packing: bytes)
            }
        }

        @inline(__always)
        private static func septets(_ v: UInt32, _ costs: UnsafeBufferPointer<UInt8>) -> Int {
            v < 0x400 ? Int(costs[Int(v)]) : (v == 0x20AC ? 2 : 0)
        }

        /// Calls `body` with each scalar value of well-formed UTF-8.
        @inline(__always)
        private static func forEachScalar<Bytes: RandomAccessCollection>(_ bytes: Bytes, _ body: (UInt32) -> Void)
        where Bytes.Element == UInt8, Bytes.Index == Int {
            var i = bytes.startIndex
            while i < bytes.endIndex {
                let b0 = UInt32(bytes[i])
                if b0 < 0x80 {
                    body(b0)
                    i += 1
                } else if b0 < 0xE0 {
                    body((b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F))
                    i += 2
                } else if b0 < 0xF0 {
                    body((b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F))
                    i += 3
                } else {
                    body(
                        (b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
                            | UInt32(bytes[i + 3] & 0x3F))
                    i += 4
                }
            }
        }

        /// Greedy packing into GSM-7 parts, an escape pair kept whole (the text is all GSM-7).
        private static func gsmParts<Bytes: RandomAccessCollection>(packing bytes: Bytes) -> Int
        where Bytes.Element == UInt8, Bytes.Index == Int {
            let capacity = SMSEncoding.gsm7.multipartSegmentCapacity
            var parts = 1
            var used = 0
            GSM7.costTable.withUnsafeBufferPointer { costs in
                forEachScalar(bytes) { v in
                    let c = septets(v, costs)
                    if used + c > capacity {
                        parts += 1
                        used = 0
                    }
                    used += c
                }
            }
            return parts
        }

        /// Greedy packing into UCS-2 parts, a surrogate pair kept whole.
        private static func ucsParts<Bytes: RandomAccessCollection>(packing bytes: Bytes) -> Int
        where Bytes.Element == UInt8, Bytes.Index == Int {
            let capacity = SMSEncoding.ucs2.multipartSegmentCapacity
            var parts = 1
            var used = 0
            forEachScalar(bytes) { v in
                let u = v > 0xFFFF ? 2 : 1
                if used + u > capacity {
                    parts += 1
                    used = 0
                }
                used += u
            }
            return parts
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
