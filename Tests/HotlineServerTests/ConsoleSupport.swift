import Foundation
import HTTPTypes
import HotlineServer
import HummingbirdTesting
import NIOCore
import Testing

/// A browser's view of the console through the real router: it keeps the cookies the
/// console sets and sends `Origin` as a browser does on a form post.
struct ConsoleBrowser {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    /// The bundled `operator_api_url`'s origin, which the console accepts.
    var origin: String? = "http://127.0.0.1:8080"

    init(_ client: any TestClientProtocol) { self.client = client }

    mutating func keep(_ response: TestResponse) {
        for field in response.headers where field.name == .setCookie {
            let pair = field.value.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || field.value.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
    }

    var cookieHeader: String { cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }

    mutating func get(_ path: String, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        if !cookies.isEmpty { headers[.cookie] = cookieHeader }
        let response = try await client.execute(uri: path, method: .get, headers: headers)
        keep(response)
        return response
    }

    mutating func post(_ path: String, form: [String: String]) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let origin { headers[.origin] = origin }
        if !cookies.isEmpty { headers[.cookie] = cookieHeader }
        let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            .joined(separator: "&")
        let response = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
        keep(response)
        return response
    }

    /// The sign-in form's token, from the page just fetched.
    static func hiddenCSRF(_ html: String) -> String? {
        html.firstMatch(of: #/name="_csrf" value="([A-Za-z0-9_-]+)"/#).map { String($0.1) }
    }

    /// Signs in through the form; returns the final response (303 to the queue when it worked).
    mutating func signIn(_ operatorID: String, token: String) async throws -> TestResponse {
        let page = try await get("/console/sign-in")
        let csrf = try #require(Self.hiddenCSRF(String(buffer: page.body)))
        return try await post("/console/sign-in", form: ["_csrf": csrf, "operator": operatorID, "token": token])
    }

    /// The session's CSRF token, as the console's pages carry it.
    mutating func sessionCSRF() async throws -> String {
        let page = try await get("/console/queue")
        return try #require(Self.hiddenCSRF(String(buffer: page.body)))
    }
}

let consoleEnvironment = ServiceEnvironment([
    "HOTLINE_OPERATOR_TOKEN": devToken, "HOTLINE_TOKEN_DUTY_DESK": deskToken, "HOTLINE_TOKEN_SUPERVISOR": supervisorToken,
    "AT_API_KEY": "test-at-key",
])
let supervisorToken = "supervisor-token-for-tests"
