/// Words typed without spaces: a child in a hurry writes "bốđangđánhmẹ" or "chuoicuuchau".
/// Vietnamese is written one syllable per word, so such a word is split back into the
/// syllables it is made of, and each is read as if it had been typed alone.
enum GluedWords {
    /// The longest glued word worth splitting, in letters.
    static let maxLetters = 48

    /// True when `word` (lower-case UTF-8) holds two or more groups of vowels: one syllable
    /// holds one, so only such words are worth the search. Marked vowels are bytes above
    /// 0x7F; đ (C4 91) is the one marked consonant.
    @inline(__always)
    static func mayBeGlued(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
        var groups = 0
        var inVowel = false
        var i = 0
        while i < word.count {
            let b = word[i]
            let vowel: Bool
            if b == 0xC4, i + 1 < word.count, word[i + 1] == 0x91 {
                vowel = false
                i += 1
            } else {
                vowel = b >= 0x80 || VietnameseSyllable.isVowelByte(b)
            }
            if vowel && !inVowel {
                groups += 1
                if groups >= 2 { return true }
            }
            inVowel = vowel
            i += 1
        }
        return false
    }

    /// Where `word` (lower-case UTF-8) splits into syllables, as byte ranges of `word`, or nil
    /// when it is not wholly made of Vietnamese syllables. `ascii` words, which may be English,
    /// must look Vietnamese beyond doubt: three syllables or more, one of them spelled as only
    /// Vietnamese spells ("nh", "ng", "kh", "tr", "ch" at its start, "nh" at its end, or "uo",
    /// "uu" in it).
    static func split(_ word: UnsafeBufferPointer<UInt8>, ascii: Bool) -> [Range<Int>]? {
        var letters: [UInt8] = []
        var starts: [Int] = []
        letters.reserveCapacity(word.count)
        var i = 0
        while i < word.count {
            let b0 = word[i]
            let length = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4
            guard i + length <= word.count else { return nil }
            let v: UInt32
            switch length {
            case 1: v = UInt32(b0)
            case 2: v = UInt32(b0 & 0x1F) << 6 | UInt32(word[i + 1] & 0x3F)
            case 3: v = UInt32(b0 & 0x0F) << 12 | UInt32(word[i + 1] & 0x3F) << 6 | UInt32(word[i + 2] & 0x3F)
            default: return nil
            }
            if Unaccent.isCombiningMark(v) {
                guard !letters.isEmpty else { return nil }
            } else {
                let base: UInt8? = v < 0x80 ? UInt8(v) : Unaccent.base(of: v).map { $0 | 0x20 }
                guard let base, base >= 0x61, base <= 0x7A else { return nil }
                letters.append(base)
                starts.append(i)
            }
            i += length
        }
        guard letters.count >= 4, letters.count <= maxLetters else { return nil }
        starts.append(word.count)

        // Fewest syllables, and of those the likeliest: a common syllable costs 4, another 5,
        // and 6 when it starts with a vowel, so "e muon" beats "em uon" and "đánh em" beats
        // "đá nhem" (both two syllables; "nhem" is rare, "em" common).
        let n = letters.count
        var cost = [Int](repeating: Int.max, count: n + 1)
        var from = [Int](repeating: -1, count: n + 1)
        cost[0] = 0
        letters.withUnsafeBufferPointer { letters in
            for start in 0..<n where cost[start] != Int.max {
                for end in (start + 1)...min(n, start + 7) {
                    let piece = UnsafeBufferPointer(rebasing: letters[start..<end])
                    guard VietnameseSyllable.isPlain(letters: piece) else { continue }
                    let c = cost[start] + Self.cost(of: piece)
                    // Ties go to the longer first syllable: "nhanh", not "nh anh".
                    if c < cost[end] || (c == cost[end] && start < from[end]) {
                        cost[end] = c
                        from[end] = start
                    }
                }
            }
        }
        guard cost[n] != Int.max else { return nil }
        var cuts: [Int] = []
        var at = n
        while at > 0 {
            cuts.append(at)
            at = from[at]
        }
        cuts.append(0)
        cuts.reverse()
        guard cuts.count >= 3 else { return nil }  // one syllable: not glued
        if ascii {
            guard cuts.count >= 4 else { return nil }
            let vietnamese = cuts.indices.dropLast().contains { k in
                let piece = letters[cuts[k]..<cuts[k + 1]]
                let text = String(decoding: piece, as: UTF8.self)
                return ["nh", "ng", "kh", "tr", "ch"].contains { text.hasPrefix($0) } || text.hasSuffix("nh") || text.contains("uo")
                    || text.contains("uu")
            }
            guard vietnamese else { return nil }
        }
        return cuts.indices.dropLast().map { starts[cuts[$0]]..<starts[cuts[$0 + 1]] }
    }

    static func cost(of syllable: UnsafeBufferPointer<UInt8>) -> Int {
        if common.contains(hash(syllable)) { return 4 }
        return VietnameseSyllable.isVowelByte(syllable[0]) ? 6 : 5
    }

    @inline(__always) static func hash<C: Collection<UInt8>>(_ letters: C) -> UInt64 {
        var h: UInt64 = 0
        for b in letters { h = h << 5 | UInt64(b & 0x1F) }  // at most 7 letters: exact, no collisions
        return h
    }

    /// Syllables common in what children and adults write to the hotline, without marks: the
    /// tie-breaker between splits of as many syllables.
    static let common: Set<UInt64> = Set(
        """
        a ai an anh ao ay em o oi ong uong ep ac at
        ba bac ban bao bat bay be ben bi biet bo bon buon bung
        ca cac cai cam can cao cap cat chan chau chay che chet chi chieu cho choi chu chua chuyen co con cu cua cuoc cung cuu
        da dam dan dang danh dao dap dat day den di dien dinh do doa doc doi don dong du dua duoc duong dung
        gai gap ghet gi gia giet gio giu giup goi
        hai hay he het hieu hoc hoi hom hon hu
        khi khoc khong kia lai lam lan lau len lo loi lon luc lung
        ma mai mang mat may me moi mot mua muon muoi
        na nam nao nay nen nghe nghi ngoi ngu nguoi ngay nhan nhanh nhat nhau nhe nhieu nho nhot nhu noi nua nuoc
        pha phai phong qua quan ra rat roi ruou sang sao say so song su
        ta tai tam tan tao tat thay the thi tho thoi thuong tien tin toi tom tre trai tren tro tron trong truoc truong tu tuoi
        va vao ve vi viec vien voi vua xa xe xem xin xuong yeu
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { hash($0.utf8) })
}
