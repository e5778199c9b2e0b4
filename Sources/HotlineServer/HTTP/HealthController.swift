import Hummingbird
import Storage

/// `GET /healthz` (the process answers) and `GET /readyz` (config loaded, database writable;
/// `degraded` when rows were quarantined).
struct HealthController: Sendable {
    let store: any Store
    let gatewayCount: Int

    struct Health: ResponseEncodable {
        var status: String
    }

    struct Readiness: ResponseEncodable {
        /// `ready`, `degraded` (serving, but rows were quarantined: a person must look) or `not ready`.
        var status: String
        var config: String
        var database: String
        var gateways: Int
        /// Rows set aside because they could not be read, by table; absent when none.
        var quarantined: [String: Int]? = nil
    }

    func addRoutes(to router: Router<HotlineRequestContext>) {
        router.get("/healthz") { _, _ in Health(status: "ok") }
        router.get("/readyz") { _, context -> EditedResponse<Readiness> in
            do {
                try await store.checkWritable()
                // Still 200: the service takes and delivers everything else; a load balancer
                // must not take it out for rows a supervisor has to look at.
                let quarantined = (try? await store.quarantinedCounts()) ?? [:]
                let degraded = quarantined.values.contains { $0 > 0 }
                return EditedResponse(
                    status: .ok,
                    response: Readiness(
                        status: degraded ? "degraded" : "ready", config: "loaded", database: "writable", gateways: gatewayCount,
                        quarantined: degraded ? quarantined : nil))
            } catch {
                context.logger.error("readiness: database not writable", metadata: ["error": "\(error)"])
                return EditedResponse(
                    status: .serviceUnavailable,
                    response: Readiness(status: "not ready", config: "loaded", database: "not writable", gateways: gatewayCount))
            }
        }
    }
}
