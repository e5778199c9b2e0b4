import Foundation
import HTTPTypes
import HotlineServer
import HummingbirdTesting
import NIOCore
import Storage
import Testing

let testSecret = "test-escalation-secret"
let devToken = "dev-token-for-tests"
let deskToken = "duty-desk-token-for-tests"

/// A copy of the bundled config whose Africa's Talking send API is the local receiver, with
/// short retry delays and acknowledgement deadline so a test sees the ladder in seconds.
func escalationTestConfig(smsURL: String, acknowledgeWithin seconds: Double = 300, maxAttempts: Int = 20) throws -> String {
    let directory = try copyOfBundledConfig()
    let sms = directory.appendingPathComponent("gateways/at-sms.yaml")
    try String(contentsOf: sms, encoding: .utf8)
        .replacingOccurrences(of: "https://api.africastalking.com/version1/messaging", with: smsURL)
        .write(to: sms, atomically: true, encoding: .utf8)
    let escalation = directory.appendingPathComponent("escalation.yaml")
    try String(contentsOf: escalation, encoding: .utf8)
        .replacingOccurrences(of: "first_delay_seconds: 2", with: "first_delay_seconds: 0.05")
        .replacingOccurrences(of: "max_delay_seconds: 300", with: "max_delay_seconds: 0.2")
        .replacingOccurrences(of: "max_attempts: 20", with: "max_attempts: \(maxAttempts)")
        .replacingOccurrences(of: "P1: 300", with: "P1: \(seconds)")
        // A closed port makes AsyncHTTPClient retry the connection until this deadline.
        .replacingOccurrences(of: "timeout_seconds: 10", with: "timeout_seconds: 1")
        .write(to: escalation, atomically: true, encoding: .utf8)
    return directory.path
}

func escalationEnvironment(webhookURL: String) -> ServiceEnvironment {
    ServiceEnvironment([
        "HOTLINE_ESCALATION_URL": webhookURL, "HOTLINE_ESCALATION_SECRET": testSecret, "AT_API_KEY": "test-at-key",
        "HOTLINE_OPERATOR_TOKEN": devToken, "HOTLINE_TOKEN_DUTY_DESK": deskToken,
    ])
}

/// Dials and chooses "help now": the case is P1 and escalated at once. Returns its reference.
func openUrgentCase(_ client: any TestClientProtocol, store: SQLiteStore, phone number: String) async throws -> String {
    var phone = USSDPhone(client)
    phone.phone = number
    _ = try await phone.dial()
    _ = try await phone.answer("3")
    let rows = try await store.outbox(kind: "escalation")
    return try #require(rows.last?.caseReference)
}

/// A USSD report that reaches its confirmation with the given contact choice
/// (1 SMS, 2 call, 3 no contact). Returns the case reference.
func submitReport(_ client: any TestClientProtocol, phone number: String, contact: String) async throws -> String {
    var phone = USSDPhone(client)
    phone.phone = number
    _ = try await phone.dial()
    for answer in ["1", "2", "1", "2", "Cam Pha", "12", contact] { _ = try await phone.answer(answer) }
    if contact != "3" { _ = try await phone.answer("3") }  // in the evening
    let end = try await phone.answer("#")
    let match = try #require(end.firstMatch(of: #/Ma so: (QN-[346789A-Y]{6})/#))
    return String(match.1)
}

/// A request to the operator API with a bearer token and an optional JSON body.
func api(
    _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, token: String? = devToken, json: String? = nil
) async throws -> TestResponse {
    var headers: HTTPFields = [:]
    if let token { headers[.authorization] = "Bearer \(token)" }
    if json != nil { headers[.contentType] = "application/json" }
    return try await client.execute(
        uri: "/api/v1\(path)", method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
}

func jsonObject(_ response: TestResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
}
