import Foundation

/// The learned half of triage: a linear model over hashed word and character features
/// (`TriageFeatures`), with two heads, one for the priority and one for the category, trained
/// by `hotline triage train` from the corpus's development part and shipped as data in
/// `gateway-config/triage-model.json`. It does what fixed phrases cannot: a message worded in
/// a way no rule was written for still shares words and letter runs with the examples it
/// resembles.
public struct TriageModel: Sendable {
    /// The priority head's classes, in the order of its weights.
    public static let priorities: [Priority] = [.none, .p3, .p2, .p1]

    /// Where the model's probabilities become levels. Chosen by `train` on held-out folds
    /// of the development part, so that the combined triage meets its recall targets there.
    public struct Thresholds: Sendable, Codable, Equatable {
        /// P(P1) at or above this: P1.
        public var p1: Double
        /// The same bar for a message already at P2 or higher: lower, since a false P1 costs
        /// little there (an urgent case answered sooner), while a missed one costs a child.
        public var p1WhenUrgent: Double
        /// P(P1) + P(P2) at or above this: at least P2 ("needs review" when the rules alone said less).
        public var urgent: Double
        /// The same bar when a word of `harm_hints` is in the message: lower, since something suggests harm.
        public var urgentWithHint: Double

        public init(p1: Double, p1WhenUrgent: Double, urgent: Double, urgentWithHint: Double) {
            self.p1 = p1
            self.p1WhenUrgent = p1WhenUrgent
            self.urgent = urgent
            self.urgentWithHint = urgentWithHint
        }

        enum CodingKeys: String, CodingKey {
            case p1 = "P1"
            case p1WhenUrgent = "P1_when_already_P2"
            case urgent = "P2_or_higher"
            case urgentWithHint = "P2_or_higher_with_hint"
        }
    }

    public var categories: [String]
    public var thresholds: Thresholds
    /// The buckets that carry weights, ascending; row `i` of `weights` belongs to `rows[i]`.
    public var rows: [UInt32]
    /// `rows.count × width` weights: the priority head's 4, then one per category.
    public var weights: [Float]
    public var bias: [Float]
    /// What it was trained from, so `check-config` can say when the corpus moved on.
    public var corpusDigest: String
    public var examples: Int

    /// Bucket → row, or -1: one array lookup per feature when judging.
    let slot: [Int32]

    public var width: Int { Self.priorities.count + categories.count }

    public init(
        categories: [String], thresholds: Thresholds, rows: [UInt32], weights: [Float], bias: [Float], corpusDigest: String,
        examples: Int
    ) {
        self.categories = categories
        self.thresholds = thresholds
        self.rows = rows
        self.weights = weights
        self.bias = bias
        self.corpusDigest = corpusDigest
        self.examples = examples
        var slot = [Int32](repeating: -1, count: TriageFeatures.buckets)
        for (i, bucket) in rows.enumerated() where Int(bucket) < slot.count { slot[Int(bucket)] = Int32(i) }
        self.slot = slot
    }

    /// What the model makes of one message's match key.
    public struct Scores: Sendable, Equatable {
        /// Probabilities of none, P3, P2, P1.
        public var priority: [Double]
        /// Probabilities of each of `categories`.
        public var category: [Double]

        public func probability(of level: Priority) -> Double {
            priority[TriageModel.priorities.firstIndex(of: level)!]
        }
        /// P(P2) + P(P1).
        public var urgent: Double { priority[2] + priority[3] }
    }

    /// `signals` are what the rules saw (`Triage.RulesReading.signals`).
    public func score(key: String, signals: [UInt32] = []) -> Scores {
        var features: [UInt32] = []
        features.reserveCapacity(3 * key.utf8.count + 16 + signals.count)
        TriageFeatures.collect(key, into: &features)
        features += signals
        var logits = bias
        let value = features.isEmpty ? 0 : Float(1 / Double(features.count).squareRoot())
        let width = self.width
        weights.withUnsafeBufferPointer { w in
            slot.withUnsafeBufferPointer { slot in
                logits.withUnsafeMutableBufferPointer { out in
                    for f in features {
                        let row = Int(slot[Int(f)])
                        guard row >= 0 else { continue }
                        let base = row * width
                        for k in 0..<width { out[k] += value * w[base + k] }
                    }
                }
            }
        }
        let p = Self.priorities.count
        return Scores(priority: Self.softmax(logits[0..<p]), category: Self.softmax(logits[p...]))
    }

    /// The words of `key` that pull hardest towards `level`'s side (P1, or P2 and P1), strongest
    /// first: what an operator reads as the model's reason.
    public func strongestWords(in key: String, towards level: Priority, limit: Int = 3, skipping stop: Set<Substring> = []) -> [String] {
        let columns = level == .p1 ? [3] : [2, 3]
        var seen: Set<Substring> = []
        var scored: [(word: Substring, weight: Float)] = []
        // Short words and the glue of sentences weigh, but tell an operator nothing.
        for word in key.split(separator: " ") where word.count >= 3 && !stop.contains(word) && seen.insert(word).inserted {
            let row = Int(slot[Int(TriageFeatures.wordBucket(word))])
            guard row >= 0 else { continue }
            let base = row * width
            // Towards the urgent side, against the routine side.
            let toward = columns.map { weights[base + $0] }.max()!
            let against = max(weights[base], weights[base + 1])
            let pull = toward - against
            if pull > 0 { scored.append((word, pull)) }
        }
        return scored.sorted { $0.weight > $1.weight }.prefix(limit).map { String($0.word) }
    }

    static func softmax(_ logits: ArraySlice<Float>) -> [Double] {
        guard let top = logits.max() else { return [] }
        let e = logits.map { Foundation.exp(Double($0 - top)) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }
}
