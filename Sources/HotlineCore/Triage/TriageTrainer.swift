/// Trains the learned model from labelled examples: multinomial logistic regression on the
/// hashed features, fitted by plain stochastic gradient descent in a fixed order, so the same
/// corpus always gives the same model, on any machine, with no network and no library.
///
/// Its thresholds are not guessed: the examples are split into folds, a model is fitted on
/// all folds but one and judges the one left out, and the thresholds are the highest at
/// which the whole triage (rules and model together) still meets the recall targets on
/// those unseen judgements.
public struct TriageTrainer: Sendable {
    public var epochs = 30
    public var folds = 5
    public var learningRate: Float = 1.0
    public var l2: Float = 1e-5
    /// Recall the thresholds must keep on held-out folds (judged `asIfUnseen`): above the
    /// release targets (0.95), since messages never seen are harder than held-out ones.
    public var targetP1Recall = 0.97
    public var targetUrgentRecall = 0.97
    /// False P1 among routine held-out messages the P1 bars may give: the release limit (0.08)
    /// divided by 1.6, since unseen messages have given about 1.6 times the held-out figure.
    public var maxFalseP1 = 0.05
    /// Same-day messages the bars may send to 111 at once: erring up from P2 to P1 is cheap
    /// once, but bars that make nearly every P2 a P1 would teach operators to ignore the alarm.
    public var maxP2AsP1 = 0.35

    public init() {}

    public struct Report: Sendable {
        public var thresholds: TriageModel.Thresholds
        /// On the held-out folds, rules and model together.
        public var heldOut: TriageEvaluation
        /// The same, with each rule that fires only inside its own fold set aside
        /// (`asIfUnseen`): nearer what unseen messages will give. The bars are chosen on this.
        public var heldOutAsIfUnseen: TriageEvaluation
        public var notes: [String]
    }

    /// The model and how it did on held-out folds. `triage` is the rules alone (no model).
    public func train(_ examples: [TriageCorpus.Example], rules triage: Triage, corpusDigest: String) -> (TriageModel, Report) {
        let keys = examples.map { triage.normalizer.matchKey($0.text) }
        let ruled = keys.map { triage.judgeByRules(key: $0) }
        let features = keys.indices.map { i -> [UInt32] in
            var out: [UInt32] = []
            TriageFeatures.collect(keys[i], into: &out)
            return out + ruled[i].signals
        }
        let categories = Array(Set(examples.map(\.category))).sorted()
        let categoryIndex = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, $0) })
        let labels = examples.map { (TriageModel.priorities.firstIndex(of: $0.priority)!, categoryIndex[$0.category]!) }

        // Folds by a hash of the text, so they do not follow the file's order (written by kind).
        let fold = keys.map { Int(TriageFeatures.bucket(TriageFeatures.hashString($0)) % UInt32(folds)) }
        var heldOut = [TriageModel.Scores?](repeating: nil, count: examples.count)
        var members: [TriageModel] = []
        for f in 0..<folds {
            let train = examples.indices.filter { fold[$0] != f }
            let model = fit(train, features: features, labels: labels, categories: categories, digest: corpusDigest)
            for i in examples.indices where fold[i] == f { heldOut[i] = model.score(key: keys[i], signals: ruled[i].signals) }
            members.append(model)
        }
        let scores = heldOut.map { $0! }
        var notes: [String] = []
        let unseen = Self.asIfUnseen(ruled, fold: fold)
        let thresholds = chooseThresholds(examples, keys: keys, ruled: unseen, scores: scores, notes: &notes)

        // The shipped model is the fold models averaged. A linear model's average is one model
        // (its logits are the members' mean), and it is as sure of a new message as the members
        // were of their held-out ones, so the bars chosen on those still mean what they meant;
        // a model refitted on every example would be surer, and pass more messages over them.
        var model = Self.average(members, categories: categories, digest: corpusDigest, examples: examples.count)
        model.thresholds = thresholds
        model.vocabulary = Self.vocabulary(keys)
        // The held-out figures, judged exactly as the service judges: rules, then the model's scores.
        func evaluate(_ readings: [Triage.RulesReading]) -> TriageEvaluation {
            let judged = examples.indices.map { i -> TriageDecision in
                var d = readings[i].decision
                triage.raise(&d, scores: scores[i], key: keys[i], by: model, reading: readings[i]) { scores[i].category }
                return d
            }
            return TriageEvaluation(examples: examples, decisions: judged)
        }
        return (
            model,
            Report(thresholds: thresholds, heldOut: evaluate(ruled), heldOutAsIfUnseen: evaluate(unseen), notes: notes)
        )
    }

    /// The rules' readings with every level a rule gives only within its own fold taken away.
    ///
    /// The rules were written looking at these very examples, so on them they are better than
    /// they will ever be on a message nobody has seen; bars chosen on that would leave too much
    /// to rules that then do not fire. A phrase that matches an example and no example of
    /// another fold was most likely written for that one example: for choosing the bars, the
    /// example is judged as if that phrase did not exist. (Its level falls to what its other
    /// reasons give; the signals the model reads are left as they were.)
    static func asIfUnseen(_ ruled: [Triage.RulesReading], fold: [Int]) -> [Triage.RulesReading] {
        func identity(_ reason: String) -> (level: Priority, rule: Substring)? {
            guard let colon = reason.firstIndex(of: ":"), let level = Priority(rawValue: String(reason[..<colon])) else { return nil }
            var rule = reason[reason.index(after: colon)...]
            // The phrase and its category, not what raised it ("is happening now") or capped it.
            if let close = rule.firstIndex(of: ")") { rule = rule[...close] }
            return (level, rule)
        }
        var folds: [Substring: Set<Int>] = [:]
        for (i, r) in ruled.enumerated() {
            for reason in r.decision.reasons { if let id = identity(reason) { folds[id.rule, default: []].insert(fold[i]) } }
        }
        return ruled.indices.map { i in
            var r = ruled[i]
            var level = Priority.none
            var any = false
            for reason in r.decision.reasons {
                guard let id = identity(reason) else { continue }
                any = true
                if folds[id.rule]!.contains(where: { $0 != fold[i] }) { level = max(level, id.level) }
            }
            if any && level < r.decision.priority {
                r.decision.priority = level
                if level == .none { r.decision.category = nil }
            }
            return r
        }
    }

    func chooseThresholds(
        _ examples: [TriageCorpus.Example], keys: [String], ruled: [Triage.RulesReading], scores: [TriageModel.Scores],
        notes: inout [String]
    ) -> TriageModel.Thresholds {
        let grid = stride(from: 0.95, through: 0.03, by: -0.01).map { $0 }
        let p1s = examples.indices.filter { examples[$0].priority == .p1 }
        let urgents = examples.indices.filter { examples[$0].priority >= .p2 }
        let routine = examples.indices.filter { examples[$0].priority <= .p3 }
        let sameDay = examples.indices.filter { examples[$0].priority == .p2 }
        let long = keys.map(Triage.longEnough)
        func share(_ among: [Int], _ hit: (Int) -> Bool) -> Double { Double(among.filter(hit).count) / Double(max(1, among.count)) }

        // P2 or higher first: the highest pair of bars (with and without a hint) that keeps urgent recall.
        func urgent(_ i: Int, _ t: Double, _ th: Double) -> Bool {
            let r = ruled[i]
            return r.decision.priority >= .p2 || (!r.negated && long[i] && scores[i].urgent >= (r.hint ? th : t))
        }
        var best: (Double, Double)? = nil
        search: for t in grid {
            for ratio in [1.0, 0.8, 0.6, 0.5, 0.4] where share(urgents, { urgent($0, t, t * ratio) }) >= targetUrgentRecall {
                best = (t, t * ratio)
                break search
            }
        }
        let (urgentBar, hintBar) = best ?? (grid.last!, grid.last!)
        if best == nil { notes.append("no bar reaches the P2-or-higher recall target on held-out folds; the lowest is used") }

        // Then P1: the pair of bars (the model's alone, and on what the rules already found
        // urgent) that catches the most P1 messages with false P1 among routine within its limit;
        // of equals, the highest bars. Not the highest bars that just reach a recall target:
        // held-out folds flatter the rules, which were written looking at them, and bars chosen
        // to rely on that would miss what the rules were not written for.
        let p1Scores = scores.map { $0.probability(of: .p1) }
        func p1(_ i: Int, _ t: Double, _ tu: Double, _ sure: Double) -> Bool {
            Triage.makesP1(
                ruled[i], p1: p1Scores[i], urgent: scores[i].urgent, longEnough: long[i],
                bars: TriageModel.Thresholds(p1: t, p1WhenUrgent: tu, urgent: urgentBar, urgentWithHint: hintBar, urgentForP1: sure))
        }
        // The limit is for what the model adds: when the rules alone already pass it, the
        // model may add a point over them, no more.
        let rulesFalse = share(routine) { ruled[$0].decision.priority == .p1 }
        let limit = max(maxFalseP1, rulesFalse + 0.01)
        if rulesFalse > maxFalseP1 {
            notes.append(String(format: "the rules alone give %.3f false P1 among routine held-out messages", rulesFalse))
        }
        // The third bar, which lets the model's near-certainty count as the rules' urgency, is
        // tried from "never" down; of equal recall the earlier (stricter) is kept.
        let rulesP2AsP1 = share(sameDay) { ruled[$0].decision.priority == .p1 }
        var chosen: (bars: (Double, Double, Double), recall: Double)? = nil
        for sure in [2, 0.99, 0.97, 0.95, 0.9, 0.85, 0.8] {
            for t in grid {
                for tu in grid where tu <= t {
                    guard share(routine, { p1($0, t, tu, sure) }) <= limit,
                        share(sameDay, { p1($0, t, tu, sure) }) <= max(maxP2AsP1, rulesP2AsP1)
                    else { continue }
                    let recall = share(p1s, { p1($0, t, tu, sure) })
                    if chosen == nil || recall > chosen!.recall + 1e-9 { chosen = ((t, tu, sure), recall) }
                }
            }
        }
        if let chosen, chosen.recall < targetP1Recall {
            notes.append(String(format: "P1 recall on held-out folds is %.3f, below the %.2f aimed at", chosen.recall, targetP1Recall))
        }
        let (p1Bar, p1UrgentBar, sureBar) = chosen?.bars ?? (0.5, 0.5, 2)
        return TriageModel.Thresholds(
            p1: p1Bar, p1WhenUrgent: p1UrgentBar, urgent: urgentBar, urgentWithHint: hintBar, urgentForP1: sureBar)
    }

    /// Words of at least three letters met in at least `minimum` examples, and no digits.
    static func vocabulary(_ keys: [String], minimum: Int = 3) -> Set<String> {
        var count: [Substring: Int] = [:]
        for key in keys {
            for word in Set(key.split(separator: " ")) where word.count >= 3 && !word.contains(where: \.isNumber) {
                count[word, default: 0] += 1
            }
        }
        // The most common words ("nha", "vao", "the": in more than one example in twelve) weigh in
        // every message and explain none.
        let limit = max(20, keys.count / 12)
        let common = Set(count.filter { $0.value > limit }.map(\.key))
        return Set(count.filter { $0.value >= minimum && !common.contains($0.key) }.keys.map(String.init))
    }

    static func average(_ members: [TriageModel], categories: [String], digest: String, examples: Int) -> TriageModel {
        let width = TriageModel.priorities.count + categories.count
        let rows = Array(Set(members.flatMap(\.rows))).sorted()
        let rowOf = Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($1, $0) })
        var weights = [Float](repeating: 0, count: rows.count * width)
        var bias = [Float](repeating: 0, count: width)
        let share = 1 / Float(members.count)
        for member in members {
            for (r, bucket) in member.rows.enumerated() {
                let to = rowOf[bucket]! * width
                for k in 0..<width { weights[to + k] += share * member.weights[r * width + k] }
            }
            for k in 0..<width { bias[k] += share * member.bias[k] }
        }
        return TriageModel(
            categories: categories, thresholds: members[0].thresholds, rows: rows, weights: weights, bias: bias, corpusDigest: digest,
            examples: examples)
    }

    /// One fit on the examples at `indices`.
    func fit(
        _ indices: [Int], features: [[UInt32]], labels: [(priority: Int, category: Int)], categories: [String], digest: String
    ) -> TriageModel {
        var rowOf: [UInt32: Int] = [:]
        var rows: [UInt32] = []
        for bucket in Set(indices.flatMap { features[$0] }).sorted() {
            rowOf[bucket] = rows.count
            rows.append(bucket)
        }
        let p = TriageModel.priorities.count
        let width = p + categories.count
        var weights = [Float](repeating: 0, count: rows.count * width)
        var bias = [Float](repeating: 0, count: width)
        let exampleRows = indices.map { features[$0].map { rowOf[$0]! } }
        let exampleLabels = indices.map { labels[$0] }

        // Classes weighted by how rare they are, so the few P1s of a category count as much as the many chats.
        func classWeights(of counts: [Int]) -> [Float] {
            let n = Float(counts.reduce(0, +))
            return counts.map { $0 == 0 ? 0 : (n / (Float(counts.count) * Float($0))).squareRoot() }
        }
        var priorityCounts = [Int](repeating: 0, count: p)
        var categoryCounts = [Int](repeating: 0, count: categories.count)
        for l in exampleLabels {
            priorityCounts[l.priority] += 1
            categoryCounts[l.category] += 1
        }
        let priorityWeight = classWeights(of: priorityCounts)
        let categoryWeight = classWeights(of: categoryCounts)

        var rng = SplitMix(seed: 0x7269_6167_6174_6531)
        var order = Array(exampleRows.indices)
        var logits = [Float](repeating: 0, count: width)
        var gradient = [Float](repeating: 0, count: width)
        for epoch in 0..<epochs {
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            let rate = learningRate / (1 + 0.1 * Float(epoch))
            for e in order {
                let features = exampleRows[e]
                let value = features.isEmpty ? 0 : 1 / Float(features.count).squareRoot()
                for k in 0..<width { logits[k] = bias[k] }
                weights.withUnsafeBufferPointer { w in
                    for r in features {
                        let base = r * width
                        for k in 0..<width { logits[k] += value * w[base + k] }
                    }
                }
                let label = exampleLabels[e]
                Self.softmaxGradient(&logits, 0..<p, label: label.priority, weight: priorityWeight[label.priority], into: &gradient)
                Self.softmaxGradient(&logits, p..<width, label: p + label.category, weight: categoryWeight[label.category], into: &gradient)
                for k in 0..<width { bias[k] -= rate * 0.1 * gradient[k] }
                let decay = 1 - rate * l2
                weights.withUnsafeMutableBufferPointer { w in
                    for r in features {
                        let base = r * width
                        for k in 0..<width { w[base + k] = w[base + k] * decay - rate * gradient[k] * value }
                    }
                }
            }
        }
        return TriageModel(
            categories: categories, thresholds: TriageModel.Thresholds(p1: 0.5, p1WhenUrgent: 0.5, urgent: 0.5, urgentWithHint: 0.5),
            rows: rows,
            weights: weights, bias: bias, corpusDigest: digest, examples: indices.count)
    }

    static func softmaxGradient(_ logits: inout [Float], _ range: Range<Int>, label: Int, weight: Float, into gradient: inout [Float]) {
        var top = -Float.infinity
        for k in range { top = max(top, logits[k]) }
        var sum: Float = 0
        for k in range {
            logits[k] = (logits[k] - top).expApprox
            sum += logits[k]
        }
        for k in range { gradient[k] = weight * (logits[k] / sum - (k == label ? 1 : 0)) }
    }
}

/// A small fixed-seed generator: the shuffle must be the same on every machine.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Float {
    /// e^x for x ≤ 0 by Foundation-free means: training must not depend on a platform's libm
    /// giving the last bit the same.
    var expApprox: Float {
        var x = Double(self)
        if x < -40 { return 0 }
        // e^x = (e^(x/2^k))^(2^k), with a Taylor series for the small part.
        var k = 0
        while x < -0.5 {
            x /= 2
            k += 1
        }
        var term = 1.0
        var sum = 1.0
        for n in 1...10 {
            term *= x / Double(n)
            sum += term
        }
        for _ in 0..<k { sum *= sum }
        return Float(sum)
    }
}

extension TriageFeatures {
    static func hashString(_ s: String) -> UInt32 {
        var h = wordSeed
        for b in s.utf8 { h = mix(h, b) }
        return h
    }
}
