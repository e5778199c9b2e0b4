import Foundation
import HotlineCore

/// A phone for trainers and testers: one conversation, run in-process through the same
/// engine and renderers the service uses, showing each screen exactly as the handset would.
public struct Simulator: Sendable {
    public enum Channel: String, Sendable, CaseIterable {
        case ussd, sms
    }

    /// What the handset shows after one input.
    public struct Display: Sendable, Equatable {
        public var text: String
        public var continues: Bool
        public var encoding: SMSEncoding
        public var length: Int
        /// SMS parts (1 for a USSD screen).
        public var segments: Int
        public var limit: Int?

        public init(text: String, continues: Bool, encoding: SMSEncoding, length: Int, segments: Int, limit: Int?) {
            self.text = text
            self.continues = continues
            self.encoding = encoding
            self.length = length
            self.segments = segments
            self.limit = limit
        }
    }

    public let channel: Channel
    let engine: ConversationEngine
    let policy: EncodingPolicy
    let limits: USSDLimits
    let variables: [String: String]
    let referencePrefix: String
    var state: ConversationState? = nil

    public init(config: HotlineConfig, channel: Channel, policy: EncodingPolicy? = nil) {
        self.channel = channel
        engine = config.makeEngine()
        // Screens look as the gateway of that channel sends them: the USSD one, or the SMS one.
        let gateway = config.gateways.first { channel == .ussd ? $0.kind.isUSSD : $0.kind.canSendSMS }
        self.policy = policy ?? gateway?.encoding ?? .auto
        limits = config.service.ussdLimits
        variables = config.service.screenVariables
        referencePrefix = config.service.caseReferencePrefix
    }

    /// The case as the conversation holds it, for showing testers what was recorded.
    public var report: CaseDraft? { state?.report }
    public var answers: [String: String] { state?.answers ?? [:] }

    /// Dials (USSD) or sends a first message (SMS).
    public mutating func start() -> Display {
        run(.start)
    }

    public mutating func send(_ input: String) -> Display {
        // A text after the end (or the first) starts a new conversation, read as the service
        // reads a first SMS; a USSD session that ended is dialled again.
        let fresh = state == nil || state!.finished
        if fresh && channel == .sms { return show(engine.firstMessage(input, context())) }
        return run(fresh ? .start : .text(input))
    }

    private func context() -> StepContext {
        StepContext(now: Date(), newCaseReference: CaseReference.random(prefix: referencePrefix), variables: variables)
    }

    private mutating func run(_ input: ConversationInput) -> Display {
        show(engine.step(state, input, context()))
    }

    private mutating func show(_ step: Step) -> Display {
        state = step.state
        switch channel {
        case .ussd:
            let r = policy.renderScreen(step.screen.text, limits: limits)
            return Display(
                text: r.text, continues: step.screen.continues, encoding: r.encoding, length: r.length, segments: 1,
                limit: limits.limit(for: r.encoding))
        case .sms:
            let r = policy.renderSMS(step.screen.text)
            let analysis = SMSText.analyze(r.text)
            return Display(
                text: r.text, continues: step.screen.continues, encoding: r.encoding, length: r.length, segments: analysis.segments,
                limit: nil)
        }
    }
}
