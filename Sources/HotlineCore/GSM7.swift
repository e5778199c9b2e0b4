/// The GSM 03.38 default alphabet, as the SMS and USSD layers count it.
///
/// Characters of the basic table cost one septet; those of the extension table are sent
/// as an escape plus a second septet, so they cost two. Anything else forces UCS-2.
public enum GSM7 {
    /// Septet cost of a scalar in GSM-7, or nil when the scalar is not representable.
    @inline(__always)
    public static func septets(_ scalar: Unicode.Scalar) -> Int? {
        let v = scalar.value
        if v < 128 {
            let cost = asciiCost[Int(v)]
            return cost == 0 ? nil : Int(cost)
        }
        if v < 0x400 { return nonASCIICost[Int(v)] == 0 ? nil : 1 }
        if v == 0x20AC { return 2 }  // €
        return nil
    }

    /// Septet cost of every scalar below U+0400 (0: not GSM-7), for loops that hoist it.
    static let costTable: [UInt8] = (0..<0x400).map { v in v < 128 ? asciiCost[v] : nonASCIICost[v] }

    /// Basic-table members below U+0400 (Latin-1 letters and the Greek capitals), as a table.
    private static let nonASCIICost: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 0x400)
        for v in basicNonASCII { table[Int(v)] = 1 }
        return table
    }()

    /// Cost per ASCII code point: 1 basic, 2 extension, 0 not in GSM-7.
    private static let asciiCost: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 128)
        for v in 0x20...0x7E { table[v] = 1 }
        for ch in "`" { table[Int(ch.asciiValue!)] = 0 }  // grave accent has no GSM-7 code
        for ch in "^{}\\[~]|" { table[Int(ch.asciiValue!)] = 2 }
        table[0x0A] = 1  // line feed
        table[0x0D] = 1  // carriage return
        table[0x0C] = 2  // form feed (extension table page break)
        return table
    }()

    /// Non-ASCII members of the basic table: £ ¥ è é ù ì ò Ç Ø ø Å å Δ Φ Γ Λ Ω Π Ψ Σ Θ Ξ Æ æ ß É
    /// ¤ ¡ Ä Ö Ñ Ü § ¿ ä ö ñ ü à.
    private static let basicNonASCII: Set<UInt32> = [
        0x00A3, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x00D8, 0x00F8,
        0x00C5, 0x00E5, 0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3,
        0x0398, 0x039E, 0x00C6, 0x00E6, 0x00DF, 0x00C9, 0x00A4, 0x00A1, 0x00C4, 0x00D6,
        0x00D1, 0x00DC, 0x00A7, 0x00BF, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
    ]
}
