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
        /// P(P1) + P(P2) at or above this makes a message "already P2" for `p1WhenUrgent` even
        /// when the rules found nothing: a message the model is all but sure is urgent, and
        /// that leans to P1, is P1 (when unsure which of the two, err up). Above 1: never.
        public var urgentForP1: Double

        public init(p1: Double, p1WhenUrgent: Double, urgent: Double, urgentWithHint: Double, urgentForP1: Double = 2) {
            self.p1 = p1
            self.p1WhenUrgent = p1WhenUrgent
            self.urgent = urgent
            self.urgentWithHint = urgentWithHint
            self.urgentForP1 = urgentForP1
        }

        enum CodingKeys: String, CodingKey {
            case p1 = "P1"
            case p1WhenUrgent = "P1_when_already_P2"
            case urgent = "P2_or_higher"
            case urgentWithHint = "P2_or_higher_with_hint"
            case urgentForP1 = "P2_or_higher_counting_as_already_P2"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            p1 = try c.decode(Double.self, forKey: .p1)
            p1WhenUrgent = try c.decode(Double.self, forKey: .p1WhenUrgent)
            urgent = try c.decode(Double.self, forKey: .urgent)
            urgentWithHint = try c.decode(Double.self, forKey: .urgentWithHint)
            // A model trained before this bar existed never uses it.
            urgentForP1 = try c.decodeIfPresent(Double.self, forKey: .urgentForP1) ?? 2
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
    /// The words a reason may name: words met in several training examples (never a name,
    /// a number or anything else only one person wrote), since reasons are stored in clear.
    public var vocabulary: Set<String> = []

    /// Bucket → row, or -1: one array lookup per feature when judging.
    let slot: [Int32]
    /// The two heads' weights apart, row by row: the priority head, read for every message,
    /// stays small enough to sit in cache.
    let priorityWeights: [Float]
    let categoryWeights: [Float]
    /// The priority head again, by bucket rather than by row, in 8-bit steps of `priorityStep`
    /// (as the model file stores them): one memory read per feature for the head every message
    /// needs, 1 MB that stays in cache.
    let priorityByBucket: [Int8]
    let priorityStep: Float

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
        let p = Self.priorities.count
        let width = p + categories.count
        var pw = [Float](repeating: 0, count: rows.count * p)
        var cw = [Float](repeating: 0, count: rows.count * categories.count)
        for r in 0..<rows.count where (r + 1) * width <= weights.count {
            for k in 0..<p { pw[r * p + k] = weights[r * width + k] }
            for k in 0..<categories.count { cw[r * categories.count + k] = weights[r * width + p + k] }
        }
        priorityWeights = pw
        categoryWeights = cw
        let top = pw.reduce(Float(0)) { max($0, abs($1)) }
        let step = top > 0 ? top / 127 : 1
        var dense = [Int8](repeating: 0, count: TriageFeatures.buckets * p)
        for (r, bucket) in rows.enumerated() where Int(bucket) < TriageFeatures.buckets && (r + 1) * p <= pw.count {
            for k in 0..<p { dense[Int(bucket) * p + k] = Int8(max(-127, min(127, (pw[r * p + k] / step).rounded()))) }
        }
        priorityByBucket = dense
        priorityStep = step
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
        let features = self.features(key: key, signals: signals)
        return Scores(priority: priorityScores(features), category: categoryScores(features))
    }

    public func features(key: String, signals: [UInt32]) -> [UInt32] {
        var features: [UInt32] = []
        features.reserveCapacity(TriageFeatures.maxCount(key.utf8.count) + signals.count)
        TriageFeatures.collect(key, into: &features)
        features += signals
        return features
    }

    /// Probabilities of none, P3, P2, P1.
    public func priorityScores(_ features: [UInt32]) -> [Double] {
        var sums = (Int32(0), Int32(0), Int32(0), Int32(0))
        priorityByBucket.withUnsafeBufferPointer { w in
            for f in features {
                let base = Int(f) &* 4
                sums.0 &+= Int32(w[base])
                sums.1 &+= Int32(w[base + 1])
                sums.2 &+= Int32(w[base + 2])
                sums.3 &+= Int32(w[base + 3])
            }
        }
        let value = features.isEmpty ? 0 : Float(1 / Double(features.count).squareRoot()) * priorityStep
        let logits = (
            bias[0] + value * Float(sums.0), bias[1] + value * Float(sums.1), bias[2] + value * Float(sums.2),
            bias[3] + value * Float(sums.3)
        )
        return withUnsafeBytes(of: logits) { Self.softmax($0.bindMemory(to: Float.self)) }
    }

    /// Probabilities of each of `categories`: computed only when a category is needed.
    public func categoryScores(_ features: [UInt32]) -> [Double] {
        categoryLogits(features).withUnsafeBufferPointer { Self.softmax($0) }
    }

    /// The category head's logits (the priority head reads `priorityByBucket`).
    func categoryLogits(_ features: [UInt32]) -> [Float] {
        let stride = categories.count
        var out = Array(bias[Self.priorities.count...])
        let value = features.isEmpty ? 0 : Float(1 / Double(features.count).squareRoot())
        categoryWeights.withUnsafeBufferPointer { w in
            slot.withUnsafeBufferPointer { slot in
                out.withUnsafeMutableBufferPointer { out in
                    let sums = UnsafeMutableRawPointer(out.baseAddress!)
                    for f in features {
                        let row = Int(slot[Int(f)])
                        guard row >= 0 else { continue }
                        let weights = UnsafeRawPointer(w.baseAddress! + row * stride)
                        // Eight and four categories at a time: each lane is the same multiply
                        // and add as one at a time (no fused multiply-add), so the sums are too.
                        var k = 0
                        while k + 8 <= stride {
                            let sum = sums.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self)
                            let weight = weights.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self)
                            sums.storeBytes(of: sum + value * weight, toByteOffset: 4 * k, as: SIMD8<Float>.self)
                            k += 8
                        }
                        while k + 4 <= stride {
                            let sum = sums.loadUnaligned(fromByteOffset: 4 * k, as: SIMD4<Float>.self)
                            let weight = weights.loadUnaligned(fromByteOffset: 4 * k, as: SIMD4<Float>.self)
                            sums.storeBytes(of: sum + value * weight, toByteOffset: 4 * k, as: SIMD4<Float>.self)
                            k += 4
                        }
                        while k < stride {
                            out[k] += value * w[row * stride + k]
                            k += 1
                        }
                    }
                }
            }
        }
        return out
    }

    /// The words of `key` that pull hardest towards `level`'s side (P1, or P2 and P1), strongest
    /// first: what an operator reads as the model's reason.
    public func strongestWords(in key: String, towards level: Priority, limit: Int = 3, skipping stop: Set<Substring> = []) -> [String] {
        let p = Self.priorities.count
        // Read on the key's bytes, by offset: String indices cost a call per byte.
        var key = key
        return key.withUTF8 { bytes in
            var scored: [(word: Range<Int>, bucket: UInt32, weight: Float)] = []
            var start = 0
            for i in 0...bytes.count where i == bytes.count || bytes[i] == 0x20 {
                defer { start = i + 1 }
                // Short words and the glue of sentences weigh, but tell an operator nothing.
                guard i - start >= 3 else { continue }
                let bucket = TriageFeatures.bucket(TriageFeatures.hash(bytes, start..<i, seed: TriageFeatures.wordSeed))
                let row = Int(slot[Int(bucket)])
                guard row >= 0, !scored.contains(where: { $0.bucket == bucket }) else { continue }
                let base = row * p
                // Towards the urgent side (P1, or the larger of P2 and P1 as `max()` picks it),
                // against the routine side.
                var toward = priorityWeights[base + (level == .p1 ? 3 : 2)]
                if level != .p1, toward < priorityWeights[base + 3] { toward = priorityWeights[base + 3] }
                let pull = toward - max(priorityWeights[base], priorityWeights[base + 1])
                if pull > 0 { scored.append((start..<i, bucket, pull)) }
            }
            var out: [String] = []
            for candidate in scored.sorted(by: { $0.weight > $1.weight }) where out.count < limit {
                let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[candidate.word]), as: UTF8.self)
                if !stop.contains(Substring(word)), vocabulary.contains(word) { out.append(word) }
            }
            return out
        }
    }

    /// Into one array, with the sum taken in order as `reduce` took it.
    static func softmax(_ logits: UnsafeBufferPointer<Float>) -> [Double] {
        guard let top = logits.max() else { return [] }
        return [Double](unsafeUninitializedCapacity: logits.count) { out, initialized in
            var sum = 0.0
            for (k, logit) in logits.enumerated() {
                let e = Foundation.exp(Double(logit - top))
                out[k] = e
                sum += e
            }
            for k in logits.indices { out[k] /= sum }
            initialized = logits.count
        }
    }
}
