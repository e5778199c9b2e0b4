import Hummingbird
import NIOCore
import Prometheus
import Storage
import Synchronization

/// The service's own Prometheus registry (not the process-global MetricsSystem, so each
/// application, and each test, counts on its own). Served at `GET /metrics`.
public final class HotlineMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Quarantined rows already counted, by table: the counter grows by what is new.
    private let quarantinedSeen = Mutex<[String: Int]>([:])

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

    /// From the 111 decision (the urgent hit committed) to the 111 webhook's 2xx.
    public func escalationDelivered(latency: Double, priority: String) {
        registry.makeValueHistogram(
            name: "hotline_escalation_latency_seconds", labels: [("priority", priority)],
            buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
            help: "Seconds from an escalation's decision to the 111 webhook accepting it"
        ).record(latency)
    }

    /// An outbound SMS or escalation given up on, or reported failed by the gateway.
    public func deliveryFailed(kind: String, gateway: String) {
        registry.makeCounter(
            name: "hotline_delivery_failures_total", labels: [("kind", kind), ("gateway", gateway)],
            help: "Escalations and SMS given up on, and SMS the gateway reported failed"
        ).increment()
    }

    /// An operator corrected a case's triage: from the priority it had to the one they set, so
    /// a hotline sees where its triage errs.
    func triageCorrected(from: String, to: String) {
        registry.makeCounter(
            name: "hotline_triage_corrections_total", labels: [("from", from), ("to", to)],
            help: "Triage corrections by operators, by the priority a case had and the one it was given"
        ).increment()
    }

    /// Gauges read from the database at scrape time.
    func update(_ counts: StoreCounts) {
        for table in Set(["outbox", "sessions"]).union(counts.quarantined.keys).sorted() {
            let total = counts.quarantined[table] ?? 0
            let new = quarantinedSeen.withLock { seen in
                defer { seen[table] = max(seen[table] ?? 0, total) }
                return max(0, total - (seen[table] ?? 0))
            }
            registry.makeCounter(
                name: "hotline_quarantined_rows_total", labels: [("table", table)],
                help: "Rows set aside because a sealed value could not be opened or decoded, by table"
            ).increment(by: Int64(new))
        }
        for channel in ["ussd", "sms"] {
            registry.makeGauge(
                name: "hotline_active_sessions", labels: [("channel", channel)], help: "Conversations open now, by channel"
            ).set(Double(counts.activeSessions[channel] ?? 0))
        }
        for priority in ["none", "P3", "P2", "P1"] {
            registry.makeGauge(name: "hotline_cases", labels: [("priority", priority)], help: "Cases on file, by priority")
                .set(Double(counts.casesByPriority[priority] ?? 0))
        }
        for kind in ["escalation", "sms", "ack_check"] {
            registry.makeGauge(name: "hotline_outbox_depth", labels: [("kind", kind)], help: "Outbox rows waiting to be delivered, by kind")
                .set(Double(counts.outboxDepth[kind] ?? 0))
            registry.makeGauge(name: "hotline_outbox_failed", labels: [("kind", kind)], help: "Outbox rows given up on, by kind")
                .set(Double(counts.outboxFailed[kind] ?? 0))
        }
    }

    func text() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    func addRoutes(to router: Router<HotlineRequestContext>, store: any Store) {
        router.get("/metrics") { _, _ in
            if let counts = try? await store.counts() { self.update(counts) }
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: self.text())))
        }
    }
}
