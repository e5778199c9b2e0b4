/// Counting and splitting of SMS and USSD text, after NFC normalisation.
public enum SMSText {
    /// The cheapest encoding that carries `text`, its length in that encoding and its SMS parts.
    public static func analyze(_ text: String) -> TextAnalysis {
        let text = text.nfc
        var septets = 0
        var isGSM = true
        for scalar in text.unicodeScalars {
            guard let cost = GSM7.septets(scalar) else {
                isGSM = false
                break
            }
            septets += cost
        }
        if isGSM {
            return TextAnalysis(
                encoding: .gsm7, length: septets,
                segments: segmentCount(text, encoding: .gsm7, length: septets))
        }
        let units = text.utf16.count
        return TextAnalysis(
            encoding: .ucs2, length: units, segments: segmentCount(text, encoding: .ucs2, length: units))
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

    private static func segmentCount(_ text: String, encoding: SMSEncoding, length: Int) -> Int {
        if length <= encoding.singleSegmentCapacity { return 1 }
        // A part may not end inside an escape pair or a surrogate pair, so parts can hold one
        // unit less than their capacity: count by packing scalars, as the network splits them.
        let capacity = encoding.multipartSegmentCapacity
        var parts = 1
        var used = 0
        for scalar in text.unicodeScalars {
            let c = encoding == .gsm7 ? (GSM7.septets(scalar) ?? 1) : (scalar.value > 0xFFFF ? 2 : 1)
            if used + c > capacity {
                parts += 1
                used = 0
            }
            used += c
        }
        return parts
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
