import Foundation
import Gateways
import HotlineCore
import Logging
import Storage

/// Turns one USSD hit into one committed turn: reads the new answer from the gateway's text,
/// runs the engine against the session as stored, renders the screen for the gateway's
/// encoding, and returns it only once everything is on disk.
struct USSDTurnHandler: Sendable {
    let engine: ConversationEngine
    let store: any Store
    let service: ServiceConfig
    let logger: Logger

    func handle(_ request: USSDRequest, gateway: GatewayConfig, now: Date) async throws -> TurnResult {
        // The store recognises a retried hit by this key: the whole history for cumulative
        // gateways; the gateway's sequence and the answer for the others (without a sequence,
        // every hit is new: a repeated "1" is more likely an answer than a retry).
        let key = request.cumulative ? request.text : "\(request.sequence ?? UUID().uuidString)\u{1F}\(request.text)"
        let turn = InboundTurn(
            gatewayID: gateway.id, channel: .ussd, externalSessionID: request.sessionID, phone: request.phone,
            rawText: key, receivedAt: now, resumeWindow: TimeInterval(service.sessions.resumeHours * 3600))
        let result = try await store.recordTurn(turn, referencePrefix: service.caseReferencePrefix) {
            [engine, service] turnContext, reference in
            Self.decide(
                session: turnContext.session, unfinished: turnContext.unfinished, text: request.text, cumulative: request.cumulative,
                gateway: gateway, engine: engine, service: service,
                context: StepContext(now: now, newCaseReference: reference, variables: service.screenVariables))
        }
        logger.info(
            "ussd turn",
            metadata: [
                "gateway": "\(gateway.id)", "phone": "\(request.phone.masked)", "replayed": "\(result.replayed)",
                "continues": "\(result.reply.continues)",
            ])
        return result
    }

    /// Pure: what this hit means for the session. May run more than once for one request (see `Store.recordTurn`).
    static func decide(
        session: StoredSession?, unfinished: UnfinishedReport? = nil, text: String, cumulative: Bool = true, gateway: GatewayConfig,
        engine: ConversationEngine, service: ServiceConfig, context: StepContext
    ) -> TurnDecision {
        var inputs: [ConversationInput]
        let answers: [String]
        if !cumulative {
            // The first hit carries the dialled code, later ones the latest answer only.
            answers = session == nil ? [] : [text]
            inputs = session == nil ? [unfinished.map { .startWithUnfinished($0) } ?? .start] : [.text(text)]
        } else if let session {
            answers = USSDInput.newInputs(cumulative: text, processed: session.processedText)
            inputs = answers.map { .text($0) }
            // The history went back to empty: the gateway restarted the menu.
            if inputs.isEmpty { inputs = [.start] }
        } else {
            answers = USSDInput.newInputs(cumulative: text, processed: nil)
            inputs = [unfinished.map { .startWithUnfinished($0) } ?? .start] + answers.map { .text($0) }
        }
        var state = session?.state
        var effects: [StepEffect] = []
        var screen = Screen(text: "", continues: false)
        for input in inputs {
            let step = engine.step(state, input, context)
            state = step.state
            effects += step.effects
            screen = step.screen
        }
        let rendered = gateway.encoding.renderScreen(screen.text, limits: service.ussdLimits)
        return TurnDecision(
            state: state!, reply: StoredReply(text: rendered.text, continues: screen.continues),
            inboundText: answers.joined(separator: "*"), effects: effects)
    }
}
