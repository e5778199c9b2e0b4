/// A phone number in one canonical form, so that 0912345678, 84912345678 and +84912345678
/// are one person: E.164 (`+84912345678`) for full numbers, digits as they are for short codes
/// (`111`, `18001769`).
public struct PhoneNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case empty
        case invalidCharacter(Character)
        case tooShort(String)
        case tooLong(String)
        case unknownVietnameseForm(String)

        public var description: String {
            switch self {
            case .empty: return "the phone number is empty"
            case .invalidCharacter(let c):
                return "the phone number holds '\(c)', which is not a digit, space, dot, dash, bracket or a leading +"
            case .tooShort(let d): return "\(d.count) digits is too short for a phone number (a short code has 3 to 8)"
            case .tooLong(let d): return "\(d.count) digits is too long for a phone number (E.164 allows at most 15)"
            case .unknownVietnameseForm(let d):
                // The digits themselves stay out: this text reaches logs and gateways.
                return
                    "\(d.count) digits starting \(d.prefix(2)) is not a Vietnamese number (after 0 a mobile has 9 digits, a landline 10) nor international (it needs a leading +)"
            }
        }
    }

    /// Parses what a gateway or a person wrote. Vietnamese numbers are understood in every
    /// common form; numbers of other countries need an explicit `+` (or `00`).
    public init(parsing raw: String) throws(ParseError) {
        var digits = ""
        var plus = false
        for ch in raw.trimmingWhitespace() {
            if let a = ch.asciiValue, (48...57).contains(a) {
                digits.append(ch)
            } else if ch == "+" && digits.isEmpty && !plus {
                plus = true
            } else if " .-()/\u{00A0}".contains(ch) {
                continue
            } else {
                throw .invalidCharacter(ch)
            }
        }
        if digits.isEmpty { throw .empty }
        if digits.count > 15 && !digits.hasPrefix("00") { throw .tooLong(digits) }
        if !plus && digits.hasPrefix("00") {
            digits.removeFirst(2)
            plus = true
        }
        if plus {
            if digits.hasPrefix("840") { digits.remove(at: digits.index(digits.startIndex, offsetBy: 2)) }
            guard digits.count >= 8 else { throw .tooShort(digits) }
            guard digits.count <= 15 else { throw .tooLong(digits) }
            value = "+" + digits
            return
        }
        if digits.count <= 8 && !digits.hasPrefix("0") {
            // 111, 18001769, 8xxx content-provider codes: kept exactly as dialled.
            guard digits.count >= 3 else { throw .tooShort(digits) }
            value = digits
            return
        }
        if digits.hasPrefix("84") && (digits.count == 11 || digits.count == 12) {
            value = "+" + digits
            return
        }
        if digits.hasPrefix("0") {
            // 0 + 9 digits (mobile, 03x 05x 07x 08x 09x) or 0 + 10 digits (landline, 02x).
            guard digits.count == 10 || digits.count == 11 else { throw .unknownVietnameseForm(digits) }
            value = "+84" + digits.dropFirst()
            return
        }
        if digits.count == 9, let first = digits.first, "35789".contains(first) {
            value = "+84" + digits  // a mobile number with its trunk 0 dropped
            return
        }
        throw .unknownVietnameseForm(digits)
    }

    public var isShortCode: Bool { !value.hasPrefix("+") }

    /// The form for logs and lists: `+8491****678`. Short codes are public and shown whole.
    public var masked: String { PhoneNumber.mask(value) }

    public var description: String { masked }

    /// Masks any raw number-like string the same way, for values that failed to parse.
    public static func mask(_ raw: String) -> String {
        let chars = Array(raw)
        if chars.count <= 8 && !raw.hasPrefix("+") { return raw.allSatisfy(\.isNumber) ? raw : "****" }
        guard chars.count > 8 else { return "****" }
        return String(chars.prefix(5)) + "****" + String(chars.suffix(3))
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> Substring {
        let s = self[...]
        guard let start = s.firstIndex(where: { !$0.isWhitespace }) else { return Substring() }
        let end = s.lastIndex(where: { !$0.isWhitespace })!
        return Substring(s[start...end])
    }
}
