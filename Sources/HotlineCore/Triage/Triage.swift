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
        var words: [Substring]
        var text: String
        /// nil for a figure of speech: matched only to set its words aside.
        var category: String?
        var level: Priority
        var unlessPast: Priority?
    }

    private let phrasesByFirstWord: [Substring: [Phrase]]
    private let negations: Set<String>
    private let bridges: Set<String>
    private let nowWords: [[Substring]]
    private let pastWords: [[Substring]]
    private let fillers: Set<Substring>
    private let cries: [[Substring]]
    private let cryCompanions: Set<Substring>
    private let bareCries: [[Substring]]
    private let harmHints: [[Substring]]
    private let topicFrames: [[Substring]]
    /// The phrases of every combination's groups, by first word: (combination, group, words).
    private let groupPhrases: [Substring: [(combination: Int, group: Int, words: [Substring])]]
    private let stopWords: Set<Substring>

    /// The reason a level raised by the model alone carries, so operators and tests can find it.
    public static let needsReview = "needs review"

    public init(rules: TriageRules, normalizer: InputNormalizer = InputNormalizer(), model: TriageModel? = nil) {
        self.rules = rules
        self.normalizer = normalizer
        self.model = model
        var index: [Substring: [Phrase]] = [:]
        var seen: Set<String> = []
        func add(_ written: String, category: String?, level: Priority, unlessPast: Priority?) {
            // A phrase with an unknown concept is refused by check-config; here it is skipped.
            guard case .success(let phrases) = rules.expand(written) else { return }
            for phrase in phrases {
                let key = normalizer.matchKey(phrase)
                let words = key.split(separator: " ")
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
        // Longer phrases first, so "dang danh" is reported before "danh" at the same place.
        phrasesByFirstWord = index.mapValues { $0.sorted { $0.words.count > $1.words.count } }
        func keys(_ list: [String]) -> [[Substring]] {
            list.map { normalizer.matchKey($0).split(separator: " ") }.filter { !$0.isEmpty }
        }
        negations = Set(rules.negations.map { normalizer.matchKey($0) })
        bridges = Set(rules.negationBridges.map { normalizer.matchKey($0) })
        nowWords = keys(rules.nowWords)
        pastWords = keys(rules.pastWords)
        fillers = Set(rules.fillers.map { Substring(normalizer.matchKey($0)) })
        cries = keys(rules.cries)
        cryCompanions = Set(keys(rules.cryCompanions).flatMap { $0 })
        bareCries = keys(rules.bareCries)
        harmHints = keys(rules.harmHints)
        topicFrames = keys(rules.topicFrames)
        var groups: [Substring: [(combination: Int, group: Int, words: [Substring])]] = [:]
        for (c, combination) in rules.combinations.enumerated() {
            for (g, phrases) in combination.all.enumerated() {
                for written in phrases {
                    guard case .success(let expanded) = rules.expand(written) else { continue }
                    for phrase in expanded {
                        let words = normalizer.matchKey(phrase).split(separator: " ")
                        if let first = words.first { groups[first, default: []].append((c, g, words)) }
                    }
                }
            }
        }
        groupPhrases = groups
        stopWords = fillers.union(cryCompanions).union(bridges.map { Substring($0) })
    }

    /// Judges free text, with the answers given so far (`category`, `danger_now`, `age`...).
    public func judge(text: String, answers: [String: String] = [:]) -> TriageDecision {
        let key = normalizer.matchKey(text)
        var decision = judgeByRules(key: key, answers: answers)
        if let model {
            raise(&decision.decision, scores: model.score(key: key, signals: decision.signals), key: key, by: model, reading: decision)
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
    }

    /// What the rules alone make of a match key.
    public func judgeByRules(key: String, answers: [String: String] = [:]) -> RulesReading {
        let words = key.split(separator: " ")
        var best = TriageDecision(priority: .none, category: nil, reasons: [])
        var signals: [UInt32] = []
        func consider(_ level: Priority, _ category: String?, _ reason: String) {
            signals.append(TriageFeatures.signal("\(level.rawValue) \(category ?? "")"))
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
        var found: [(phrase: Phrase, span: Range<Int>)] = []
        for start in words.indices {
            guard let candidates = phrasesByFirstWord[words[start]] else { continue }
            for phrase in candidates {
                guard let end = match(phrase.words, in: words, at: start) else { continue }
                let span = start..<end
                // A shorter phrase inside one already counted adds nothing.
                if found.contains(where: { $0.span.contains(span.lowerBound) && $0.span.upperBound >= span.upperBound }) { continue }
                if phrase.category != nil, let negation = negation(before: start, in: words) {
                    best.reasons.append("set aside: '\(negation) … \(phrase.text)' is negated")
                    continue
                }
                found.append((phrase, span))
            }
        }
        // A figure of speech holds its words: "đánh vần" is not the "đánh" of "mẹ đang đánh".
        let figures = found.filter { $0.phrase.category == nil }.map(\.span)
        found.removeAll { match in match.phrase.category != nil && figures.contains { $0.overlaps(match.span) } }
        let outside = words.indices.filter { i in !found.contains { $0.span.contains(i) } }.map { words[$0] }
        let cried = cries.contains { Self.occurs($0, in: outside) }
        let isNow = cried || nowWords.contains { Self.occurs($0, in: outside) }
        let isPast = pastWords.contains { Self.occurs($0, in: outside) }
        // About a topic: at most P3, or P2 when a "now" word is in it too ("đang tập kịch").
        let frame = cried ? nil : topicFrames.first { Self.occurs($0, in: words) }
        let frameCap: Priority = isNow ? .p2 : .p3
        for (phrase, _) in found {
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
            if let frame, level > frameCap {
                level = frameCap
                reason += ", in a question or story about it ('\(frame.joined(separator: " "))')"
            }
            consider(level, category, reason)
        }
        for reason in combinations(in: words) { consider(reason.level, reason.category, reason.text) }
        let bare = !cried && bareCries.contains { Self.occurs($0, in: words) }
        if (cried || bare) && best.priority < .p1
            && words.allSatisfy({
                cryCompanions.contains($0) || cries.contains([$0]) || bareCries.contains([$0]) || isCryWord($0, in: words)
            })
        {
            consider(.p1, "danger_now", "only a cry for help")
        } else if cried && best.priority < .p2 {
            consider(.p2, "danger_now", "a cry for help ('\(cries.first { Self.occurs($0, in: outside) }!.joined(separator: " "))')")
        }
        for rule in rules.answers where Self.holds(rule, answers) {
            let described = rule.when.keys.sorted().map { "\($0) = \(answers[$0] ?? answers[String($0.dropLast(6))] ?? "?")" }
            consider(rule.priority, answers["category"], "answer \(described.joined(separator: ", "))")
        }
        let hint = harmHints.contains { Self.occurs($0, in: words) }
        for (flag, name) in [(isNow, "now"), (isPast, "past"), (cried, "cry"), (frame != nil, "frame"), (hint, "hint")] where flag {
            signals.append(TriageFeatures.signal(name))
        }
        let negated = best.reasons.contains { $0.hasPrefix("set aside:") && $0.hasSuffix("is negated") }
        return RulesReading(decision: best, hint: hint, signals: signals, negated: negated, past: isPast)
    }

    /// The combinations whose every group is met somewhere in the message, each with the
    /// phrases that met it.
    func combinations(in words: [Substring]) -> [(level: Priority, category: String, text: String)] {
        guard !groupPhrases.isEmpty else { return [] }
        var met: [Int: [Int: String]] = [:]
        for start in words.indices {
            guard let candidates = groupPhrases[words[start]] else { continue }
            for candidate in candidates where met[candidate.combination]?[candidate.group] == nil {
                guard let end = match(candidate.words, in: words, at: start), negation(before: start, in: words) == nil else { continue }
                met[candidate.combination, default: [:]][candidate.group] = words[start..<end].joined(separator: " ")
            }
        }
        var out: [(level: Priority, category: String, text: String)] = []
        for (c, groups) in met.sorted(by: { $0.key < $1.key }) {
            let combination = rules.combinations[c]
            guard groups.count == combination.all.count else { continue }
            let shown = (0..<combination.all.count).map { "'\(groups[$0]!)'" }.joined(separator: " with ")
            out.append((combination.priority, combination.category, "\(shown) (\(combination.category))"))
        }
        return out
    }

    /// A word of a several-word cry ("help" and "me" of "help me").
    private func isCryWord(_ word: Substring, in words: [Substring]) -> Bool {
        (cries + bareCries).contains { cry in cry.count > 1 && cry.contains(word) && Self.occurs(cry, in: words) }
    }

    /// Lets the model raise the rules' level: to P1 when it is sure enough, to P2 "needs
    /// review" when the message reads like urgent ones (a lower bar with a harm hint).
    ///
    /// What the rules read plainly, the model does not overrule: a harm the message denies
    /// ("bố không đánh em") is not raised, and one it says is over is not raised to P1.
    func raise(_ decision: inout TriageDecision, scores: TriageModel.Scores, key: String, by model: TriageModel, reading: RulesReading) {
        let hint = reading.hint
        if reading.negated && decision.priority < .p2 { return }
        let p1 = scores.probability(of: .p1)
        let bar = hint ? model.thresholds.urgentWithHint : model.thresholds.urgent
        let level: Priority
        let urgent = decision.priority >= .p2 || scores.urgent >= bar
        // The lower P1 bar is for what the rules already found urgent, not for the model's own guess.
        if p1 >= model.thresholds.p1 || (decision.priority >= .p2 && p1 >= model.thresholds.p1WhenUrgent) {
            level = .p1
        } else if urgent {
            level = .p2
        } else {
            // Routine by the model: a category for a message the rules had nothing for.
            if decision.category == nil, decision.priority >= .p3 { decision.category = modelCategory(scores, model) }
            return
        }
        guard level > decision.priority, !(level == .p1 && reading.past && decision.priority == .p2) else { return }
        let words = model.strongestWords(in: key, towards: level, skipping: stopWords)
        let shown = words.isEmpty ? "" : "; words " + words.map { "'\($0)'" }.joined(separator: ", ")
        let likeness = level == .p1 ? String(format: "%.2f", p1) : String(format: "%.2f", scores.urgent)
        let category = modelCategory(scores, model, urgent: true)
        if level == .p1 {
            decision.reasons.append("P1: reads like the urgent examples (\(likeness)) \(category.map { "of \($0) " } ?? "")\(shown)")
        } else {
            decision.reasons.append(
                "P2: \(Self.needsReview): reads like urgent examples (\(likeness))\(hint ? " and a word suggests harm" : "")\(shown)")
        }
        decision.priority = level
        if decision.category == nil || decision.category == "advice" { decision.category = category ?? decision.category }
    }

    /// The model's most likely category that is not chit-chat.
    func modelCategory(_ scores: TriageModel.Scores, _ model: TriageModel, urgent: Bool = false) -> String? {
        var best: (String, Double)? = nil
        for (i, name) in model.categories.enumerated() where name != "chat" && !(urgent && name == "advice") {
            if best == nil || scores.category[i] > best!.1 { best = (name, scores.category[i]) }
        }
        return best?.0
    }

    /// Where `phrase` ends if it starts at `start`, allowing one filler word between its words.
    func match(_ phrase: [Substring], in words: [Substring], at start: Int) -> Int? {
        var i = start
        for (offset, word) in phrase.enumerated() {
            if i < words.count, words[i] == word {
                i += 1
                continue
            }
            guard offset > 0, i + 1 < words.count, fillers.contains(words[i]), words[i + 1] == word else { return nil }
            i += 2
        }
        return i
    }

    static func matches(_ phrase: [Substring], in words: [Substring], at start: Int) -> Bool {
        guard start + phrase.count <= words.count else { return false }
        for (offset, word) in phrase.enumerated() where words[start + offset] != word { return false }
        return true
    }

    static func occurs(_ phrase: [Substring], in words: [Substring]) -> Bool {
        guard !phrase.isEmpty else { return false }
        return words.indices.contains { matches(phrase, in: words, at: $0) }
    }

    /// The negation governing a phrase at `start`: the word before it, or before a short run
    /// of bridge words ("không có ai đánh").
    func negation(before start: Int, in words: [Substring]) -> String? {
        var i = start - 1
        var bridged = 0
        while i >= 0 {
            let word = String(words[i])
            if negations.contains(word) { return word }
            if i >= 1, negations.contains("\(words[i - 1]) \(word)") { return "\(words[i - 1]) \(word)" }
            guard bridges.contains(word), bridged < 3 else { return nil }
            bridged += 1
            i -= 1
        }
        return nil
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
