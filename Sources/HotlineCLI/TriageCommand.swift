import ArgumentParser
import Foundation
import HotlineCore
import HotlineServer

struct TriageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triage",
        abstract: "Judge a message as the service would, train the learned model, or measure triage on labelled messages.",
        subcommands: [TriageJudge.self, TriageTrain.self, TriageEval.self],
        defaultSubcommand: TriageJudge.self)
}

/// Loads the configuration or exits 78 (EX_CONFIG) with every problem on stderr.
func loadConfigOrExit(_ directory: String, withModel: Bool = true) throws -> HotlineConfig {
    do {
        return try ConfigLoader.load(directory: directory, withModel: withModel)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        throw ExitCode(78)
    }
}

struct TriageJudge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge",
        abstract: "Judge a message as the service would: one JSON object with priority, category and reasons.")

    @Option(help: "The gateway-config folder (env HOTLINE_CONFIG). [default: gateway-config]")
    var config: String?

    @Argument(help: "The message (several arguments are joined with spaces).")
    var text: [String]

    @Flag(help: "Also print the words as the reader saw them (`read`): what the phrases of triage.yaml are compared with.")
    var showReading = false

    struct Output: Encodable {
        var priority: String
        var category: String?
        var reasons: [String]
        var read: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(priority, forKey: .priority)
            try c.encode(category, forKey: .category)  // null, not absent, when there is none
            try c.encode(reasons, forKey: .reasons)
            try c.encodeIfPresent(read, forKey: .read)
        }

        enum CodingKeys: String, CodingKey { case priority, category, reasons, read }
    }

    func run() throws {
        let loaded = try loadConfigOrExit(configDirectory(config))
        let triage = loaded.makeEngine().triage!
        let message = text.joined(separator: " ")
        let decision = triage.judge(text: message)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let output = Output(
            priority: decision.priority.rawValue, category: decision.category, reasons: decision.reasons,
            read: showReading ? triage.normalizer.matchKey(message) : nil)
        print(String(decoding: try encoder.encode(output), as: UTF8.self))
    }
}

/// Reads a corpus file or exits 65 (EX_DATAERR) naming each bad line.
func readCorpusOrExit(_ path: String) throws -> (examples: [TriageCorpus.Example], contents: String) {
    guard let data = FileManager.default.contents(atPath: path), let contents = String(data: data, encoding: .utf8) else {
        FileHandle.standardError.write(Data("\(path): cannot be read as UTF-8 text\n".utf8))
        throw ExitCode(66)
    }
    switch TriageCorpus.parse(contents) {
    case .success(let examples): return (examples, contents)
    case .failure(let problems):
        for p in problems.all { FileHandle.standardError.write(Data("\(path):\(p.line): error: \(p.message)\n".utf8)) }
        throw ExitCode(65)
    }
}

struct TriageTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the learned model from the corpus's development part and write it into the configuration.",
        discussion: """
            Deterministic: the same corpus and rules always give the same file. Takes seconds; \
            no rebuild is needed, the service reads the new model when it next starts.
            """)

    @Option(help: "The gateway-config folder (env HOTLINE_CONFIG). [default: gateway-config]")
    var config: String?

    @Option(help: "The labelled examples. [default: CONFIG/triage-corpus/dev.tsv]")
    var corpus: String?

    @Option(help: "Where to write the model. [default: CONFIG/triage-model.json]")
    var out: String?

    @Option(help: "Also write the held-out evaluation (figures and every miss, as `eval` prints them) to this file.")
    var report: String?

    @Option(help: ArgumentHelp("Passes over the examples.", visibility: .hidden))
    var epochs: Int?

    @Option(help: ArgumentHelp("Step size of gradient descent.", visibility: .hidden))
    var learningRate: Float?

    @Option(help: ArgumentHelp("Weight decay.", visibility: .hidden))
    var l2: Float?

    @Option(help: ArgumentHelp("Most false P1 among routine held-out messages the bars may give.", visibility: .hidden))
    var maxFalseP1: Double?

    @Option(help: ArgumentHelp("Most same-day (P2) held-out messages the bars may make P1.", visibility: .hidden))
    var maxP2AsP1: Double?

    @Option(help: ArgumentHelp("P2-or-higher recall the bars must keep on held-out messages.", visibility: .hidden))
    var targetUrgentRecall: Double?

    func run() throws {
        let directory = configDirectory(config)
        let loaded = try loadConfigOrExit(directory, withModel: false)
        let corpusPath = corpus ?? (directory as NSString).appendingPathComponent("\(ConfigLoader.triageCorpusFolder)/dev.tsv")
        let (examples, contents) = try readCorpusOrExit(corpusPath)
        let rules = Triage(rules: loaded.triage, normalizer: InputNormalizer(rules: loaded.textRules))
        var trainer = TriageTrainer()
        if let epochs { trainer.epochs = epochs }
        if let maxFalseP1 { trainer.maxFalseP1 = maxFalseP1 }
        if let maxP2AsP1 { trainer.maxP2AsP1 = maxP2AsP1 }
        if let targetUrgentRecall { trainer.targetUrgentRecall = targetUrgentRecall }
        if let learningRate { trainer.learningRate = learningRate }
        if let l2 { trainer.l2 = l2 }
        let (model, outcome) = trainer.train(examples, rules: rules, corpusDigest: TriageCorpus.digest(contents))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let outPath = out ?? (directory as NSString).appendingPathComponent(ConfigLoader.triageModelFile)
        try encoder.encode(TriageModelFile(model)).write(to: URL(fileURLWithPath: outPath))
        let t = outcome.thresholds
        let h = outcome.heldOut
        print("trained on \(examples.count) examples from \(corpusPath) → \(outPath)")
        print(
            String(
                format: "bars: P1 %.2f (%.2f when already P2, or when P2-or-higher is ", t.p1, t.p1WhenUrgent)
                + (t.urgentForP1 > 1 ? "never" : String(format: "%.2f", t.urgentForP1))
                + String(format: "), P2-or-higher %.2f (%.2f with a harm hint)", t.urgent, t.urgentWithHint))
        print(
            String(
                format: "held-out folds: P1 recall %.3f, P2-or-higher recall %.3f, false P1 among routine %.3f, P2+ among routine %.3f",
                h.p1Recall.value, h.urgentRecall.value, h.falseP1AmongRoutine.value, h.urgentAmongRoutine.value))
        let u = outcome.heldOutAsIfUnseen
        print(
            String(
                format:
                    "held-out, each rule only where another fold has it too (the bars are chosen on this): P1 recall %.3f, P2-or-higher recall %.3f, false P1 among routine %.3f",
                u.p1Recall.value, u.urgentRecall.value, u.falseP1AmongRoutine.value))
        for note in outcome.notes { print("note: \(note)") }
        if let path = self.report {
            let text = TriageReportText.render(h, file: "\(corpusPath) (held-out folds)", model: true)
            try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: path))
        }
    }
}

struct TriageEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure triage on labelled messages (PRIORITY<TAB>CATEGORY<TAB>TEXT); exit 1 when a target is missed.")

    @Option(help: "The gateway-config folder (env HOTLINE_CONFIG). [default: gateway-config]")
    var config: String?

    @Flag(help: "Print the figures as one JSON object.")
    var json = false

    @Option(help: "P1 recall target.")
    var p1Recall = 0.95

    @Option(help: "P2-or-higher recall target.")
    var urgentRecall = 0.95

    @Option(help: "Most false P1 among routine messages.")
    var maxFalseP1 = 0.08

    @Flag(help: "Print every message's judgement as one JSON line (line, labelled, judged, category, reasons) instead of the figures.")
    var each = false

    @Flag(help: "Judge by the rules of triage.yaml alone, without the learned model: to see what the rules catch.")
    var rulesOnly = false

    @Argument(help: "The labelled messages.")
    var file: String

    func run() throws {
        let loaded = try loadConfigOrExit(configDirectory(config))
        let (examples, _) = try readCorpusOrExit(file)
        var triage = loaded.makeEngine().triage!
        if rulesOnly { triage = Triage(rules: triage.rules, normalizer: triage.normalizer) }
        let decisions = examples.map { triage.judge(text: $0.text) }
        if each {
            struct Line: Encodable {
                var line: Int
                var labelled: String
                var judged: String
                var category: String?
                var reasons: [String]
                /// The words as the reader saw them.
                var read: String
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for (e, d) in zip(examples, decisions) {
                let line = Line(
                    line: e.line, labelled: e.priority.rawValue, judged: d.priority.rawValue, category: d.category, reasons: d.reasons,
                    read: triage.normalizer.matchKey(e.text))
                print(String(decoding: try encoder.encode(line), as: UTF8.self))
            }
            return
        }
        let evaluation = TriageEvaluation(examples: examples, decisions: decisions)
        var targets = TriageEvaluation.Targets()
        targets.p1Recall = p1Recall
        targets.urgentRecall = urgentRecall
        targets.maxFalseP1 = maxFalseP1
        let failures = evaluation.failures(against: targets)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(evaluation), as: UTF8.self))
        } else {
            print(TriageReportText.render(evaluation, file: file, model: triage.model != nil))
        }
        if !failures.isEmpty {
            for f in failures { FileHandle.standardError.write(Data("target missed: \(f)\n".utf8)) }
            throw ExitCode(1)
        }
    }
}
