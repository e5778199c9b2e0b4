import Foundation

/// `triage-model.json`: the model as data. Weights are stored as 8-bit steps of one scale
/// per head (a model of ~1 MB rather than ~10 MB of decimals), rows as little-endian
/// 32-bit bucket numbers, both in base64.
public struct TriageModelFile: Codable, Sendable {
    public var format: Int
    public var about: String
    public var corpusDigest: String
    public var examples: Int
    public var buckets: Int
    public var priorities: [Priority]
    public var categories: [String]
    public var thresholds: TriageModel.Thresholds
    public var bias: [Float]
    public var priorityScale: Float
    public var categoryScale: Float
    public var rows: String
    public var weights: String
    public var vocabulary: [String]

    enum CodingKeys: String, CodingKey {
        case format, about, examples, buckets, priorities, categories, thresholds, bias, rows, weights, vocabulary
        case corpusDigest = "corpus_fnv64"
        case priorityScale = "priority_scale"
        case categoryScale = "category_scale"
    }

    public static let currentFormat = 1

    public enum Problem: Error, CustomStringConvertible {
        case format(Int), buckets(Int), priorities, damaged(String)
        public var description: String {
            switch self {
            case .format(let f):
                "format \(f) is not one this build reads (it reads \(TriageModelFile.currentFormat)); run `hotline triage train`"
            case .buckets(let b): "buckets \(b) differs from this build's \(TriageFeatures.buckets); run `hotline triage train`"
            case .priorities: "priorities must be [none, P3, P2, P1]; run `hotline triage train`"
            case .damaged(let what): "\(what) is damaged; run `hotline triage train`"
            }
        }
    }

    public init(_ model: TriageModel) {
        format = Self.currentFormat
        about =
            "Written by `hotline triage train` from the corpus's development part; do not edit. "
            + "Add examples to the corpus and train again."
        corpusDigest = model.corpusDigest
        examples = model.examples
        buckets = TriageFeatures.buckets
        priorities = TriageModel.priorities
        categories = model.categories
        thresholds = model.thresholds
        bias = model.bias
        let width = model.width
        let p = TriageModel.priorities.count
        func scale(_ columns: Range<Int>) -> Float {
            var top: Float = 0
            for r in 0..<model.rows.count { for k in columns { top = max(top, abs(model.weights[r * width + k])) } }
            return top > 0 ? top / 127 : 1
        }
        priorityScale = scale(0..<p)
        categoryScale = scale(p..<width)
        var steps = [UInt8](repeating: 0, count: model.weights.count)
        for (i, w) in model.weights.enumerated() {
            let s = i % width < p ? priorityScale : categoryScale
            steps[i] = UInt8(bitPattern: Int8(max(-127, min(127, (w / s).rounded()))))
        }
        weights = Data(steps).base64EncodedString()
        var rowBytes = Data(capacity: model.rows.count * 4)
        for r in model.rows { withUnsafeBytes(of: r.littleEndian) { rowBytes.append(contentsOf: $0) } }
        rows = rowBytes.base64EncodedString()
        vocabulary = model.vocabulary.sorted()
    }

    public func model() throws(Problem) -> TriageModel {
        guard format == Self.currentFormat else { throw .format(format) }
        guard buckets == TriageFeatures.buckets else { throw .buckets(buckets) }
        guard priorities == TriageModel.priorities else { throw .priorities }
        let width = priorities.count + categories.count
        guard bias.count == width else { throw .damaged("bias") }
        guard let rowData = Data(base64Encoded: rows), rowData.count % 4 == 0 else { throw .damaged("rows") }
        let rowList: [UInt32] = stride(from: 0, to: rowData.count, by: 4).map { i in
            let b = rowData.startIndex + i
            return UInt32(rowData[b]) | UInt32(rowData[b + 1]) << 8 | UInt32(rowData[b + 2]) << 16 | UInt32(rowData[b + 3]) << 24
        }
        guard rowList.allSatisfy({ Int($0) < TriageFeatures.buckets }) else { throw .damaged("rows") }
        guard let steps = Data(base64Encoded: weights), steps.count == rowList.count * width else { throw .damaged("weights") }
        let p = priorities.count
        var values = [Float](repeating: 0, count: steps.count)
        for (i, s) in steps.enumerated() { values[i] = Float(Int8(bitPattern: s)) * (i % width < p ? priorityScale : categoryScale) }
        var model = TriageModel(
            categories: categories, thresholds: thresholds, rows: rowList, weights: values, bias: bias, corpusDigest: corpusDigest,
            examples: examples)
        model.vocabulary = Set(vocabulary)
        return model
    }
}
