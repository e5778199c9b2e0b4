/// How people really type, as data: teencode words, letter swaps, words to leave alone.
/// `standard` holds what the hotline's reference lists; a deployment extends it in
/// `gateway-config/text-rules.yaml` without a rebuild.
public struct TextRules: Sendable, Codable, Equatable {
    /// A word as typed (lower case) → what it means, with marks ("ko" → "không").
    public var teencode: [String: String]
    /// Letter groups swapped inside a word ("pk" → "ph"); a swap is kept only when the
    /// result is a well-formed Vietnamese syllable.
    public var swaps: [LetterSwap]
    /// Words never changed (keywords and names that look like input-method residue: "sos", "zalo").
    public var keep: [String]

    public struct LetterSwap: Sendable, Codable, Equatable {
        public var from: String
        public var to: String

        public init(from: String, to: String) {
            self.from = from
            self.to = to
        }
    }

    public init(teencode: [String: String] = [:], swaps: [LetterSwap] = [], keep: [String] = []) {
        self.teencode = teencode
        self.swaps = swaps
        self.keep = keep
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case teencode, swaps, keep
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        teencode = try c.decodeIfPresent([String: String].self, forKey: .teencode) ?? [:]
        swaps = try c.decodeIfPresent([LetterSwap].self, forKey: .swaps) ?? []
        keep = try c.decodeIfPresent([String].self, forKey: .keep) ?? []
    }

    /// These rules with `other`'s added; `other` wins where both define a word.
    public func extended(with other: TextRules) -> TextRules {
        TextRules(
            teencode: teencode.merging(other.teencode) { _, new in new },
            swaps: swaps + other.swaps.filter { !swaps.contains($0) },
            keep: keep + other.keep.filter { !keep.contains($0) })
    }

    public static let standard = TextRules(
        teencode: [
            // không
            "ko": "không", "k": "không", "hk": "không", "hok": "không", "khum": "không", "kh": "không",
            "k0": "không", "kg": "không", "hông": "không", "khôg": "không", "kô": "không",
            // được
            "dc": "được", "đc": "được", "dk": "được", "đk": "được", "duoc": "được", "dx": "được", "đx": "được",
            // pronouns and people
            "mk": "mình", "mik": "mình", "mh": "mình", "e": "em", "ckj": "chị", "chj": "chị", "cj": "chị", "ng": "người",
            "bn": "bạn", "bme": "bố mẹ", "bm": "bố mẹ", "pm": "bố mẹ", "ck": "chồng", "vk": "vợ", "ae": "anh em",
            // words
            "j": "gì", "gi": "gì", "cx": "cũng", "cg": "cũng", "bít": "biết", "bit": "biết", "bik": "biết", "bjt": "biết", "ak": "ạ",
            "ah": "ạ", "r": "rồi", "roy": "rồi", "rùi": "rồi", "rui": "rồi", "ns": "nói", "vs": "với", "ntn": "như thế nào",
            "ms": "mới", "z": "vậy", "zậy": "vậy", "dzậy": "vậy", "oy": "ơi", "oi": "ơi", "dt": "điện thoại",
            "đt": "điện thoại", "wa": "quá", "qá": "quá", "nhìu": "nhiều", "nhiu": "nhiều", "lun": "luôn", "hum": "hôm",
            "trc": "trước", "thui": "thôi", "hix": "buồn", "hic": "buồn", "iu": "yêu",
            "ik": "đi", "đj": "đi", "dj": "đi", "gđ": "gia đình", "gd": "gia đình", "tn": "thế nào", "bjo": "bây giờ", "bh": "bây giờ",
            "bg": "bây giờ", "sr": "xin lỗi", "ok": "ok", "oke": "ok",
        ],
        swaps: [
            LetterSwap(from: "j", to: "i"), LetterSwap(from: "pk", to: "ph"), LetterSwap(from: "ck", to: "ch"),
            LetterSwap(from: "nk", to: "nh"), LetterSwap(from: "gk", to: "gh"), LetterSwap(from: "z", to: "v"),
            LetterSwap(from: "dz", to: "d"), LetterSwap(from: "f", to: "ph"), LetterSwap(from: "w", to: "qu"),
            LetterSwap(from: "p", to: "b"), LetterSwap(from: "k", to: "c"), LetterSwap(from: "h", to: "k"),
        ],
        keep: [
            "sos", "help", "stop", "menu", "huy", "giup", "zalo", "facebook", "fb", "tiktok", "messenger", "ok", "yes", "no",
            // English words that Telex would misread ("now" as "nơ"), for English messages.
            "now", "right", "me", "my", "hit", "hits", "beat", "beats", "hurt", "hurts", "touched", "touches", "want", "die",
            "kill", "myself", "suicide", "raped", "abuse", "abused", "bully", "bullied", "missing", "child", "kidnapped",
            "nobody", "never", "not", "photos", "nude", "forced", "marry", "work", "food", "abandoned", "drowning", "school",
            "advice", "self", "harm", "end", "life", "when", "was", "ran", "away", "one", "dad", "mom", "please",
        ] + englishWords)

    /// Common English words that Telex, VNI or the letter swaps would otherwise misread ("is"
    /// as "í", "took" as "tóc", "soon" as "son", "lost" as "lot"): a misread word collides with
    /// a Vietnamese one, and shows up garbled in the reasons an operator reads. Gathered from
    /// the English messages of the corpus's development part; none is a Vietnamese word typed
    /// by Telex in earnest.
    static let englishWords = [
        "is", "are", "was", "were", "been", "has", "hasn", "does", "doesn", "isn", "goes", "gets", "says", "seems", "works",
        "her", "his", "hes", "its", "our", "ours", "your", "their", "there", "theres", "theyre", "here", "we", "us", "for",
        "of", "or", "if", "as", "how", "just", "this", "last", "next", "before", "first", "very", "more", "less", "too",
        "off", "down", "back", "near", "left", "took", "lost", "look", "keep", "keeps", "hear", "see", "saw", "seen", "think",
        "ask", "asks", "meet", "wait", "learn", "care", "use", "uses", "using", "turn", "tries", "owe", "hire", "seek",
        "buys", "offer", "offers", "visit", "swear", "curses", "kiss", "miss", "burn", "burns", "cuts", "kick", "hack",
        "lock", "locks", "cook", "cooks", "swim", "carrying", "disown", "sorry", "thank", "thanks", "safe", "sure", "wrong",
        "sick", "weak", "fat", "lazy", "easy", "busy", "fast", "dark", "pink", "best", "sexy", "dizzy", "fun", "house",
        "room", "door", "doors", "roof", "chair", "desk", "box", "car", "bus", "taxi", "park", "farm", "pier", "dorm",
        "cafe", "countryside", "year", "years", "week", "weeks", "days", "hour", "hours", "mins", "cousin", "cousins",
        "boys", "guys", "wife", "teen", "twins", "sis", "person", "boss", "host", "tourist", "tourists", "arm", "arms",
        "ear", "eyes", "nose", "neck", "hair", "fire", "gas", "wire", "iron", "razor", "beer", "pizza", "text", "post",
        "posts", "pics", "gift", "gifts", "marks", "exam", "exams", "test", "lessons", "chores", "tips", "diary", "case",
        "part", "parts", "things", "way", "law", "laws", "tradition", "electric", "tree", "two", "won", "own", "born",
        "moms", "dear", "hi", "am",
    ]
}
