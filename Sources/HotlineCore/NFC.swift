import Foundation

extension String {
    /// The text in Unicode NFC. Decomposed input (a vowel followed by combining tone marks, as
    /// some phones and input methods send it) would otherwise count more units than it shows.
    /// Most messages carry no combining mark, so they skip Foundation's normaliser.
    public var nfc: String {
        for scalar in unicodeScalars where Self.mayNeedComposition(scalar) {
            return precomposedStringWithCanonicalMapping
        }
        return self
    }

    @inline(__always)
    static func mayNeedComposition(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        // Combining diacritical marks, and the Hangul/other composing ranges NFC touches.
        return (0x0300...0x036F).contains(v) || (0x1100...0x11FF).contains(v)
            || (0x1AB0...0x1AFF).contains(v) || (0x1DC0...0x1DFF).contains(v)
            || (0x20D0...0x20FF).contains(v) || (0xFE20...0xFE2F).contains(v)
            || (0x0483...0x0489).contains(v) || (0x0591...0x05C7).contains(v)
            || (0x0610...0x061A).contains(v) || (0x064B...0x065F).contains(v)
            || (0x093C...0x094D).contains(v) || (0x3099...0x309A).contains(v)
    }
}
