import Foundation

/// A judgement of urgency with its reasons, in words an operator can check.
public struct TriageDecision: Sendable, Equatable, Codable {
    public var priority: Priority
    public var category: String?
    public var reasons: [String]

    public init(priority: Priority, category: String?, reasons: [String]) {
        self.priority = priority
        self.category = category
        self.reasons = reasons
    }
}

/// Judges a message (and the answers given so far): first by the rules of `triage.yaml`
/// (phrases read on the reader's match keys, negation, now and past, cries, topic frames),
/// then by the learned model when one is loaded, which may raise the level but never lower
/// it. The higher level wins whenever two are possible; "I'm fine" never lowers anything
/// (children understate); every step that sets the level adds a reason an operator reads.
public struct Triage: Sendable {
    public let rules: TriageRules
    public let normalizer: InputNormalizer
    public let model: TriageModel?

    struct Phrase {
        var words: [Int32]
        var text: String
        /// nil for a figure of speech: matched only to set its words aside.
        var category: String?
        var level: Priority
        var unlessPast: Priority?
    }

    /// Every word any rule uses, numbered: a message's words are looked up once, and every
    /// comparison after that is between numbers (triage runs on every SMS).
    /// Keyed by a 64-bit hash of the word's bytes: hashing a `Substring` means Unicode
    /// normalisation on every lookup, a hash of bytes does not.
    private let lexicon: NumberTable
    private let phrases: [Phrase]
    /// The words of `phrases`, by index, found by their first two words.
    private let phraseIndex: PhraseIndex
    private let isNegation: [Bool]
    /// The two-word negations, by `pair` of their numbers.
    private let negationPairs: NumberTable
    private let isBridge: [Bool]
    private let isCondition: [Bool]
    private let isFiller: [Bool]
    private let isCryCompanion: [Bool]
    private let isPersonal: [Bool]
    private let nowWords: PhraseList
    private let pastWords: PhraseList
    private let cries: PhraseList
    private let bareCries: PhraseList
    private let harmHints: PhraseList
    private let topicFrames: PhraseList
    private let laughter: PhraseList
    /// Per word number: the `bit` of every list above with a phrase starting with it. A
    /// message none of whose words starts a list's phrase is not searched for that list.
    private let listStarts: [UInt8]
    /// The phrases of combination groups, with the slot (see `groupOffsets`) of each one's group.
    private let groupPhrases: PhraseIndex
    private let groupSlots: [Int]
    private let stopWords: Set<Substring>
    /// Where each combination's groups start in the slots `combinations(in:)` fills; the last
    /// entry is the number of slots.
    private let groupOffsets: [Int]

    /// A list of phrases found by their first word's number.
    struct PhraseList: Sendable {
        /// Per word number: the phrases (indices into `words`) starting with it, in list order.
        var byFirst = PackedLists()
        var words = PackedLists()
        var isEmpty = true
        /// This list's bit in `Triage.listStarts`.
        var bit: UInt8 = 0

        init() {}

        init(_ phrases: [[Int32]], words count: Int, bit: UInt8) {
            self.bit = bit
            var starting = [[Int32]](repeating: [], count: count)
            for phrase in phrases {
                guard let first = phrase.first else { continue }
                starting[Int(first)].append(Int32(words.count))
                words.append(phrase)
            }
            byFirst = PackedLists(starting)
            isEmpty = phrases.isEmpty
        }

        /// The words of the first phrase met at positions `covered` leaves free.
        func first(in ids: [Int32], avoiding covered: [Bool]? = nil) -> Range<Int>? {
            guard !isEmpty else { return nil }
            for start in ids.indices where ids[start] >= 0 {
                for k in byFirst[Int(ids[start])] {
                    let phrase = words[Int(byFirst.items[k])]
                    guard Triage.matches(words.items, phrase, in: ids, at: start) else { continue }
                    if let covered, (start..<(start + phrase.count)).contains(where: { covered[$0] }) { continue }
                    return start..<(start + phrase.count)
                }
            }
            return nil
        }

        func occurs(in ids: [Int32], avoiding covered: [Bool]? = nil) -> Bool { first(in: ids, avoiding: covered) != nil }

        /// Whether a phrase of the list may be in a message whose words start the lists `starts`
        /// (the `listStarts` of its words together).
        @inline(__always)
        func mayOccur(_ starts: UInt8) -> Bool { starts & bit != 0 }

        /// Marks every position a phrase of the list covers.
        func mark(in ids: [Int32], into covered: inout [Bool]) {
            guard !isEmpty else { return }
            for start in ids.indices where ids[start] >= 0 {
                for k in byFirst[Int(ids[start])] {
                    let phrase = words[Int(byFirst.items[k])]
                    guard Triage.matches(words.items, phrase, in: ids, at: start) else { continue }
                    for i in start..<(start + phrase.count) { covered[i] = true }
                }
            }
        }
    }

    /// The reason a level raised by the model alone carries, so operators and tests can find it.
    public static let needsReview = "needs review"

    public init(rules: TriageRules, normalizer: InputNormalizer = InputNormalizer(), model: TriageModel? = nil) {
        self.rules = rules
        self.normalizer = normalizer
        self.model = model
        var lexicon: [UInt64: Int32] = [:]
        var names: [Int32: Substring] = [:]
        func ids(_ text: String) -> [Int32] {
            normalizer.matchKey(text).split(separator: " ").map { word in
                let key = Self.wordHash(word.utf8)
                if let id = lexicon[key] { return id }
                let id = Int32(lexicon.count)
                lexicon[key] = id
                names[id] = word
                return id
            }
        }
        func list(_ phrases: [String]) -> [[Int32]] { phrases.map { ids($0) }.filter { !$0.isEmpty } }
        var index: [Int32: [Phrase]] = [:]
        var seen: Set<String> = []
        func add(_ written: String, category: String?, level: Priority, unlessPast: Priority?) {
            // A phrase with an unknown concept is refused by check-config; here it is skipped.
            guard case .success(let phrases) = rules.expand(written) else { return }
            for phrase in phrases {
                let key = normalizer.matchKey(phrase)
                let words = ids(key)
                guard let first = words.first, seen.insert("\(category ?? "")|\(level.rawValue)|\(key)").inserted else { continue }
                index[first, default: []].append(Phrase(words: words, text: key, category: category, level: level, unlessPast: unlessPast))
            }
        }
        for rule in rules.categories {
            for (level, phrases) in [(Priority.p1, rule.p1), (.p2, rule.p2), (.p3, rule.p3)] {
                for phrase in phrases { add(phrase, category: rule.category, level: level, unlessPast: rule.unlessPast) }
            }
        }
        for figure in rules.figuresOfSpeech { add(figure, category: nil, level: .none, unlessPast: nil) }
        var groups: [Int32: [(combination: Int, group: Int, words: [Int32])]] = [:]
        for (c, combination) in rules.combinations.enumerated() {
            for (g, phrases) in combination.all.enumerated() {
                for written in phrases {
                    guard case .success(let expanded) = rules.expand(written) else { continue }
                    for phrase in expanded {
                        let words = ids(phrase)
                        if let first = words.first { groups[first, default: []].append((c, g, words)) }
                    }
                }
            }
        }
        let lists = [rules.nowWords, rules.pastWords, rules.cries, rules.bareCries, rules.harmHints, rules.topicFrames, rules.laughter].map(
            list)
        var negationPairs: [UInt64: Int32] = [:]
        var singleNegations: [Int32] = []
        for negation in rules.negations {
            let words = ids(negation)
            if words.count == 1 { singleNegations.append(words[0]) }
            if words.count == 2 { negationPairs[Self.pair(words[0], words[1])] = 0 }
        }
        let bridges = rules.negationBridges.flatMap { ids($0) }
        let conditions = rules.negationConditions.flatMap { ids($0) }
        let fillers = rules.fillers.flatMap { ids($0) }
        let companions = rules.cryCompanions.flatMap { ids($0) }
        let personal = rules.personalWords.flatMap { ids($0) }

        let size = lexicon.count
        nowWords = PhraseList(lists[0], words: size, bit: 1 << 0)
        pastWords = PhraseList(lists[1], words: size, bit: 1 << 1)
        cries = PhraseList(lists[2], words: size, bit: 1 << 2)
        bareCries = PhraseList(lists[3], words: size, bit: 1 << 3)
        harmHints = PhraseList(lists[4], words: size, bit: 1 << 4)
        topicFrames = PhraseList(lists[5], words: size, bit: 1 << 5)
        laughter = PhraseList(lists[6], words: size, bit: 1 << 6)
        var listStarts = [UInt8](repeating: 0, count: size)
        for (i, list) in lists.enumerated() {
            for phrase in list { if let first = phrase.first { listStarts[Int(first)] |= 1 << i } }
        }
        self.listStarts = listStarts
        func flags(_ members: [Int32]) -> [Bool] {
            var out = [Bool](repeating: false, count: size)
            for m in members { out[Int(m)] = true }
            return out
        }
        isNegation = flags(singleNegations)
        self.negationPairs = NumberTable(negationPairs)
        isBridge = flags(bridges)
        isCondition = flags(conditions)
        isFiller = flags(fillers)
        isCryCompanion = flags(companions)
        isPersonal = flags(personal)
        // Longer phrases first, so "dang danh" is reported before "danh" at the same place.
        let all = index.keys.sorted().flatMap { index[$0]! }.sorted { $0.words.count > $1.words.count }
        // Their indices ascend from longest to shortest, as `candidates` returns them.
        self.phrases = all
        phraseIndex = PhraseIndex(all.map(\.words), vocabulary: size)
        var offsets = [0]
        for combination in rules.combinations { offsets.append(offsets.last! + combination.all.count) }
        groupOffsets = offsets
        // Numbered first word by first word, each in its order in the rules: the order they
        // were always tried in at one place.
        var groupSlots: [Int] = []
        var groupWords: [[Int32]] = []
        for first in groups.keys.sorted() {
            for (combination, group, words) in groups[first]! {
                groupSlots.append(offsets[combination] + group)
                groupWords.append(words)
            }
        }
        groupPhrases = PhraseIndex(groupWords, vocabulary: size)
        self.groupSlots = groupSlots
        stopWords = Set((fillers + companions + bridges).compactMap { names[$0] })
        self.lexicon = NumberTable(lexicon)
    }

    /// Judges free text, with the answers given so far (`category`, `danger_now`, `age`...).
    public func judge(text: String, answers: [String: String] = [:]) -> TriageDecision {
        let key = normalizer.matchKey(text)
        var decision = judgeByRules(key: key, answers: answers)
        if let model {
            let features = model.features(key: key, signals: decision.signals)
            // The category head only when a category is wanted: most messages need the priority alone.
            let scores = TriageModel.Scores(priority: model.priorityScores(features), category: [])
            raise(&decision.decision, scores: scores, key: key, by: model, reading: decision) { model.categoryScores(features) }
        }
        if decision.decision.category == nil, let category = answers["category"] { decision.decision.category = category }
        return decision.decision
    }

    /// What the rules alone make of a message.
    public struct RulesReading: Sendable {
        public var decision: TriageDecision
        /// A word of `harm_hints` is in it: the model's bar for "needs review" is lower.
        public var hint: Bool
        /// What the rules saw, as features for the model ("P2 physical", "now", "a topic
        /// frame"), so it learns what they mean together: a P2 phrase beside words that say
        /// the danger is still there reads as P1.
        public var signals: [UInt32]
        /// A phrase was set aside as negated ("bố không đánh em").
        public var negated = false
        /// Something says it is over ("năm ngoái", "hồi nhỏ").
        public var past = false
        /// Written laughing ("haha", "lol") with nothing saying it is happening now: neither the
        /// rules nor the model make it P1.
        public var laughing = false
    }

    /// What the rules alone make of a match key.
    public func judgeByRules(key: String, answers: [String: String] = [:]) -> RulesReading {
        let message = MessageWords(key, lexicon: lexicon)
        let ids = message.ids
        var best = TriageDecision(priority: .none, category: nil, reasons: [])
        var signals: [UInt32] = []
        func consider(_ level: Priority, _ category: String?, _ reason: String) {
            signals.append(TriageFeatures.signal(level.rawValue, category ?? ""))
            if level > best.priority {
                best.priority = level
                best.category = category ?? best.category
            } else if best.category == nil {
                best.category = category
            }
            best.reasons.append("\(level.rawValue): \(reason)")
        }

        // Phrases first; "now" and "past" words only count outside them, so the "dang" of
        // "doa dang anh" (dọa đăng ảnh) does not read as "đang" (now).
        // Phrases by their index in `phrases`.
        var found: [(phrase: Int, span: Range<Int>)] = []
        var negated = false
        var candidates: [Int32] = []
        for start in ids.indices where ids[start] >= 0 {
            // Longest first. One filler may stand between a phrase's words: "đánh *em* bằng".
            phraseIndex.candidates(at: start, in: ids, isFiller: isFiller, into: &candidates)
            for index in candidates {
                guard let end = match(phraseIndex.words.items, phraseIndex.words[Int(index)], in: ids, at: start) else { continue }
                let span = start..<end
                // A shorter phrase inside one already counted adds nothing.
                if found.contains(where: { $0.span.contains(span.lowerBound) && $0.span.upperBound >= span.upperBound }) { continue }
                if phrases[Int(index)].category != nil, let negation = negation(before: start, in: ids) {
                    best.reasons.append("set aside: '\(message.text(negation)) … \(phrases[Int(index)].text)' is negated")
                    negated = true
                    continue
                }
                found.append((Int(index), span))
            }
        }
        // A figure of speech holds its words: "đánh vần" is not the "đánh" of "mẹ đang đánh".
        let figures = found.filter { phrases[$0.phrase].category == nil }.map(\.span)
        if !figures.isEmpty {
            found.removeAll { match in phrases[match.phrase].category != nil && figures.contains { $0.overlaps(match.span) } }
        }
        var covered = [Bool](repeating: false, count: ids.count)
        for (_, span) in found { for i in span { covered[i] = true } }
        var starts: UInt8 = 0
        for id in ids where id >= 0 { starts |= listStarts[Int(id)] }
        let cry = cries.mayOccur(starts) ? cries.first(in: ids, avoiding: covered) : nil
        let cried = cry != nil
        let isNow = cried || (nowWords.mayOccur(starts) && nowWords.occurs(in: ids, avoiding: covered))
        let isPast = pastWords.mayOccur(starts) && pastWords.occurs(in: ids, avoiding: covered)
        // About a topic: at most P3, or P2 when a "now" word is in it too ("đang tập kịch").
        let frame = cried || !topicFrames.mayOccur(starts) ? nil : topicFrames.first(in: ids)
        let frameCap: Priority = isNow ? .p2 : .p3
        // Laughter leaves a P1 for a person to read: P2, never lower; not when a cry or a
        // "now" word says it is happening ("bố đang cầm dao haha" stays P1).
        let laugh = cried || isNow || !laughter.mayOccur(starts) ? nil : laughter.first(in: ids)
        func laughing(_ level: inout Priority, _ reason: inout String) {
            guard let laugh, level == .p1 else { return }
            level = .p2
            reason += ", written laughing ('\(message.text(laugh))'): \(Self.needsReview)"
        }
        for (index, span) in found {
            let phrase = phrases[index]
            guard let category = phrase.category else {
                best.reasons.append("set aside: '\(phrase.text)' is a figure of speech")
                continue
            }
            var level = phrase.level
            var reason = "'\(phrase.text)' (\(category))"
            if phrase.level == .p2 && isNow {
                level = .p1
                reason = "'\(phrase.text)' (\(category)) is happening now"
            } else if phrase.level == .p2, let raised = phrase.unlessPast, !isPast {
                level = raised
                reason = "'\(phrase.text)' (\(category)), nothing says it is over: the higher level"
            }
            // A harm told of oneself ("em bị …") is a disclosure even inside a question: at least P2.
            let personal = (max(0, span.lowerBound - 3)..<span.lowerBound).contains { ids[$0] >= 0 && isPersonal[Int(ids[$0])] }
            let cap = personal ? max(frameCap, .p2) : frameCap
            if let frame, level > cap {
                level = cap
                reason += ", in a question or story about it ('\(message.text(frame))')"
            }
            laughing(&level, &reason)
            consider(level, category, reason)
        }
        for found in combinations(in: message) {
            var (level, reason) = (found.level, found.text)
            laughing(&level, &reason)
            consider(level, found.category, reason)
        }
        if best.priority < .p1, cried || (bareCries.mayOccur(starts) && bareCries.occurs(in: ids)), isOnlyCry(ids) {
            consider(.p1, "danger_now", "only a cry for help")
        } else if let cry, best.priority < .p2 {
            consider(.p2, "danger_now", "a cry for help ('\(message.text(cry))')")
        }
        // Every answer rule asks for an answer: none given, none holds.
        for rule in rules.answers where !answers.isEmpty && Self.holds(rule, answers) {
            let described = rule.when.keys.sorted().map { "\($0) = \(answers[$0] ?? answers[String($0.dropLast(6))] ?? "?")" }
            consider(rule.priority, answers["category"], "answer \(described.joined(separator: ", "))")
        }
        let hint = harmHints.mayOccur(starts) && harmHints.occurs(in: ids)
        // In this order: the model was trained on them so.
        let flags = Self.flagSignals
        if isNow { signals.append(flags.now) }
        if isPast { signals.append(flags.past) }
        if cried { signals.append(flags.cry) }
        if frame != nil { signals.append(flags.frame) }
        if hint { signals.append(flags.hint) }
        if laugh != nil { signals.append(flags.laugh) }
        return RulesReading(decision: best, hint: hint, signals: signals, negated: negated, past: isPast, laughing: laugh != nil)
    }

    /// The signals of what the rules saw besides phrases, hashed once.
    static let flagSignals = (
        now: TriageFeatures.signal("now", ""), past: TriageFeatures.signal("past", ""), cry: TriageFeatures.signal("cry", ""),
        frame: TriageFeatures.signal("frame", ""), hint: TriageFeatures.signal("hint", ""), laugh: TriageFeatures.signal("laugh", "")
    )

    /// Every word is part of a cry or may stand with one ("cứu em với", "please help!!!").
    private func isOnlyCry(_ ids: [Int32]) -> Bool {
        var covered = [Bool](repeating: false, count: ids.count)
        cries.mark(in: ids, into: &covered)
        bareCries.mark(in: ids, into: &covered)
        return ids.indices.allSatisfy { covered[$0] || (ids[$0] >= 0 && isCryCompanion[Int(ids[$0])]) }
    }

    /// The combinations whose every group is met somewhere in the message, each with the
    /// phrases that met it.
    func combinations(in message: MessageWords) -> [(level: Priority, category: String, text: String)] {
        guard !rules.combinations.isEmpty else { return [] }
        let ids = message.ids
        // Where each group was first met: one slot per group of every combination (made only
        // once a group is met, as most messages meet none).
        var met: [Range<Int>?] = []
        var candidates: [Int32] = []
        for start in ids.indices where ids[start] >= 0 {
            groupPhrases.candidates(at: start, in: ids, isFiller: isFiller, into: &candidates)
            for candidate in candidates.lazy.map({ Int($0) }) {
                let slot = groupSlots[candidate]
                if !met.isEmpty, met[slot] != nil { continue }
                guard let end = match(groupPhrases.words.items, groupPhrases.words[candidate], in: ids, at: start),
                    negation(before: start, in: ids) == nil
                else { continue }
                if met.isEmpty { met = [Range<Int>?](repeating: nil, count: groupOffsets.last!) }
                met[slot] = start..<end
            }
        }
        guard !met.isEmpty else { return [] }
        var out: [(level: Priority, category: String, text: String)] = []
        for (c, combination) in rules.combinations.enumerated() {
            let groups = groupOffsets[c]..<groupOffsets[c + 1]
            guard !groups.contains(where: { met[$0] == nil }) else { continue }
            let shown = groups.map { "'\(message.text(met[$0]!))'" }.joined(separator: " with ")
            out.append((combination.priority, combination.category, "\(shown) (\(combination.category))"))
        }
        return out
    }

    /// A message's words as the rules' numbers (-1 for a word no rule uses), with their
    /// places in the match key for the reasons.
    struct MessageWords {
        let bytes: [UInt8]
        var ids: [Int32] = []
        var spans: [Range<Int>] = []

        init(_ key: String, lexicon: NumberTable) {
            bytes = Array(key.utf8)
            ids.reserveCapacity(bytes.count / 3 + 1)
            spans.reserveCapacity(bytes.count / 3 + 1)
            // `wordHash` of each word, taken as its bytes go by.
            let seed = Triage.wordHash([UInt8]())
            var h = seed
            var start = 0
            for i in 0...bytes.count {
                guard i == bytes.count || bytes[i] == 0x20 else {
                    h = Triage.wordHash(h, bytes[i])
                    continue
                }
                if i > start {
                    ids.append(lexicon.number(h))
                    spans.append(start..<i)
                }
                start = i + 1
                h = seed
            }
        }

        /// The words at `words`, as the match key spells them.
        func text(_ words: Range<Int>) -> String {
            guard let first = words.first, let last = words.last else { return "" }
            return String(decoding: bytes[spans[first].lowerBound..<spans[last].upperBound], as: UTF8.self)
        }
    }

    /// "0.87": what `String(format: "%.2f")` writes, without Foundation's formatter on every raise.
    static func twoPlaces(_ value: Double) -> String {
        let hundredths = Int((min(max(value, 0), 1) * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }

    /// The fewest words the model judges alone.
    public static let modelMinimumWords = 5

    static func longEnough(_ key: String) -> Bool {
        var spaces = 0
        for b in key.utf8 where b == 0x20 {
            spaces += 1
            if spaces + 1 >= modelMinimumWords { return true }
        }
        return false
    }

    @inline(__always) static func pair(_ a: Int32, _ b: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
    }

    static func wordHash<C: Collection<UInt8>>(_ bytes: C) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = wordHash(h, b) }
        return h
    }

    /// One byte more of `wordHash` (FNV-1a 64).
    @inline(__always) static func wordHash(_ h: UInt64, _ byte: UInt8) -> UInt64 { (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }

    /// Lets the model raise the rules' level: to P1 when it is sure enough, to P2 "needs
    /// review" when the message reads like urgent ones (a lower bar with a harm hint).
    ///
    /// What the rules read plainly, the model does not overrule: a harm the message denies
    /// ("bố không đánh em") is not raised, and one it says is over is not raised to P1.
    func raise(
        _ decision: inout TriageDecision, scores: TriageModel.Scores, key: String, by model: TriageModel, reading: RulesReading,
        categories: () -> [Double]
    ) {
        let hint = reading.hint
        if reading.negated && decision.priority < .p2 { return }
        // Four words or fewer ("em 12 tuoi", an answer to a question) give the model too little to go
        // on: it may raise what the rules found urgent, not start from nothing.
        if decision.priority < .p2 && !Self.longEnough(key) { return }
        let p1 = scores.probability(of: .p1)
        let bar = hint ? model.thresholds.urgentWithHint : model.thresholds.urgent
        let level: Priority
        let urgent = decision.priority >= .p2 || scores.urgent >= bar
        if Self.makesP1(reading, p1: p1, urgent: scores.urgent, longEnough: true, bars: model.thresholds) {
            level = .p1
        } else if urgent {
            level = .p2
        } else {
            // Routine by the model: a category for a message the rules had nothing for.
            if decision.category == nil, decision.priority >= .p3 { decision.category = modelCategory(categories(), model) }
            return
        }
        guard level > decision.priority else { return }
        let words = model.strongestWords(in: key, towards: level, skipping: stopWords)
        let shown = words.isEmpty ? "" : "; words " + words.map { "'\($0)'" }.joined(separator: ", ")
        let likeness = Self.twoPlaces(level == .p1 ? p1 : scores.urgent)
        let category = modelCategory(categories(), model, urgent: true)
        if level == .p1 {
            decision.reasons.append("P1: reads like the urgent examples (\(likeness)) \(category.map { "of \($0) " } ?? "")\(shown)")
        } else {
            decision.reasons.append(
                "P2: \(Self.needsReview): reads like urgent examples (\(likeness))\(hint ? " and a word suggests harm" : "")\(shown)")
        }
        decision.priority = level
        if decision.category == nil || decision.category == "advice" { decision.category = category ?? decision.category }
    }

    /// Whether rules and model together make a message P1 under `bars`: the rule `raise`
    /// applies, and the one the trainer chooses the bars by.
    ///
    /// A rules P1 stays P1. Otherwise the model may not make P1 of a harm the message denies,
    /// of four words or fewer the rules found nothing urgent in, of a P2 the message says is
    /// over, or of a message written laughing. The lower P1 bar is for what the rules already
    /// found urgent, or the model is all but sure is.
    static func makesP1(
        _ reading: RulesReading, p1: Double, urgent: Double, longEnough: Bool, bars: TriageModel.Thresholds
    ) -> Bool {
        let ruled = reading.decision.priority
        if ruled == .p1 { return true }
        if (reading.negated && ruled < .p2) || (ruled < .p2 && !longEnough) { return false }
        if (reading.past && ruled == .p2) || reading.laughing { return false }
        let sure = ruled >= .p2 || urgent >= bars.urgentForP1
        return p1 >= bars.p1 || (sure && p1 >= bars.p1WhenUrgent)
    }

    /// The model's most likely category that is not chit-chat.
    func modelCategory(_ scores: [Double], _ model: TriageModel, urgent: Bool = false) -> String? {
        var best: (String, Double)? = nil
        for (i, name) in model.categories.enumerated() where name != "chat" && !(urgent && name == "advice") {
            if best == nil || scores[i] > best!.1 { best = (name, scores[i]) }
        }
        return best?.0
    }

    /// Where the phrase at `phrase` of `store` ends if it starts at `start`, allowing one
    /// filler word between its words.
    func match(_ store: [Int32], _ phrase: Range<Int>, in ids: [Int32], at start: Int) -> Int? {
        var i = start
        for (offset, k) in phrase.enumerated() {
            let word = store[k]
            if i < ids.count, ids[i] == word {
                i += 1
                continue
            }
            guard offset > 0, i + 1 < ids.count, ids[i] >= 0, isFiller[Int(ids[i])], ids[i + 1] == word else { return nil }
            i += 2
        }
        return i
    }

    /// Whether the words at `phrase` of `store` stand in `ids` from `start`, word for word.
    @inline(__always)
    static func matches(_ store: [Int32], _ phrase: Range<Int>, in ids: [Int32], at start: Int) -> Bool {
        guard start + phrase.count <= ids.count else { return false }
        for (offset, k) in phrase.enumerated() where ids[start + offset] != store[k] { return false }
        return true
    }

    static func matches<T: Equatable>(_ phrase: [T], in words: [T], at start: Int) -> Bool {
        guard start + phrase.count <= words.count else { return false }
        for (offset, word) in phrase.enumerated() where words[start + offset] != word { return false }
        return true
    }

    static func occurs(_ phrase: [Substring], in words: [Substring]) -> Bool {
        guard !phrase.isEmpty else { return false }
        return words.indices.contains { matches(phrase, in: words, at: $0) }
    }

    /// Where the negation governing a phrase at `start` stands: the word before it, or before
    /// a short run of bridge words ("không có ai đánh").
    func negation(before start: Int, in ids: [Int32]) -> Range<Int>? {
        var i = start - 1
        var bridged = 0
        while i >= 0, ids[i] >= 0 {
            let word = Int(ids[i])
            if isNegation[word] { return isConditional(before: i, in: ids) ? nil : i..<(i + 1) }
            if i >= 1, ids[i - 1] >= 0, negationPairs.number(Self.pair(ids[i - 1], ids[i])) >= 0 {
                return isConditional(before: i - 1, in: ids) ? nil : (i - 1)..<(i + 1)
            }
            guard isBridge[word], bridged < 3 else { return nil }
            bridged += 1
            i -= 1
        }
        return nil
    }

    /// "nếu (em) không …": a condition stands in the two words before the negation at `start`.
    private func isConditional(before start: Int, in ids: [Int32]) -> Bool {
        for i in max(0, start - 2)..<start where ids[i] >= 0 && isCondition[Int(ids[i])] { return true }
        return false
    }

    static func holds(_ rule: TriageRules.AnswerRule, _ answers: [String: String]) -> Bool {
        guard !rule.when.isEmpty else { return false }
        for (field, values) in rule.when {
            if field.hasSuffix("_under") {
                let name = String(field.dropLast(6))
                guard let given = answers[name].flatMap({ Int($0) }), let limit = values.first.flatMap({ Int($0) }), given < limit else {
                    return false
                }
            } else {
                guard let given = answers[field], values.contains(given) else { return false }
            }
        }
        return true
    }
}
