import Foundation
import HotlineCore
import HotlineDispatch
import Hummingbird
import Logging
import Storage

/// Where the service listens.
public struct ListenOptions: Sendable {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}

/// The router with every route the service answers; tests drive it directly.
public func buildRouter(
    config: HotlineConfig, store: any Store, logger: Logger, tokens: OperatorTokens = OperatorTokens([]),
    wake: @escaping @Sendable () -> Void = {}, now: @escaping @Sendable () -> Date = { Date() }
) -> Router<HotlineRequestContext> {
    let router = Router(context: HotlineRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    let engine = config.makeEngine()
    let gateways = Dictionary(uniqueKeysWithValues: config.gateways.map { ($0.id, $0) })
    let ussd = USSDTurnHandler(engine: engine, store: store, service: config.service, logger: logger)
    let sms = SMSTurnHandler(
        engine: engine, store: store, service: config.service, logger: logger,
        onCall: Set(config.escalation.alerts.ladder.flatMap(\.phones)))
    WebhookController(gateways: gateways, ussd: ussd, sms: sms, store: store, wake: wake, now: now).addRoutes(to: router)
    HealthController(store: store, gatewayCount: config.gateways.count).addRoutes(to: router)
    let api = router.group("/api/v1").add(middleware: OperatorAuthMiddleware(tokens: tokens))
    OperatorController(store: store, gateways: gateways, wake: wake, now: now).addRoutes(to: api)
    return router
}

/// Secrets and endpoints the configuration names by environment variable.
public struct ServiceEnvironment: Sendable {
    public var values: [String: String]

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    public subscript(name: String) -> String? {
        values[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The 111 webhook: URL from `HOTLINE_ESCALATION_URL` or the file, secret from its variable.
    public func escalationWebhook(_ config: EscalationConfig) -> OutboxDispatcher.Webhook? {
        guard let url = self["HOTLINE_ESCALATION_URL"] ?? (config.webhook.url.isEmpty ? nil : config.webhook.url),
            let secret = self[config.webhook.secretEnv] ?? self["HOTLINE_ESCALATION_SECRET"]
        else { return nil }
        return OutboxDispatcher.Webhook(url: url, secret: secret)
    }

    /// Operators from `escalation.yaml` whose token variable is set, and "dev" from
    /// `HOTLINE_OPERATOR_TOKEN`.
    public func operatorTokens(_ config: EscalationConfig) -> OperatorTokens {
        var tokens = config.operators.compactMap { op in self[op.tokenEnv].map { (operatorID: op.id, token: $0) } }
        if let dev = self["HOTLINE_OPERATOR_TOKEN"] { tokens.append((operatorID: "dev", token: dev)) }
        return OperatorTokens(tokens)
    }

    /// One sender per SMS gateway, with its API key (nil when unset: sends wait and say why).
    public func smsSenders(_ config: HotlineConfig, transport: HTTPTransport) -> [String: any SMSSender] {
        var senders: [String: any SMSSender] = [:]
        for gateway in config.gateways {
            guard let send = gateway.send else { continue }
            switch gateway.kind {
            case .africastalkingSMS:
                senders[gateway.id] = GatewaySender.africasTalking(
                    transport: transport, url: send.url, username: send.username, apiKey: self[send.apiKeyEnv], apiKeyEnv: send.apiKeyEnv,
                    from: send.from)
            case .kannel:
                senders[gateway.id] = GatewaySender.kannel(
                    transport: transport, url: send.url, username: send.username, password: self[send.apiKeyEnv],
                    passwordEnv: send.apiKeyEnv, from: send.from)
            case .africastalkingUSSD:
                continue
            }
        }
        return senders
    }
}

/// The dispatcher this configuration and environment describe.
public func buildDispatcher(
    config: HotlineConfig, store: any Store, environment: ServiceEnvironment, logger: Logger, transport: HTTPTransport = HTTPTransport(),
    now: @escaping @Sendable () -> Date = { Date() }
) -> OutboxDispatcher {
    OutboxDispatcher(
        store: store, config: config.escalation, webhook: environment.escalationWebhook(config.escalation),
        senders: environment.smsSenders(config, transport: transport), transport: transport,
        nationalHotline: config.service.hotlines.national, logger: logger, now: now)
}

/// The acknowledgement deadlines the store starts when it queues an escalation.
public func acknowledgementPolicy(_ config: EscalationConfig) -> AcknowledgementPolicy {
    AcknowledgementPolicy(deadlines: config.acknowledgeWithinSeconds)
}

/// The whole service: the router, the server, the dispatcher, and what it prints once it listens.
public func buildApplication(
    config: HotlineConfig, store: any Store, listen: ListenOptions, logger: Logger, environment: ServiceEnvironment = ServiceEnvironment(),
    onRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let dispatcher = buildDispatcher(config: config, store: store, environment: environment, logger: logger)
    let tokens = environment.operatorTokens(config.escalation)
    if tokens.isEmpty {
        logger.warning("no operator token is set: the operator API refuses every request (set HOTLINE_OPERATOR_TOKEN for development)")
    }
    return Application(
        router: buildRouter(config: config, store: store, logger: logger, tokens: tokens, wake: { dispatcher.wake() }),
        configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "hotline-gateway"),
        services: [
            SessionExpiryService(
                store: store, sessions: config.service.sessions, interval: .seconds(30), logger: logger, wake: { dispatcher.wake() }),
            dispatcher,
        ],
        onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? listen.port) },
        logger: logger)
}

/// The webhook URL of each gateway, as a gateway operator pastes it into their platform.
public func webhookURLs(config: HotlineConfig, baseURL: String) -> [(gateway: GatewayConfig, url: String)] {
    config.gateways.map { ($0, "\(baseURL)/webhooks/\($0.id)") }
}
