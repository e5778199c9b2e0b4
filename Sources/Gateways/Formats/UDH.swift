/// The User Data Header of a concatenated SMS (3GPP TS 23.040 §9.2.3.24.1 and .8).
enum UDH {
    struct Concatenation: Equatable {
        var reference: Int
        var total: Int
        var index: Int
    }

    /// The concatenation element of `header` (8-bit reference IEI 0x00, 16-bit IEI 0x08);
    /// nil when there is none, the message is a single part, or the header is malformed.
    static func concatenation(_ header: [UInt8]) -> Concatenation? {
        guard let length = header.first, Int(length) + 1 <= header.count else { return nil }
        var i = 1
        let end = Int(length) + 1
        while i + 1 < end {
            let iei = header[i]
            let size = Int(header[i + 1])
            let data = i + 2
            guard data + size <= end else { return nil }
            if iei == 0x00, size == 3 {
                return valid(reference: Int(header[data]), total: Int(header[data + 1]), index: Int(header[data + 2]))
            }
            if iei == 0x08, size == 4 {
                return valid(
                    reference: Int(header[data]) << 8 | Int(header[data + 1]), total: Int(header[data + 2]), index: Int(header[data + 3]))
            }
            i = data + size
        }
        return nil
    }

    private static func valid(reference: Int, total: Int, index: Int) -> Concatenation? {
        guard total > 1, (1...total).contains(index) else { return nil }
        return Concatenation(reference: reference, total: total, index: index)
    }
}
