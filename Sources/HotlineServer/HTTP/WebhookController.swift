import Foundation
import Gateways
import HotlineCore
import Hummingbird
import Logging
import NIOCore
import Storage
import Synchronization

/// `/webhooks/{gateway}`: checks the request comes from the gateway it names, hands it to that
/// gateway's adapter, and answers only once what it carried is on disk.
struct WebhookController: Sendable {
    let gateways: [String: GatewayConfig]
    let adapters: [String: GatewayAdapter]
    let auths: [String: WebhookAuth]
    let ussd: USSDTurnHandler
    let sms: SMSTurnHandler
    let store: any Store
    let metrics: HotlineMetrics
    /// One audit row per gateway and status a minute: a flood of forged requests is counted
    /// in the metric, not written to the database one by one.
    let refusalAudit = RefusalAuditThrottle()
    /// Tells the dispatcher a turn committed work (an escalation, a reply to send).
    let wake: @Sendable () -> Void
    let now: @Sendable () -> Date

    func addRoutes(to router: Router<HotlineRequestContext>) {
        router.post("/webhooks/{gateway}", use: handle)
        router.get("/webhooks/{gateway}", use: handle)
        // Infobip USSD appends /session/{id}/start|response|end to the webhook URL.
        router.post("/webhooks/{gateway}/**", use: handle)
        router.put("/webhooks/{gateway}/**", use: handle)
    }

    @Sendable func handle(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        let id = try context.parameters.require("gateway")
        guard let gateway = gateways[id], let adapter = adapters[id] else {
            throw HTTPError(
                .notFound, message: "no gateway '\(id)' is configured here; configured: \(gateways.keys.sorted().joined(separator: ", "))")
        }
        do {
            let response = try await answer(request, gateway: gateway, adapter: adapter, context: context)
            metrics.webhookAnswered(gateway: id, status: Int(response.status.code))
            return response
        } catch let error as HTTPError {
            metrics.webhookAnswered(gateway: id, status: Int(error.status.code))
            throw error
        }
    }

    private func answer(_ request: Request, gateway: GatewayConfig, adapter: GatewayAdapter, context: HotlineRequestContext)
        async throws -> Response
    {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: HTTPLimits.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw HTTPError(
                .contentTooLarge, message: "request body is over \(HTTPLimits.maxBodyBytes / 1024) KiB; a gateway message is far smaller")
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let gatewayRequest = GatewayRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "", headers: headers,
            body: Array(buffer: body))

        if let auth = auths[gateway.id], let refusal = auth.refusal(gatewayRequest, remoteAddress: context.remoteAddress, now: now()) {
            try await refuse(refusal, gateway: gateway, context: context)
        }
        do {
            switch adapter {
            case .ussd(let ussdAdapter):
                return try await ussdTurn(gatewayRequest, adapter: ussdAdapter, gateway: gateway)
            case .sms(let smsAdapter):
                return try await smsEvents(gatewayRequest, adapter: smsAdapter, gateway: gateway, context: context)
            }
        } catch let error as GatewayError {
            context.logger.notice(
                "refused webhook", metadata: ["gateway": "\(gateway.id)", "status": "\(error.status)", "reason": "\(error.reason)"])
            throw HTTPError(HTTPResponse.Status(code: error.status), message: error.reason)
        } catch let error as HTTPError {
            throw error
        } catch {
            // Nothing was acknowledged: tell the gateway to retry rather than lose the message.
            context.logger.error(
                "webhook not stored", metadata: ["gateway": "\(gateway.id)", "error": "\(String(describing: type(of: error)))"])
            var headers = HTTPFields()
            headers[.retryAfter] = "5"
            throw HTTPError(.serviceUnavailable, headers: headers, message: "the message could not be stored; retry shortly")
        }
    }

    /// Counts, audits and refuses a request that did not prove its origin; nothing it carried
    /// is read further or stored.
    private func refuse(_ refusal: GatewayError, gateway: GatewayConfig, context: HotlineRequestContext) async throws -> Never {
        metrics.webhookRefused(gateway: gateway.id, status: refusal.status)
        context.logger.warning(
            "webhook refused: not proven to come from the gateway",
            metadata: ["gateway": "\(gateway.id)", "status": "\(refusal.status)", "reason": "\(refusal.reason)"])
        if let suppressed = refusalAudit.due(key: "\(gateway.id) \(refusal.status)", now: now()) {
            do {
                let more = suppressed > 0 ? " (and \(suppressed) more like it in the last minute)" : ""
                try await store.recordAudit(
                    actor: "gateway:\(gateway.id)", action: "webhook_refused", reference: nil,
                    detail: "\(refusal.status) \(refusal.reason); from \(context.remoteAddress ?? "unknown address")\(more)", at: now())
            } catch {
                context.logger.error("could not audit a refused webhook", metadata: ["gateway": "\(gateway.id)"])
            }
        }
        throw HTTPError(HTTPResponse.Status(code: refusal.status), message: refusal.reason)
    }

    private func ussdTurn(_ request: GatewayRequest, adapter: any USSDAdapter, gateway: GatewayConfig) async throws -> Response {
        switch try adapter.parse(request) {
        case .ended(let sessionID, _):
            try await store.endSession(gatewayID: gateway.id, externalSessionID: sessionID, at: now())
            wake()  // an open report it held may have been escalated
            return Response(adapter.acknowledge())
        case .request(let ussdRequest):
            let result = try await ussd.handle(ussdRequest, gateway: gateway, now: now())
            if !result.replayed { wake() }
            return Response(adapter.reply(result.reply.text, continues: result.reply.continues))
        }
    }

    private func smsEvents(_ request: GatewayRequest, adapter: any SMSAdapter, gateway: GatewayConfig, context: HotlineRequestContext)
        async throws -> Response
    {
        let events = try adapter.parse(request)
        var syncReply: String? = nil
        var queued = false
        for event in events {
            switch event {
            case .message(let message):
                let outcome = try await sms.handle(message, gateway: gateway, now: now())
                queued = queued || outcome.processed
                if events.count == 1 { syncReply = outcome.syncReply }
            case .part(let part):
                let stored = try await store.storePart(
                    InboundPart(
                        gatewayID: gateway.id, phone: part.message.from, to: part.message.to, reference: part.reference, total: part.total,
                        index: part.index, messageID: part.message.messageID, text: part.message.text), at: now())
                if let set = stored {
                    let outcome = try await sms.handle(set.message, gateway: gateway, now: now())
                    try await store.deletePartSet(set)
                    queued = queued || outcome.processed
                    if events.count == 1 { syncReply = outcome.syncReply }
                }
            case .deliveryReport(let report):
                metrics.deliveryReport(gateway: gateway.id, status: report.status.rawValue)
                if report.status == .failed { metrics.deliveryFailed(kind: "sms", gateway: gateway.id) }
                let known = try await store.recordDelivery(
                    gatewayID: gateway.id, gatewayMessageID: report.gatewayMessageID, status: report.status.rawValue,
                    detail: report.detail, at: now())
                if !known {
                    // Acknowledged anyway: a report on a message we never sent is not worth a retry storm.
                    context.logger.notice("delivery report for an unknown message", metadata: ["gateway": "\(gateway.id)"])
                }
            case .ignored(let why):
                context.logger.notice("webhook acknowledged and ignored", metadata: ["gateway": "\(gateway.id)", "why": "\(why)"])
            }
        }
        if queued { wake() }
        return Response(adapter.respond(reply: gateway.reply == .sync ? syncReply : nil))
    }
}

extension PartSet {
    /// The joined message, under an id that stands for the whole set.
    var message: InboundSMS {
        InboundSMS(messageID: messageID, from: phone, to: to, text: text, receivedAt: firstReceivedAt)
    }
}

extension Response {
    init(_ reply: GatewayResponse) {
        var headers = HTTPFields()
        headers[.contentType] = reply.contentType
        self.init(status: .init(code: reply.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: reply.body)))
    }
}

/// Lets one audit row through per key a minute, counting the ones held back.
final class RefusalAuditThrottle: Sendable {
    private let state = Mutex<[String: (last: Date, held: Int)]>([:])

    /// The number held back since the last row when one is due now; nil when not.
    func due(key: String, now: Date) -> Int? {
        state.withLock { entries in
            if let entry = entries[key], now.timeIntervalSince(entry.last) < 60 {
                entries[key] = (entry.last, entry.held + 1)
                return nil
            }
            let held = entries[key]?.held ?? 0
            entries[key] = (now, 0)
            return held
        }
    }
}
