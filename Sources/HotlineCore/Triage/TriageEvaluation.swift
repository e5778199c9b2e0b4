/// How a triage did on labelled examples: the figures the targets are set in, per category,
/// a confusion matrix, and every message it got wrong on the side that matters.
public struct TriageEvaluation: Sendable, Codable {
    public struct Ratio: Sendable, Codable, Equatable {
        public var hits: Int
        public var of: Int
        public var value: Double { of == 0 ? 1 : Double(hits) / Double(of) }

        enum CodingKeys: String, CodingKey { case hits, of, value }
        public init(hits: Int, of: Int) {
            self.hits = hits
            self.of = of
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            hits = try c.decode(Int.self, forKey: .hits)
            of = try c.decode(Int.self, forKey: .of)
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(hits, forKey: .hits)
            try c.encode(of, forKey: .of)
            try c.encode((value * 10000).rounded() / 10000, forKey: .value)
        }
    }

    public struct CategoryFigures: Sendable, Codable {
        public var category: String
        public var messages: Int
        /// Judged at the label's level or higher.
        public var atLevelOrHigher: Ratio
        /// Given this category (for messages that need one: P3 and up).
        public var sameCategory: Ratio

        enum CodingKeys: String, CodingKey {
            case category, messages
            case atLevelOrHigher = "at_level_or_higher"
            case sameCategory = "same_category"
        }
    }

    public struct Miss: Sendable, Codable {
        public var line: Int
        public var expected: Priority
        public var judged: Priority
        public var category: String
        public var text: String
        public var reasons: [String]
        /// "missed P1", "missed urgent" or "false P1".
        public var kind: String
    }

    public var messages: Int
    public var p1Recall: Ratio
    public var urgentRecall: Ratio
    public var falseP1AmongRoutine: Ratio
    /// Routine messages raised to P2 or P1: work for operators, not a danger missed.
    public var urgentAmongRoutine: Ratio
    public var exactPriority: Ratio
    public var categories: [CategoryFigures]
    /// `confusion[expected][judged]`, both in the order none, P3, P2, P1.
    public var confusion: [[Int]]
    public var misses: [Miss]

    enum CodingKeys: String, CodingKey {
        case messages, categories, confusion, misses
        case p1Recall = "p1_recall"
        case urgentRecall = "p2_or_higher_recall"
        case falseP1AmongRoutine = "false_p1_among_routine"
        case urgentAmongRoutine = "p2_or_higher_among_routine"
        case exactPriority = "exact_priority"
    }

    public init(examples: [TriageCorpus.Example], decisions: [TriageDecision]) {
        precondition(examples.count == decisions.count)
        let order = TriageModel.priorities
        func ratio(_ among: (TriageCorpus.Example) -> Bool, _ hit: (TriageCorpus.Example, TriageDecision) -> Bool) -> Ratio {
            var r = Ratio(hits: 0, of: 0)
            for (e, d) in zip(examples, decisions) where among(e) {
                r.of += 1
                if hit(e, d) { r.hits += 1 }
            }
            return r
        }
        messages = examples.count
        p1Recall = ratio({ $0.priority == .p1 }, { $1.priority == .p1 })
        urgentRecall = ratio({ $0.priority >= .p2 }, { $1.priority >= .p2 })
        falseP1AmongRoutine = ratio({ $0.priority <= .p3 }, { $1.priority == .p1 })
        urgentAmongRoutine = ratio({ $0.priority <= .p3 }, { $1.priority >= .p2 })
        exactPriority = ratio({ _ in true }, { $0.priority == $1.priority })
        categories = Set(examples.map(\.category)).sorted().map { name in
            CategoryFigures(
                category: name, messages: examples.filter { $0.category == name }.count,
                atLevelOrHigher: ratio({ $0.category == name }, { $1.priority >= $0.priority }),
                sameCategory: ratio({ $0.category == name && $0.priority >= .p3 }, { $1.category == $0.category }))
        }
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: order.count), count: order.count)
        var misses: [Miss] = []
        for (e, d) in zip(examples, decisions) {
            confusion[order.firstIndex(of: e.priority)!][order.firstIndex(of: d.priority)!] += 1
            let kind: String? =
                if e.priority == .p1 && d.priority < .p1 { "missed P1" } else if e.priority >= .p2 && d.priority < .p2 {
                    "missed urgent"
                } else if e.priority <= .p3 && d.priority == .p1 { "false P1" } else { nil }
            if let kind {
                misses.append(
                    Miss(
                        line: e.line, expected: e.priority, judged: d.priority, category: e.category, text: e.text, reasons: d.reasons,
                        kind: kind))
            }
        }
        self.confusion = confusion
        self.misses = misses
    }

    /// The release targets (issue 15): a message that needs action now or today is not missed.
    public struct Targets: Sendable {
        public var p1Recall = 0.95
        public var urgentRecall = 0.95
        public var maxFalseP1 = 0.08
        public init() {}
    }

    /// Each target missed, in words; empty when all are met.
    public func failures(against targets: Targets) -> [String] {
        var out: [String] = []
        func pct(_ v: Double) -> String { String((v * 1000).rounded() / 10) + "%" }
        if p1Recall.value < targets.p1Recall { out.append("P1 recall \(pct(p1Recall.value)) is below \(pct(targets.p1Recall))") }
        if urgentRecall.value < targets.urgentRecall {
            out.append("P2-or-higher recall \(pct(urgentRecall.value)) is below \(pct(targets.urgentRecall))")
        }
        if falseP1AmongRoutine.value > targets.maxFalseP1 {
            out.append("false P1 among routine \(pct(falseP1AmongRoutine.value)) is above \(pct(targets.maxFalseP1))")
        }
        return out
    }
}
