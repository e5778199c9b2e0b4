/// How a gateway wants its text: set per gateway in `gateway-config/gateways/*.yaml`.
public enum EncodingPolicy: String, Sendable, Codable, CaseIterable {
    /// Keep Vietnamese marks when the text fits; fall back to unaccented text when it does not.
    case auto
    /// Always unaccented, GSM-7 only: for gateways or phones that garble UCS-2.
    case gsm7
    /// Always UCS-2, marks kept.
    case ucs2
}

/// The most a USSD screen may hold in each encoding.
public struct USSDLimits: Sendable, Equatable, Codable {
    public var gsm7: Int
    public var ucs2: Int

    /// 182 septets (160 octets) in GSM-7; 80 UTF-16 units when the text needs UCS-2.
    public static let standard = USSDLimits(gsm7: 182, ucs2: 80)

    public init(gsm7: Int, ucs2: Int) {
        self.gsm7 = gsm7
        self.ucs2 = ucs2
    }

    public func limit(for encoding: SMSEncoding) -> Int { encoding == .gsm7 ? gsm7 : ucs2 }
}

/// A text made ready for one gateway: what is sent, in which encoding, and whether it had to
/// be cut to fit (which check-config exists to prevent).
public struct RenderedText: Sendable, Equatable {
    public var text: String
    public var encoding: SMSEncoding
    public var length: Int
    public var truncated: Bool
}

extension EncodingPolicy {
    /// Renders one USSD screen under this policy so it never exceeds `limits`.
    public func renderScreen(_ text: String, limits: USSDLimits = .standard) -> RenderedText {
        let text = text.nfc
        switch self {
        case .gsm7:
            return Self.fit(text.gsm7Safe, encoding: .gsm7, limit: limits.gsm7)
        case .ucs2:
            return Self.fit(text, encoding: .ucs2, limit: limits.ucs2)
        case .auto:
            let analysis = SMSText.analyze(text)
            if analysis.length <= limits.limit(for: analysis.encoding) {
                return RenderedText(text: text, encoding: analysis.encoding, length: analysis.length, truncated: false)
            }
            // Marks cost the screen half its room; readable unaccented text beats a cut one.
            return Self.fit(text.gsm7Safe, encoding: .gsm7, limit: limits.gsm7)
        }
    }

    /// Renders an SMS under this policy: the text is never cut, only re-encoded.
    public func renderSMS(_ text: String) -> RenderedText {
        let text = text.nfc
        let out = self == .gsm7 ? text.gsm7Safe : text
        let analysis = SMSText.analyze(out)
        let encoding: SMSEncoding = self == .ucs2 ? .ucs2 : analysis.encoding
        let length = SMSText.length(of: out, in: encoding) ?? analysis.length
        return RenderedText(text: out, encoding: encoding, length: length, truncated: false)
    }

    private static func fit(_ text: String, encoding: SMSEncoding, limit: Int) -> RenderedText {
        let length = SMSText.length(of: text, in: encoding) ?? text.utf16.count
        if length <= limit {
            return RenderedText(text: text, encoding: encoding, length: length, truncated: false)
        }
        // Cut at a character boundary, leaving room for an ellipsis the encoding can carry.
        let ellipsis = encoding == .gsm7 ? "..." : "…"
        let room = limit - (SMSText.length(of: ellipsis, in: encoding) ?? 3)
        var used = 0
        var cut = ""
        for character in text {
            let cost = SMSText.cost(of: character, in: encoding)
            if used + cost > room { break }
            used += cost
            cut.append(character)
        }
        let out = cut + ellipsis
        return RenderedText(text: out, encoding: encoding, length: SMSText.length(of: out, in: encoding) ?? used, truncated: true)
    }
}

extension String {
    /// Unaccented, with anything GSM-7 still cannot carry (emoji, CJK, curly quotes) replaced,
    /// so the text is guaranteed to travel as GSM-7.
    public var gsm7Safe: String {
        var out = String.UnicodeScalarView()
        for scalar in unaccented.unicodeScalars {
            if GSM7.septets(scalar) != nil {
                out.append(scalar)
                continue
            }
            switch scalar.value {
            case 0x2018, 0x2019, 0x201B, 0x2032: out.append("'")
            case 0x201C, 0x201D, 0x201F, 0x2033: out.append("\"")
            case 0x2013, 0x2014, 0x2212: out.append("-")
            case 0x2026: out.append(contentsOf: "...".unicodeScalars)
            case 0x00A0, 0x2007, 0x202F, 0x0009: out.append(" ")
            case 0x0060, 0x00B4: out.append("'")
            default: out.append("?")
            }
        }
        return String(out)
    }
}
