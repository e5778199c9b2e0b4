import Foundation
import HotlineCore

/// The learned half of triage and the corpus it is trained from: `triage-model.json` and
/// `triage-corpus/{dev,test}.tsv`.
extension ConfigLoader {
    public static let triageModelFile = "triage-model.json"
    public static let triageCorpusFolder = "triage-corpus"

    /// The categories a corpus line may carry: those of `triage.yaml`, a bare cry, and chit-chat.
    static func corpusCategories(_ rules: TriageRules) -> Set<String> {
        Set(rules.categories.map(\.category)).union(["danger_now", "chat"])
    }

    /// Loads the model (a damaged one is an error: the service must not run on half a triage)
    /// and checks the corpus files line by line.
    static func loadTriageModel(
        directory: String, rules: TriageRules?, issues: inout [ConfigIssue], warnings: inout [ConfigIssue]
    ) -> TriageModel? {
        let root = URL(fileURLWithPath: directory)
        let corpusDigest = checkCorpus(directory: directory, rules: rules, issues: &issues)
        let path = root.appendingPathComponent(triageModelFile).path
        let name = display(directory, triageModelFile)
        guard FileManager.default.fileExists(atPath: path) else {
            warnings.append(
                ConfigIssue(
                    file: name,
                    message: "is missing: triage uses the rules of triage.yaml alone. Run `hotline triage train` to write it from "
                        + "\(triageCorpusFolder)/dev.tsv", severity: .warning))
            return nil
        }
        let model: TriageModel
        do {
            guard let data = FileManager.default.contents(atPath: path) else {
                issues.append(ConfigIssue(file: name, message: "cannot be read (missing, or not readable by this user)"))
                return nil
            }
            let file = try JSONDecoder().decode(TriageModelFile.self, from: data)
            model = try file.model()
        } catch let problem as TriageModelFile.Problem {
            issues.append(ConfigIssue(file: name, message: problem.description))
            return nil
        } catch {
            issues.append(ConfigIssue(file: name, message: "is not a model `hotline triage train` wrote (\(error)); train it again"))
            return nil
        }
        if let rules {
            let known = corpusCategories(rules)
            for category in model.categories where !known.contains(category) {
                issues.append(
                    ConfigIssue(
                        file: name, key: "categories",
                        message: "'\(category)' is not a category of triage.yaml; fix the corpus and run `hotline triage train`"))
            }
        }
        if let corpusDigest, corpusDigest != model.corpusDigest {
            warnings.append(
                ConfigIssue(
                    file: name,
                    message: "was trained from another version of \(triageCorpusFolder)/dev.tsv; run `hotline triage train` so "
                        + "the examples added since count", severity: .warning))
        }
        return model
    }

    /// Checks each corpus file present; returns the development part's digest.
    static func checkCorpus(directory: String, rules: TriageRules?, issues: inout [ConfigIssue]) -> String? {
        var devDigest: String? = nil
        for part in ["dev.tsv", "test.tsv"] {
            let relative = "\(triageCorpusFolder)/\(part)"
            let path = URL(fileURLWithPath: directory).appendingPathComponent(relative).path
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let name = display(directory, relative)
            guard let text = String(data: data, encoding: .utf8) else {
                issues.append(ConfigIssue(file: name, message: "is not UTF-8 text; save it as UTF-8"))
                continue
            }
            if part == "dev.tsv" { devDigest = TriageCorpus.digest(text) }
            switch TriageCorpus.parse(text) {
            case .failure(let problems):
                for p in problems.all.prefix(20) { issues.append(ConfigIssue(file: name, line: p.line, message: p.message)) }
            case .success(let examples):
                guard let rules else { continue }
                let known = corpusCategories(rules)
                for e in examples where !known.contains(e.category) {
                    issues.append(
                        ConfigIssue(
                            file: name, line: e.line,
                            message: "category '\(e.category)' is not in triage.yaml (nor danger_now or chat); use one of "
                                + known.sorted().joined(separator: ", ")))
                }
            }
        }
        return devDigest
    }

    /// Every phrase's `{concept}` slots name a concept and do not multiply past the limit;
    /// every concept is a non-empty list.
    static func triageRuleIssues(_ rules: TriageRules, textRules: TextRules, path: String, name: String) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        // Laughter is matched as typed: a word the reader turns into another ("kkk" is teencode
        // for "không") would make every message holding that other word a laugh.
        let reader = InputNormalizer(rules: textRules)
        for (j, word) in rules.laughter.enumerated() {
            let typed = word.lowercased()
            let read = reader.matchKey(word)
            guard typed.unicodeScalars.allSatisfy(\.isASCII), read != typed else { continue }
            issues.append(
                ConfigIssue(
                    file: name, line: line(in: path, path: ["laughter", "\(j)"]), key: "laughter.\(j)",
                    message: "'\(word)' reads as '\(read)' (teencode or Telex), so every message with '\(read)' would count as "
                        + "laughter; remove it, or add it to `keep` in text-rules.yaml"))
        }
        func check(_ phrase: String, _ keyPath: [String]) {
            if case .failure(let problem) = rules.expand(phrase) {
                issues.append(
                    ConfigIssue(
                        file: name, line: line(in: path, path: keyPath), key: keyPath.joined(separator: "."),
                        message: "'\(phrase)': \(problem)"))
            }
        }
        for (i, rule) in rules.categories.enumerated() {
            for (level, phrases) in [("P1", rule.p1), ("P2", rule.p2), ("P3", rule.p3)] {
                for (j, phrase) in phrases.enumerated() { check(phrase, ["categories", "\(i)", level, "\(j)"]) }
            }
        }
        for (j, phrase) in rules.figuresOfSpeech.enumerated() { check(phrase, ["figures_of_speech", "\(j)"]) }
        let categories = Set(rules.categories.map(\.category)).union(["danger_now"])
        for (i, combination) in rules.combinations.enumerated() {
            for (g, group) in combination.all.enumerated() {
                for phrase in group { check(phrase, ["combinations", "\(i)", "all", "\(g)"]) }
            }
            if combination.all.count < 2 {
                issues.append(
                    ConfigIssue(
                        file: name, line: line(in: path, path: ["combinations", "\(i)"]), key: "combinations.\(i).all",
                        message: "a combination needs two groups or more; a single phrase belongs in its category's list"))
            }
            if !categories.contains(combination.category) {
                issues.append(
                    ConfigIssue(
                        file: name, line: line(in: path, path: ["combinations", "\(i)", "category"]), key: "combinations.\(i).category",
                        message: "'\(combination.category)' is not a category of this file"))
            }
        }
        for (concept, values) in rules.concepts.sorted(by: { $0.key < $1.key }) where values.isEmpty {
            issues.append(
                ConfigIssue(
                    file: name, line: line(in: path, path: ["concepts", concept]), key: "concepts.\(concept)",
                    message: "is empty; list its words or remove it"))
        }
        return issues
    }
}
