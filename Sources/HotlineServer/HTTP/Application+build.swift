import Foundation
import Gateways
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
    environment: ServiceEnvironment = ServiceEnvironment([:]), metrics: HotlineMetrics = HotlineMetrics(),
    wake: @escaping @Sendable () -> Void = {}, now: @escaping @Sendable () -> Date = { Date() },
    consoleHub: ConsoleEventHub? = nil
) -> Router<HotlineRequestContext> {
    let router = Router(context: HotlineRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    let engine = config.makeEngine()
    let gateways = Dictionary(uniqueKeysWithValues: config.gateways.map { ($0.id, $0) })
    let ussd = USSDTurnHandler(engine: engine, store: store, service: config.service, logger: logger)
    WebhookController(
        gateways: gateways, adapters: gateways.compactMapValues { try? $0.adapter() },
        auths: environment.webhookAuths(config, logger: logger),
        ussd: ussd, sms: makeSMSHandler(config: config, store: store, logger: logger), store: store, metrics: metrics, wake: wake,
        now: now
    ).addRoutes(to: router)
    HealthController(store: store, gatewayCount: config.gateways.count).addRoutes(to: router)
    metrics.addRoutes(to: router, store: store)
    let api = router.group("/api/v1").add(middleware: OperatorAuthMiddleware(tokens: tokens))
    let actions = CaseActions(
        store: store, gateways: gateways, categories: config.caseCategories, metrics: metrics, wake: wake, now: now)
    OperatorController(actions: actions, calendar: config.escalation.referrals.deadlines.calendar).addRoutes(to: api)
    addConsole(
        to: router, config: config, store: store, actions: actions, tokens: tokens,
        hub: consoleHub ?? ConsoleEventHub(store: store, logger: logger), logger: logger)
    return router
}

/// The operators' web console under `/console`; if its templates cannot be read, `/console`
/// answers 503 with the reason and the rest of the service runs on.
func addConsole(
    to router: Router<HotlineRequestContext>, config: HotlineConfig, store: any Store, actions: CaseActions, tokens: OperatorTokens,
    hub: ConsoleEventHub, logger: Logger
) {
    do {
        let pages = try ConsolePages.load()
        ConsoleController(
            store: store, actions: actions, tokens: tokens, policy: ConsoleSessionPolicy(operatorAPIURL: config.escalation.operatorAPIURL),
            pages: pages, hub: hub, signInLimit: SignInLimit(),
            contacts: OfflineContacts(
                store: store, triage: config.makeEngine().triage, categories: config.caseCategories,
                referencePrefix: config.service.caseReferencePrefix, wake: actions.wake, now: actions.now),
            referrals: Referrals(
                store: store, communes: config.service.communes, config: config.escalation.referrals,
                alertsGateway: config.escalation.alerts.gateway, nationalHotline: config.service.hotlines.national, wake: actions.wake,
                now: actions.now)
        ).addRoutes(to: router)
    } catch {
        logger.error("the operator console is off: its templates could not be read", metadata: ["error": "\(error)"])
        let reason = "\(error)"
        router.get("/console/**") { _, _ -> Response in throw HTTPError(.serviceUnavailable, message: "console unavailable: \(reason)") }
    }
}

func makeSMSHandler(config: HotlineConfig, store: any Store, logger: Logger) -> SMSTurnHandler {
    SMSTurnHandler(
        engine: config.makeEngine(), store: store, service: config.service, logger: logger,
        onCall: Set(config.escalation.alerts.ladder.flatMap(\.phones)))
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
    /// With `communes`, their child-protection workers too (console only).
    public func operatorTokens(_ config: EscalationConfig, communes: [Commune] = []) -> OperatorTokens {
        var tokens = config.operators.compactMap { op in self[op.tokenEnv].map { (operatorID: op.id, token: $0) } }
        if let dev = self["HOTLINE_OPERATOR_TOKEN"] { tokens.append((operatorID: "dev", token: dev)) }
        var workers: [String: Set<String>] = [:]
        for commune in communes {
            for worker in commune.workers {
                workers[worker.id, default: []].insert(commune.id)
                if let token = self[worker.tokenEnv] { tokens.append((operatorID: worker.id, token: token)) }
            }
        }
        // "dev" is for development on one machine: it may see everything, the audit trail too.
        let supervisors = Set(config.operators.filter { $0.role == .supervisor }.map(\.id) + ["dev"])
        return OperatorTokens(tokens, supervisors: supervisors, communeWorkers: workers)
    }

    /// The operators of `escalation.yaml` and the communes' workers of `service.yaml`.
    public func operatorTokens(_ config: HotlineConfig) -> OperatorTokens {
        operatorTokens(config.escalation, communes: config.service.communes)
    }

    /// One sender per SMS gateway, with its secret (nil when unset: sends wait and say why).
    public func smsSenders(_ config: HotlineConfig, transport: HTTPTransport) -> [String: any SMSSender] {
        var senders: [String: any SMSSender] = [:]
        for gateway in config.gateways {
            guard let send = gateway.send, let url = gateway.sendURL, let adapter = (try? gateway.adapter())?.sms else { continue }
            let account = self[send.apiKeyEnv].map {
                SendAccount(url: url, username: send.username, secret: $0, from: send.from, statusCallback: gateway.publicURL)
            }
            senders[gateway.id] = GatewaySender(
                transport: transport, adapter: adapter, gatewayName: gateway.kind.displayName, account: account, secretEnv: send.apiKeyEnv)
        }
        return senders
    }

    /// What each gateway's webhook must prove, with the secrets its variables hold. A named
    /// variable that is unset closes that gateway (503, so its platform retries) rather than
    /// opening it: an unverified webhook would let anyone acknowledge a case as an on-call
    /// phone or opt a child out of texts.
    public func webhookAuths(_ config: HotlineConfig, logger: Logger) -> [String: WebhookAuth] {
        var auths: [String: WebhookAuth] = [:]
        for gateway in config.gateways {
            guard let section = gateway.auth else { continue }
            var auth = WebhookAuth(allowedNetworks: section.allowIPs.compactMap(IPNetwork.init))
            for name in section.secretVariables where self[name] == nil {
                logger.warning(
                    "a webhook secret is not set: this gateway answers 503 until it is",
                    metadata: ["gateway": "\(gateway.id)", "variable": "\(name)"])
                auth.missingSecret = auth.missingSecret ?? name
            }
            if let name = section.signatureSecretEnv, let secret = self[name] {
                // check-config refuses a signature secret for a kind that does not sign; should
                // one get here anyway, the webhook stays closed rather than unchecked.
                auth.signature =
                    gateway.kind.signature?.signature(secret: secret, settings: gateway.settings)
                    ?? WebhookAuth.Signature { _, _ in
                        GatewayError(
                            status: 503, reason: "\(gateway.kind.displayName) does not sign its webhooks; remove signature_secret_env")
                    }
            }
            if let name = section.sharedSecretEnv, let secret = self[name] {
                auth.sharedSecret = secret
                auth.sharedSecretQuery = section.sharedSecretQuery
                auth.sharedSecretHeader = section.sharedSecretHeader ?? (section.sharedSecretQuery == nil ? "X-Hotline-Secret" : nil)
            }
            if let username = section.basicUsername, let name = section.basicPasswordEnv, let password = self[name] {
                auth.basicAuth = (username, password)
            }
            if auth.checksSomething { auths[gateway.id] = auth }
        }
        return auths
    }
}

/// The dispatcher this configuration and environment describe.
public func buildDispatcher(
    config: HotlineConfig, store: any Store, environment: ServiceEnvironment, logger: Logger, transport: HTTPTransport = HTTPTransport(),
    metrics: HotlineMetrics? = nil, now: @escaping @Sendable () -> Date = { Date() }
) -> OutboxDispatcher {
    var events = DispatchEvents()
    if let metrics {
        events.escalationDelivered = { metrics.escalationDelivered(latency: $0, priority: $1) }
        events.deliveryFailed = { metrics.deliveryFailed(kind: $0, gateway: $1) }
    }
    return OutboxDispatcher(
        store: store, config: config.escalation, webhook: environment.escalationWebhook(config.escalation),
        senders: environment.smsSenders(config, transport: transport), transport: transport,
        nationalHotline: config.service.hotlines.national, logger: logger, now: now, events: events)
}

/// The acknowledgement deadlines the store starts when it queues an escalation.
public func acknowledgementPolicy(_ config: EscalationConfig) -> AcknowledgementPolicy {
    AcknowledgementPolicy(deadlines: config.acknowledgeWithinSeconds)
}

/// The whole service: the router, the server, the dispatcher, and what it prints once it listens.
public func buildApplication(
    config: HotlineConfig, store: any Store, listen: ListenOptions, logger: Logger, environment: ServiceEnvironment = ServiceEnvironment(),
    reloadKeys: @escaping @Sendable () -> Void = {}, resealStep: @escaping @Sendable () async -> Void = {},
    onRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let metrics = HotlineMetrics()
    let dispatcher = buildDispatcher(config: config, store: store, environment: environment, logger: logger, metrics: metrics)
    let tokens = environment.operatorTokens(config)
    if tokens.isEmpty {
        logger.warning("no operator token is set: the operator API refuses every request (set HOTLINE_OPERATOR_TOKEN for development)")
    }
    let sms = makeSMSHandler(config: config, store: store, logger: logger)
    let gateways = Dictionary(uniqueKeysWithValues: config.gateways.map { ($0.id, $0) })
    let hub = ConsoleEventHub(store: store, logger: logger)
    return Application(
        router: buildRouter(
            config: config, store: store, logger: logger, tokens: tokens, environment: environment, metrics: metrics,
            wake: { dispatcher.wake() }, consoleHub: hub),
        server: RequestLimits.server,
        configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "hotline-gateway"),
        services: [
            MaintenanceService(
                store: store, sessions: config.service.sessions, interval: .seconds(30), logger: logger, wake: { dispatcher.wake() },
                partSets: PartSetSweeper(store: store, gateways: gateways, sms: sms, logger: logger), reloadKeys: reloadKeys,
                resealStep: resealStep, retention: config.service.retention),
            dispatcher,
            hub,
        ],
        onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? listen.port) },
        logger: logger)
}

/// The webhook URL of each gateway, as a gateway operator pastes it into their platform.
public func webhookURLs(config: HotlineConfig, baseURL: String) -> [(gateway: GatewayConfig, url: String)] {
    config.gateways.map { ($0, "\(baseURL)/webhooks/\($0.id)") }
}
