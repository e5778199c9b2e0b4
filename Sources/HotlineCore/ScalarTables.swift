/// Lower-casing and word-character tests for the scalars Vietnamese text uses, as tables.
enum ScalarTables {
    static let end: UInt32 = 0x2000

    /// The lower-case scalar for each scalar below `end` (itself when it has none, or several).
    static let lowercase: [UInt32] = {
        (0..<end).map { v in
            guard let scalar = Unicode.Scalar(v) else { return v }
            let lower = scalar.properties.lowercaseMapping.unicodeScalars
            return lower.count == 1 ? lower.first!.value : v
        }
    }()

    /// 1 where a scalar below `end` belongs inside a word: a letter, a digit or a combining mark.
    static let isWord: [UInt8] = {
        (0..<end).map { v in
            guard let scalar = Unicode.Scalar(v) else { return 0 }
            let p = scalar.properties
            return p.isAlphabetic || p.numericType != nil || Unaccent.isCombiningMark(v) ? 1 : 0
        }
    }()
}
