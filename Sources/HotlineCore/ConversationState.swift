import Foundation

/// Everything the engine needs to continue a conversation, stored with the session.
public struct ConversationState: Sendable, Codable, Equatable {
    public var flowID: String
    public var nodeID: String
    public var language: String
    /// Answers saved so far, by field (`category`, `danger_now`, `location`...).
    public var answers: [String: String]
    /// Nodes passed through, newest last, so `0` can go back.
    public var trail: [String]
    /// Wrong answers in a row on the current node.
    public var misses: Int
    public var report: CaseDraft?
    /// True once an end screen was shown.
    public var finished: Bool
    /// True once urgent words took the person to the help-now path (taken once, never looped).
    public var urgentPath: Bool
    /// A report left unfinished in an earlier session, while the person is asked about it.
    public var unfinished: UnfinishedReport?

    public init(flowID: String, nodeID: String, language: String) {
        self.flowID = flowID
        self.nodeID = nodeID
        self.language = language
        self.answers = [:]
        self.trail = []
        self.misses = 0
        self.report = nil
        self.finished = false
        self.urgentPath = false
        self.unfinished = nil
    }

    /// What of this state a later session may continue.
    public var unfinishedReport: UnfinishedReport? {
        // Cut off while being asked about an older report: that one is still the unfinished one.
        guard let report else { return unfinished }
        guard report.status != .submitted else { return nil }
        return UnfinishedReport(nodeID: nodeID, language: language, answers: answers, trail: trail, report: report)
    }

    enum CodingKeys: String, CodingKey {
        case flowID, nodeID, language, answers, trail, misses, report, finished, urgentPath, unfinished
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        flowID = try c.decode(String.self, forKey: .flowID)
        nodeID = try c.decode(String.self, forKey: .nodeID)
        language = try c.decode(String.self, forKey: .language)
        answers = try c.decode([String: String].self, forKey: .answers)
        trail = try c.decode([String].self, forKey: .trail)
        misses = try c.decode(Int.self, forKey: .misses)
        report = try c.decodeIfPresent(CaseDraft.self, forKey: .report)
        finished = try c.decode(Bool.self, forKey: .finished)
        // Sessions stored before urgent jumps existed have no such key.
        urgentPath = try c.decodeIfPresent(Bool.self, forKey: .urgentPath) ?? false
        unfinished = try c.decodeIfPresent(UnfinishedReport.self, forKey: .unfinished)
    }
}

/// A report a person left before its confirmation (cut off, timed out), kept to continue.
public struct UnfinishedReport: Sendable, Codable, Equatable {
    public var nodeID: String
    public var language: String
    public var answers: [String: String]
    public var trail: [String]
    public var report: CaseDraft
}

/// What the person did this turn.
public enum ConversationInput: Sendable, Equatable {
    /// A new session (a USSD dial, the first SMS of a conversation with no keyword).
    case start
    /// A new session from someone with an unfinished report: they are asked whether to continue.
    case startWithUnfinished(UnfinishedReport)
    /// One answer, as typed.
    case text(String)
}

/// What does not come from the person: the time, a fresh case reference should one be needed,
/// and the numbers screens mention. Passed in so the engine stays pure.
public struct StepContext: Sendable {
    public var now: Date
    public var newCaseReference: String
    public var variables: [String: String]

    public init(now: Date, newCaseReference: String, variables: [String: String] = [:]) {
        self.now = now
        self.newCaseReference = newCaseReference
        self.variables = variables
    }
}

/// What the shell must do after a step; the engine only describes it.
public enum StepEffect: Sendable, Equatable {
    case openCase(reference: String)
    case saveCase(CaseSnapshot)
    case escalate(reference: String, priority: Priority, reasons: [String])
    case endSession
}

/// A screen as the engine means it; renderers turn it into a USSD page or an SMS.
public struct Screen: Sendable, Equatable {
    public var text: String
    /// True when the conversation continues (USSD `CON`), false when it ends (`END`).
    public var continues: Bool

    public init(text: String, continues: Bool) {
        self.text = text
        self.continues = continues
    }
}

public struct Step: Sendable, Equatable {
    public var screen: Screen
    public var state: ConversationState
    public var effects: [StepEffect]
    /// The answer chose nothing and changed nothing (a wrong answer, a sentence with nothing to
    /// keep it in): the same screen is asked again.
    public var choseNothing: Bool = false
}
