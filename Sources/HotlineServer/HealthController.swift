import Hummingbird
import Storage

/// `GET /healthz` (the process answers) and `GET /readyz` (config loaded, database writable).
struct HealthController: Sendable {
    let store: any Store
    let gatewayCount: Int

    struct Health: ResponseEncodable {
        var status: String
    }

    struct Readiness: ResponseEncodable {
        var status: String
        var config: String
        var database: String
        var gateways: Int
    }

    func addRoutes(to router: Router<HotlineRequestContext>) {
        router.get("/healthz") { _, _ in Health(status: "ok") }
        router.get("/readyz") { _, context -> EditedResponse<Readiness> in
            do {
                try await store.checkWritable()
                return EditedResponse(
                    status: .ok, response: Readiness(status: "ready", config: "loaded", database: "writable", gateways: gatewayCount))
            } catch {
                context.logger.error("readiness: database not writable", metadata: ["error": "\(error)"])
                return EditedResponse(
                    status: .serviceUnavailable,
                    response: Readiness(status: "not ready", config: "loaded", database: "not writable", gateways: gatewayCount))
            }
        }
    }
}
