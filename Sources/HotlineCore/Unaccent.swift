import Foundation

extension String {
    /// Vietnamese "không dấu": every tone and vowel mark removed, đ written d and Đ written D.
    /// Letters of other Latin languages lose their marks the same way; other characters stay.
    /// Unaccented Vietnamese fits GSM-7 and is how most SMS users read and write.
    public var unaccented: String {
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var changed = false
        let table = Unaccent.table
        for scalar in unicodeScalars {
            let v = scalar.value
            if v < 0x80 {
                out.append(UInt8(v))
            } else if Unaccent.isCombiningMark(v) {
                changed = true
            } else if v <= Unaccent.tableEnd, table[Int(v)] != 0 {
                out.append(table[Int(v)])
                changed = true
            } else {
                UTF8.encode(scalar) { out.append($0) }
            }
        }
        return changed ? String(decoding: out, as: UTF8.self) : self
    }
}

enum Unaccent {
    /// Highest scalar the table covers: the Latin Extended Additional block holds the last
    /// precomposed Vietnamese letters (ạ...ỹ).
    static let tableEnd: UInt32 = 0x1EFF

    @inline(__always)
    static func isCombiningMark(_ v: UInt32) -> Bool {
        (0x0300...0x036F).contains(v)
    }

    /// The ASCII letter under a precomposed Latin letter, or nil.
    @inline(__always)
    static func base(of v: UInt32) -> UInt8? {
        guard v <= tableEnd else { return nil }
        let b = table[Int(v)]
        return b == 0 ? nil : b
    }

    /// Built once from Unicode's own decompositions, so no letter is forgotten by hand.
    static let table: [UInt8] = {
        var table = [UInt8](repeating: 0, count: Int(tableEnd) + 1)
        for v in UInt32(0xC0)...tableEnd {
            guard let scalar = Unicode.Scalar(v) else { continue }
            let decomposed = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars
            guard let first = decomposed.first, first.isASCII, first.properties.isAlphabetic,
                decomposed.dropFirst().allSatisfy({ isCombiningMark($0.value) }), decomposed.count > 1
            else { continue }
            table[Int(v)] = UInt8(first.value)
        }
        table[0x0111] = UInt8(ascii: "d")  // đ has no decomposition: it is its own letter
        table[0x0110] = UInt8(ascii: "D")  // Đ
        return table
    }()
}
