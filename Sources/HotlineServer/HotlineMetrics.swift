import Hummingbird
import NIOCore
import Prometheus

/// The service's own Prometheus registry (not the process-global MetricsSystem, so each
/// application, and each test, counts on its own). Served at `GET /metrics`.
public final class HotlineMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    public init() {}

    /// A webhook request answered, by gateway and HTTP status.
    func webhookAnswered(gateway: String, status: Int) {
        registry.makeCounter(
            name: "hotline_webhook_requests_total", labels: [("gateway", gateway), ("status", String(status))],
            help: "Webhook requests by gateway and HTTP status"
        ).increment()
    }

    /// A webhook refused because it did not prove it came from the gateway.
    func webhookRefused(gateway: String, status: Int) {
        registry.makeCounter(
            name: "hotline_webhook_refused_total", labels: [("gateway", gateway), ("status", String(status))],
            help: "Webhook requests refused for a missing or wrong signature, secret or address"
        ).increment()
    }

    /// A delivery report, by gateway and the status it reported.
    func deliveryReport(gateway: String, status: String) {
        registry.makeCounter(
            name: "hotline_delivery_reports_total", labels: [("gateway", gateway), ("status", status)],
            help: "Delivery reports received, by gateway and status"
        ).increment()
    }

    func text() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    func addRoutes(to router: Router<HotlineRequestContext>) {
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: self.text())))
        }
    }
}
