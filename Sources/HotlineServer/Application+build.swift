import Foundation
import HotlineCore
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
    config: HotlineConfig, store: any Store, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
) -> Router<HotlineRequestContext> {
    let router = Router(context: HotlineRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    let ussd = USSDTurnHandler(engine: config.makeEngine(), store: store, service: config.service, logger: logger)
    WebhookController(
        gateways: Dictionary(uniqueKeysWithValues: config.gateways.map { ($0.id, $0) }), ussd: ussd, store: store, now: now
    ).addRoutes(to: router)
    HealthController(store: store, gatewayCount: config.gateways.count).addRoutes(to: router)
    return router
}

/// The whole service: the router, the server, and what it prints once it listens.
public func buildApplication(
    config: HotlineConfig, store: any Store, listen: ListenOptions, logger: Logger,
    onRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(config: config, store: store, logger: logger),
        configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "hotline-gateway"),
        services: [SessionExpiryService(store: store, sessions: config.service.sessions, interval: .seconds(30), logger: logger)],
        onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? listen.port) },
        logger: logger)
}

/// The webhook URL of each gateway, as a gateway operator pastes it into their platform.
public func webhookURLs(config: HotlineConfig, baseURL: String) -> [(gateway: GatewayConfig, url: String)] {
    config.gateways.map { ($0, "\(baseURL)/webhooks/\($0.id)") }
}
