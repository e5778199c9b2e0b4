import Foundation
import HotlineCore
import Yams

// Judges the corpus's development part N times (argument), for a profiler: `valgrind
// --tool=callgrind .build/release/TriageProfile 2000`, or `time`.
let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("gateway-config")
let rules = try YAMLDecoder().decode(
    TriageRules.self, from: String(contentsOf: config.appendingPathComponent("triage.yaml"), encoding: .utf8))
let model = try JSONDecoder().decode(TriageModelFile.self, from: Data(contentsOf: config.appendingPathComponent("triage-model.json")))
    .model()
guard
    case .success(let examples) = TriageCorpus.parse(
        try String(contentsOf: config.appendingPathComponent("triage-corpus/dev.tsv"), encoding: .utf8))
else { fatalError("the corpus does not parse") }
let triage = Triage(rules: rules, model: model)
let n = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 10_000
var urgent = 0
let start = Date()
for i in 0..<n where triage.judge(text: examples[i % examples.count].text).priority >= .p2 { urgent += 1 }
let seconds = Date().timeIntervalSince(start)
print("\(n) messages in \(String(format: "%.3f", seconds)) s: \(Int(Double(n) / seconds)) messages/s (\(urgent) urgent)")

if CommandLine.arguments.count > 2 { exit(0) }
// Where the time goes, part by part.
func timed(_ name: String, _ body: (Int) -> Void) {
    let t = Date()
    for i in 0..<n { body(i) }
    print("\(name): \(String(format: "%.2f", Date().timeIntervalSince(t) / Double(n) * 1e6)) µs")
}
let keys = examples.map { triage.normalizer.matchKey($0.text) }
timed("matchKey") { i in _ = triage.normalizer.matchKey(examples[i % examples.count].text) }
timed("rules") { i in _ = triage.judgeByRules(key: keys[i % keys.count]) }
timed("model score") { i in _ = model.score(key: keys[i % keys.count]) }
timed("features") { i in
    var f: [UInt32] = []
    TriageFeatures.collect(keys[i % keys.count], into: &f)
}
for sample in [
    "ko bit j lam j nua, bo em say ruou ve la danh me va em, hom qua danh em chay mau dau",
    "my stepdad beats me with a belt when mom is at work, i have bruises on my legs",
    "Chú ơi cứu em với, bố em uống rượu về đánh mẹ và em, hôm qua em bị chảy máu đầu",
] {
    let t = Date()
    for _ in 0..<n { _ = triage.normalizer.matchKey(sample) }
    print("matchKey \(String(format: "%.2f", Date().timeIntervalSince(t) / Double(n) * 1e6)) µs: \(sample.prefix(30))")
}
