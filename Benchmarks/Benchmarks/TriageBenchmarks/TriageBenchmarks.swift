import Benchmark
import Foundation
import HotlineCore
import Yams

/// Reading and judging one message as the service does on every SMS: match key, rules,
/// learned model. Target: 100,000 messages a second on one core (issue 15). The messages are
/// the corpus's development part, in its order: short cries, long disclosures, chit-chat.
let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("gateway-config")

func load() throws -> (Triage, [String]) {
    let rules = try YAMLDecoder().decode(
        TriageRules.self, from: String(contentsOf: config.appendingPathComponent("triage.yaml"), encoding: .utf8))
    let textRules = try YAMLDecoder().decode(
        TextRules.self, from: String(contentsOf: config.appendingPathComponent("text-rules.yaml"), encoding: .utf8))
    let modelData = try Data(contentsOf: config.appendingPathComponent("triage-model.json"))
    let model = try JSONDecoder().decode(TriageModelFile.self, from: modelData).model()
    let corpus = try String(contentsOf: config.appendingPathComponent("triage-corpus/dev.tsv"), encoding: .utf8)
    guard case .success(let examples) = TriageCorpus.parse(corpus) else { fatalError("the corpus does not parse") }
    let triage = Triage(rules: rules, normalizer: InputNormalizer(rules: TextRules.standard.extended(with: textRules)), model: model)
    return (triage, examples.map(\.text))
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.throughput, .wallClock], scalingFactor: .kilo, maxDuration: .seconds(3))
    let (triage, messages) = try! load()

    Benchmark("triage: match key + rules + model, one corpus message") { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(triage.judge(text: messages[i % messages.count]))
        }
    }

    Benchmark("triage: rules alone, one corpus message") { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(triage.judgeByRules(key: triage.normalizer.matchKey(messages[i % messages.count])))
        }
    }
}
