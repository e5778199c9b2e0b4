import Foundation
import HotlineCore
import HotlineServer
import Testing

/// The learned half of triage: trained from the corpus's development part, measured on its
/// test part, deterministic, and explained.
@Suite("Triage learned from the corpus")
struct TriageLearningTests {
    static let corpusFolder = URL(fileURLWithPath: bundledConfigDirectory).appendingPathComponent("triage-corpus")

    static func corpus(_ part: String) throws -> (examples: [TriageCorpus.Example], contents: String) {
        let contents = try String(contentsOf: corpusFolder.appendingPathComponent("\(part).tsv"), encoding: .utf8)
        return (try TriageCorpus.parse(contents).get(), contents)
    }

    @Test("the corpus holds at least 1,000 messages, 300 of them in the test part, and no message is in both parts")
    func corpusSize() throws {
        let dev = try Self.corpus("dev").examples
        let test = try Self.corpus("test").examples
        #expect(dev.count + test.count >= 1000)
        #expect(test.count >= 300)
        #expect(Set(dev.map(\.text)).isDisjoint(with: test.map(\.text)))
        // Every level and every category of triage.yaml is in the test part.
        let config = try bundledConfig.get()
        #expect(Set(test.map(\.priority)) == Set(Priority.allCases))
        #expect(Set(config.triage.categories.map(\.category)).isSubset(of: Set(test.map(\.category))))
    }

    @Test("the bundled model was trained from the bundled development part")
    func modelIsCurrent() throws {
        let config = try bundledConfig.get()
        let model = try #require(config.triageModel)
        #expect(model.corpusDigest == TriageCorpus.digest(try Self.corpus("dev").contents))
        #expect(model.examples == (try Self.corpus("dev").examples.count))
    }

    /// Issue 15's targets, the defaults of `TriageEvaluation.Targets`.
    @Test("on the test part: P1 recall at least 0.95, P2-or-higher recall at least 0.95, false P1 at most 0.08")
    func testPartMeetsTargets() throws {
        let config = try bundledConfig.get()
        let triage = try #require(config.makeEngine().triage)
        let test = try Self.corpus("test").examples
        let evaluation = TriageEvaluation(examples: test, decisions: test.map { triage.judge(text: $0.text) })
        #expect(evaluation.failures(against: .init()) == [], "misses: \(evaluation.misses.map { "\($0.kind): \($0.text)" })")
    }

    @Test("training twice on the same examples writes the same model file, byte for byte")
    func trainingIsDeterministic() throws {
        let config = try ConfigLoader.load(directory: bundledConfigDirectory, withModel: false)
        let rules = Triage(rules: config.triage, normalizer: InputNormalizer(rules: config.textRules))
        let examples = Array(try Self.corpus("dev").examples.prefix(240))
        var trainer = TriageTrainer()
        trainer.epochs = 8
        trainer.folds = 3
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let first = try encoder.encode(TriageModelFile(trainer.train(examples, rules: rules, corpusDigest: "x").0))
        let second = try encoder.encode(TriageModelFile(trainer.train(examples, rules: rules, corpusDigest: "x").0))
        #expect(first == second)
        // And the file reads back into the model it was written from.
        let reread = try JSONDecoder().decode(TriageModelFile.self, from: first).model()
        #expect(try encoder.encode(TriageModelFile(reread)) == first)
    }

    /// Rules that know nothing, and a model that learned what urgent examples look like.
    static func learnedOnly() throws -> Triage {
        let rules = TriageRules(categories: [], negations: [], negationBridges: [], nowWords: [], answers: [], harmHints: ["sợ"])
        let triage = Triage(rules: rules)
        var examples: [TriageCorpus.Example] = []
        let urgent = ["chú kia lại tới nhà", "chú kia hay tới nhà lúc mẹ vắng", "chú kia bảo em giữ bí mật", "chú kia tới phòng em"]
        let routine = ["hôm nay trời đẹp", "em thích học toán", "bạn em hát hay", "cảm ơn tổng đài", "em đi học về", "mai em thi"]
        for (i, text) in urgent.enumerated() { examples.append(.init(line: i, priority: .p2, category: "sexual", text: text)) }
        for (i, text) in routine.enumerated() { examples.append(.init(line: 100 + i, priority: .none, category: "chat", text: text)) }
        var trainer = TriageTrainer()
        trainer.folds = 2
        var (model, _) = trainer.train(examples, rules: triage, corpusDigest: "x")
        // Ten examples are too few to choose bars from; these are the bars' meaning, fixed.
        model.thresholds = .init(p1: 0.9, p1WhenUrgent: 0.9, urgent: 0.5, urgentWithHint: 0.3)
        return Triage(rules: rules, model: model)
    }

    @Test("a message no rule knows but that reads like urgent examples is P2 'needs review', with the words that weighed")
    func needsReview() throws {
        let triage = try Self.learnedOnly()
        let decision = triage.judge(text: "chu kia toi nha em")
        #expect(decision.priority == .p2)
        #expect(decision.category == "sexual")
        let reason = try #require(decision.reasons.first)
        #expect(reason.contains(Triage.needsReview))
        #expect(reason.contains("'kia'"))
        // What reads like the routine examples stays routine.
        #expect(triage.judge(text: "hôm nay em thích học").priority == .none)
    }

    @Test("the model only raises: a rule's P1 stays P1 whatever the model thinks")
    func modelNeverLowers() throws {
        let learned = try Self.learnedOnly()
        var rules = learned.rules
        rules.categories = [.init(category: "self_harm", p1: ["muốn chết"])]
        let triage = Triage(rules: rules, model: learned.model)
        let decision = triage.judge(text: "hôm nay trời đẹp nhưng em muốn chết")
        #expect(decision.priority == .p1)
        #expect(decision.category == "self_harm")
    }
}

@Suite("Triage evaluation figures")
struct TriageEvaluationTests {
    @Test("recall, false P1, the confusion matrix and the misses are counted from labels and decisions")
    func figures() {
        func e(_ p: Priority, _ c: String, _ t: String) -> TriageCorpus.Example { .init(line: 0, priority: p, category: c, text: t) }
        func d(_ p: Priority, _ c: String?) -> TriageDecision { .init(priority: p, category: c, reasons: ["r"]) }
        let examples = [
            e(.p1, "self_harm", "a"), e(.p1, "self_harm", "b"), e(.p2, "physical", "c"), e(.p2, "physical", "d"), e(.p3, "advice", "e"),
            e(.none, "chat", "f"),
        ]
        let decisions = [d(.p1, "self_harm"), d(.p2, "self_harm"), d(.p2, "sexual"), d(.none, nil), d(.p1, "advice"), d(.none, nil)]
        let evaluation = TriageEvaluation(examples: examples, decisions: decisions)
        #expect(evaluation.p1Recall == .init(hits: 1, of: 2))
        #expect(evaluation.urgentRecall == .init(hits: 3, of: 4))
        #expect(evaluation.falseP1AmongRoutine == .init(hits: 1, of: 2))
        #expect(evaluation.confusion == [[1, 0, 0, 0], [0, 0, 0, 1], [1, 0, 1, 0], [0, 0, 1, 1]])
        #expect(evaluation.misses.map(\.kind) == ["missed P1", "missed urgent", "false P1"])
        #expect(evaluation.misses.map(\.text) == ["b", "d", "e"])
        let physical = evaluation.categories.first { $0.category == "physical" }!
        #expect(physical.atLevelOrHigher == .init(hits: 1, of: 2))
        #expect(physical.sameCategory == .init(hits: 0, of: 2))
        #expect(evaluation.failures(against: .init()).count == 3)
    }

    @Test("a corpus line that is not PRIORITY, CATEGORY and TEXT is refused with its line number")
    func badLines() {
        let contents = "P1\tself_harm\tem muốn chết\n# a note\n\nP4\tchat\thi\nP2\tphysical\nnone\tchat\t  \nP1\tself_harm\tem muốn chết\n"
        guard case .failure(let problems) = TriageCorpus.parse(contents) else {
            Issue.record("a bad corpus parsed")
            return
        }
        #expect(problems.all.map(\.line) == [4, 5, 6, 7])
        #expect(problems.all[0].message.contains("'P4'"))
        #expect(problems.all[3].message.contains("line 1"))
    }
}
