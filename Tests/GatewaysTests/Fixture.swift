import Foundation
import Testing

@testable import Gateways
@testable import HotlineCore

/// Captured payloads under `Fixtures/<kind>/<name>.<ext>`, as requests the adapters read.
enum Fixture {
    static func bytes(_ kind: String, _ file: String) throws -> [UInt8] {
        let name = (file as NSString).deletingPathExtension
        let ext = (file as NSString).pathExtension
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(kind)/\(name)", withExtension: ext))
        return Array(try Data(contentsOf: url))
    }

    static func text(_ kind: String, _ file: String) throws -> String {
        String(decoding: try bytes(kind, file), as: UTF8.self)
    }

    /// `.form` and `.json` are POST bodies, `.query` a GET's query string, `.xml` a POST body.
    static func request(_ kind: String, _ file: String, path: String? = nil, method: String? = nil) throws -> GatewayRequest {
        let body = try bytes(kind, file)
        let path = path ?? "/webhooks/\(kind)"
        switch (file as NSString).pathExtension {
        case "query":
            return GatewayRequest(method: method ?? "GET", path: path, query: String(decoding: body, as: UTF8.self))
        case "json":
            return GatewayRequest(method: method ?? "POST", path: path, headers: ["Content-Type": "application/json"], body: body)
        case "xml":
            return GatewayRequest(method: method ?? "POST", path: path, headers: ["Content-Type": "text/xml; charset=utf-8"], body: body)
        default:
            return GatewayRequest(
                method: method ?? "POST", path: path, headers: ["Content-Type": "application/x-www-form-urlencoded"], body: body)
        }
    }

    static let phone = try! PhoneNumber(parsing: "+84912345678")
}

extension Array where Element == SMSEvent {
    /// The one message these events hold; fails the test otherwise.
    func onlyMessage(sourceLocation: SourceLocation = #_sourceLocation) throws -> InboundSMS {
        guard count == 1, case .message(let sms) = self[0] else {
            Issue.record("expected one message, got \(self)", sourceLocation: sourceLocation)
            throw GatewayError(status: 0, reason: "not one message")
        }
        return sms
    }

    func onlyReport(sourceLocation: SourceLocation = #_sourceLocation) throws -> DeliveryReport {
        guard count == 1, case .deliveryReport(let report) = self[0] else {
            Issue.record("expected one delivery report, got \(self)", sourceLocation: sourceLocation)
            throw GatewayError(status: 0, reason: "not one report")
        }
        return report
    }
}

/// USSD suites read a hit's request with `request(_:)`.
protocol USSDEventReading {}

extension USSDEventReading {
    /// The request a hit carries; fails the test if it ended the session instead.
    func request(_ event: USSDEvent) throws -> USSDRequest {
        guard case .request(let request) = event else { throw GatewayError(status: 0, reason: "not a request: \(event)") }
        return request
    }
}

extension OutboundHTTPRequest {
    var bodyText: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}
