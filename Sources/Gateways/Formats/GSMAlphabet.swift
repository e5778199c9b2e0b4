/// GSM 03.38 default alphabet, one unpacked septet per byte as SMSCs hand them over
/// (Jasmin's coding 0: `_` arrives as 0x11, `@` as 0x00).
enum GSMAlphabet {
    static let basic: [Unicode.Scalar] = Array(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u{1B}ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
            .unicodeScalars)

    static let extensionTable: [UInt8: Unicode.Scalar] = [
        0x0A: "\u{0C}", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€",
    ]

    /// Bytes above 0x7F are not septets; they are read as Latin-1, which is what an SMSC that
    /// already converted the text sends.
    static func decode(_ bytes: [UInt8]) -> String {
        var out = String.UnicodeScalarView()
        var escaped = false
        for byte in bytes {
            if escaped {
                out.append(extensionTable[byte] ?? " ")
                escaped = false
            } else if byte == 0x1B {
                escaped = true
            } else if byte < 0x80 {
                out.append(basic[Int(byte)])
            } else {
                out.append(Unicode.Scalar(byte))
            }
        }
        return String(out)
    }
}
