import Foundation
import HotlineCore

/// `hotline triage eval` for people: the target figures first, then where it errs.
enum TriageReportText {
    static func render(_ e: TriageEvaluation, file: String, model: Bool) -> String {
        func ratio(_ r: TriageEvaluation.Ratio) -> String { String(format: "%.3f (%d/%d)", r.value, r.hits, r.of) }
        var out: [String] = []
        out.append("\(file): \(e.messages) messages, rules \(model ? "and learned model" : "alone")")
        out.append("P1 recall                   \(ratio(e.p1Recall))")
        out.append("P2-or-higher recall         \(ratio(e.urgentRecall))")
        out.append("false P1 among routine      \(ratio(e.falseP1AmongRoutine))")
        out.append("P2-or-higher among routine  \(ratio(e.urgentAmongRoutine))")
        out.append("exact priority              \(ratio(e.exactPriority))")
        out.append("")
        out.append("category              messages  at level or higher   same category")
        for c in e.categories {
            out.append(
                c.category.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: "%8d", c.messages) + "  "
                    + ratio(c.atLevelOrHigher).padding(toLength: 19, withPad: " ", startingAt: 0) + " "
                    + (c.sameCategory.of == 0 ? "-" : ratio(c.sameCategory)))
        }
        out.append("")
        out.append("confusion (rows: labelled, columns: judged)")
        let names = TriageModel.priorities.map(\.rawValue)
        out.append("        " + names.map { $0.padding(toLength: 6, withPad: " ", startingAt: 0) }.joined())
        for (i, row) in e.confusion.enumerated() {
            out.append(names[i].padding(toLength: 8, withPad: " ", startingAt: 0) + row.map { String(format: "%-6d", $0) }.joined())
        }
        out.append("")
        out.append("misses (\(e.misses.count)):")
        for m in e.misses {
            out.append("  line \(m.line): \(m.kind): labelled \(m.expected.rawValue) \(m.category), judged \(m.judged.rawValue): \(m.text)")
            for r in m.reasons { out.append("      \(r)") }
            if m.reasons.isEmpty { out.append("      (no reason: nothing in it was recognised)") }
        }
        return out.joined(separator: "\n")
    }
}
