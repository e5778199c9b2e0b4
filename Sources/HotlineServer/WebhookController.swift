import Foundation
import Gateways
import HotlineCore
import Hummingbird
import Logging
import NIOCore
import Storage

/// `POST /webhooks/{gateway}`: hands each request to the adapter of the gateway it names.
struct WebhookController: Sendable {
    let gateways: [String: GatewayConfig]
    let ussd: USSDTurnHandler
    let sms: SMSTurnHandler
    let store: any Store
    /// Tells the dispatcher a turn committed work (an escalation, a reply to send).
    let wake: @Sendable () -> Void
    let now: @Sendable () -> Date

    func addRoutes(to router: Router<HotlineRequestContext>) {
        router.post("/webhooks/{gateway}", use: handle)
        router.get("/webhooks/{gateway}", use: handle)
    }

    @Sendable func handle(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        let id = try context.parameters.require("gateway")
        guard let gateway = gateways[id] else {
            throw HTTPError(
                .notFound, message: "no gateway '\(id)' is configured here; configured: \(gateways.keys.sorted().joined(separator: ", "))")
        }
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

        do {
            switch gateway.kind {
            case .africastalkingUSSD:
                return try await africasTalkingUSSD(gatewayRequest, gateway: gateway, context: context)
            case .africastalkingSMS:
                return try await africasTalkingSMS(gatewayRequest, gateway: gateway, context: context)
            case .kannel:
                let adapter = Kannel()
                let outcome = try await sms.handle(try adapter.parse(gatewayRequest), gateway: gateway, now: now())
                if outcome.processed { wake() }
                return Response(adapter.reply(outcome.syncReply))
            }
        } catch let error as GatewayError {
            context.logger.notice(
                "refused webhook", metadata: ["gateway": "\(id)", "status": "\(error.status)", "reason": "\(error.reason)"])
            throw HTTPError(HTTPResponse.Status(code: error.status), message: error.reason)
        } catch let error as HTTPError {
            throw error
        } catch {
            // Nothing was acknowledged: tell the gateway to retry rather than lose the message.
            context.logger.error("webhook not stored", metadata: ["gateway": "\(id)", "error": "\(String(describing: type(of: error)))"])
            var headers = HTTPFields()
            headers[.retryAfter] = "5"
            throw HTTPError(.serviceUnavailable, headers: headers, message: "the message could not be stored; retry shortly")
        }
    }

    private func africasTalkingUSSD(_ request: GatewayRequest, gateway: GatewayConfig, context: HotlineRequestContext) async throws
        -> Response
    {
        let adapter = AfricasTalkingUSSD()
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

    private func africasTalkingSMS(_ request: GatewayRequest, gateway: GatewayConfig, context: HotlineRequestContext) async throws
        -> Response
    {
        let adapter = AfricasTalkingSMS()
        switch try adapter.parse(request) {
        case .message(let message):
            if try await sms.handle(message, gateway: gateway, now: now()).processed { wake() }
        case .deliveryReport(let report):
            let known = try await store.recordDelivery(
                gatewayID: gateway.id, gatewayMessageID: report.gatewayMessageID, status: report.status.rawValue, detail: report.detail,
                at: now())
            if !known {
                // Acknowledged anyway: a report on a message we never sent is not worth a retry storm.
                context.logger.notice("delivery report for an unknown message", metadata: ["gateway": "\(gateway.id)"])
            }
        }
        return Response(adapter.acknowledge())
    }
}

extension Response {
    init(_ reply: GatewayResponse) {
        var headers = HTTPFields()
        headers[.contentType] = reply.contentType
        self.init(status: .init(code: reply.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: reply.body)))
    }
}
