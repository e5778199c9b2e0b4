/// How a text travels over SMS or USSD.
public enum SMSEncoding: String, Sendable, Codable, CaseIterable {
    /// The GSM 03.38 7-bit alphabet: 160 characters in one SMS, 182 on a USSD screen.
    case gsm7
    /// UCS-2 (UTF-16 code units): 70 characters in one SMS, about 80 on a USSD screen.
    case ucs2

    /// Capacity of a single, unsplit message in this encoding's units.
    public var singleSegmentCapacity: Int { self == .gsm7 ? 160 : 70 }
    /// Capacity of each part of a concatenated message (the rest carries the UDH).
    public var multipartSegmentCapacity: Int { self == .gsm7 ? 153 : 67 }
}

/// What one text costs to send: its encoding, its length in that encoding's units, its parts.
public struct TextAnalysis: Sendable, Equatable, Codable {
    public var encoding: SMSEncoding
    /// Septets for GSM-7 (extension characters count twice), UTF-16 code units for UCS-2.
    public var length: Int
    /// How many SMS parts it takes (an empty text still takes one).
    public var segments: Int

    public init(encoding: SMSEncoding, length: Int, segments: Int) {
        self.encoding = encoding
        self.length = length
        self.segments = segments
    }
}
