import Foundation
import HTTPTypes
import HotlineServer
import HummingbirdTesting
import NIOCore
import Testing

/// The Prometheus text exposition format (version 0.0.4), strictly: every sample belongs to a
/// family declared by `# TYPE` before it, names and labels are well formed, values are floats.
struct PrometheusText {
    var types: [String: String] = [:]
    var samples: [(name: String, labels: [String: String], value: Double)] = []

    enum ParseError: Error, CustomStringConvertible {
        case line(Int, String)
        var description: String {
            switch self {
            case .line(let n, let why): "line \(n): \(why)"
            }
        }
    }

    static func isName(_ s: Substring) -> Bool {
        guard let first = s.first, first.isLetter || first == "_" || first == ":" else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
    }

    init(_ text: String) throws {
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            if line.hasPrefix("# HELP ") { continue }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, Self.isName(parts[2]), ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3])
                else {
                    throw ParseError.line(i + 1, "bad TYPE: \(line)")
                }
                types[String(parts[2])] = String(parts[3])
                continue
            }
            guard !line.hasPrefix("#") else { continue }
            var rest = Substring(line)
            let name = rest.prefix { $0 != "{" && $0 != " " }
            guard Self.isName(name) else { throw ParseError.line(i + 1, "bad metric name: \(line)") }
            rest = rest.dropFirst(name.count)
            var labels: [String: String] = [:]
            if rest.first == "{" {
                guard let close = rest.firstIndex(of: "}") else { throw ParseError.line(i + 1, "unclosed labels") }
                for pair in rest[rest.index(after: rest.startIndex)..<close].split(separator: ",") {
                    let kv = pair.split(separator: "=", maxSplits: 1)
                    guard kv.count == 2, Self.isName(kv[0]), kv[1].hasPrefix("\""), kv[1].hasSuffix("\""), kv[1].count >= 2 else {
                        throw ParseError.line(i + 1, "bad label: \(pair)")
                    }
                    labels[String(kv[0])] = String(kv[1].dropFirst().dropLast())
                }
                rest = rest[rest.index(after: close)...]
            }
            let fields = rest.split(separator: " ")
            guard (1...2).contains(fields.count), let value = Double(fields[0]) ?? (fields[0] == "+Inf" ? .infinity : nil) else {
                throw ParseError.line(i + 1, "bad value: \(line)")
            }
            let family = ["_bucket", "_sum", "_count"].reduce(String(name)) { n, suffix in
                n.hasSuffix(suffix) && types[String(n.dropLast(suffix.count))] != nil ? String(n.dropLast(suffix.count)) : n
            }
            guard types[family] != nil else { throw ParseError.line(i + 1, "sample before its TYPE: \(name)") }
            samples.append((String(name), labels, value))
        }
    }

    func value(_ name: String, _ labels: [String: String]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }?.value
    }
}

@Suite("/metrics")
struct MetricsTests {
    @Test("parses as Prometheus text and counts requests, sessions, cases, outbox and refusals")
    func prometheusText() async throws {
        try await withApp(environment: ServiceEnvironment(["TWILIO_AUTH_TOKEN": "t"])) { client, _ in
            var phone = USSDPhone(client)
            _ = try await phone.dial()
            _ = try await phone.answer("3")  // help now: a P1 case and an escalation waiting
            _ = try await client.execute(
                uri: "/webhooks/twilio", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "MessageSid=S&From=%2B84912345678&Body=x"))
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let metrics = try PrometheusText(String(buffer: response.body))
            #expect(metrics.types["hotline_webhook_requests_total"] == "counter")
            #expect(metrics.value("hotline_webhook_requests_total", ["gateway": "at-ussd", "status": "200"]) == 2)
            #expect(metrics.value("hotline_webhook_refused_total", ["gateway": "twilio", "status": "401"]) == 1)
            #expect(metrics.value("hotline_cases", ["priority": "P1"]) == 1)
            #expect(metrics.value("hotline_outbox_depth", ["kind": "escalation"]) == 1)
            #expect(metrics.value("hotline_active_sessions", ["channel": "ussd"]) != nil)
            #expect(metrics.types["hotline_active_sessions"] == "gauge")
        }
    }

    @Test("the parser refuses what Prometheus would")
    func parserIsStrict() {
        #expect(throws: (any Error).self) { try PrometheusText("x_total 1") }  // no TYPE
        #expect(throws: (any Error).self) { try PrometheusText("# TYPE x counter\nx{a=b} 1") }  // unquoted label
        #expect(throws: (any Error).self) { try PrometheusText("# TYPE x counter\nx one") }
        #expect(throws: (any Error).self) { try PrometheusText("# TYPE 1x counter\n1x 1") }
    }
}
