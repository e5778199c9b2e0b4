import Foundation
import HTTPTypes
import HotlineServer
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Storage

/// The repository's own `gateway-config/`, as shipped.
let bundledConfigDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("gateway-config").path

/// A fresh folder under the system temp directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("hotline-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A copy of the bundled config that a test may break.
func copyOfBundledConfig() throws -> URL {
    let target = try makeTemporaryDirectory().appendingPathComponent("gateway-config")
    try FileManager.default.copyItem(atPath: bundledConfigDirectory, toPath: target.path)
    return target
}

/// The real application on a real SQLite file in a temp folder; `body` gets the client and
/// the store (to look at what was committed).
func withApp(
    config directory: String = bundledConfigDirectory, databaseFolder: URL? = nil,
    _ body: @Sendable (any TestClientProtocol, SQLiteStore) async throws -> Void
) async throws {
    let folder = try databaseFolder ?? makeTemporaryDirectory()
    defer { if databaseFolder == nil { try? FileManager.default.removeItem(at: folder) } }
    let config = try ConfigLoader.load(directory: directory)
    let store = try SQLiteStore(path: folder.appendingPathComponent("hotline.sqlite").path)
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    let app = buildApplication(config: config, store: store, listen: ListenOptions(host: "127.0.0.1", port: 0), logger: logger)
    try await app.test(.router) { client in try await body(client, store) }
    try await store.close()
}

/// Africa's Talking USSD hits for one session, each carrying the cumulative text.
struct USSDPhone {
    var client: any TestClientProtocol
    var sessionID = "ATUid_\(UUID().uuidString.prefix(12))"
    var phone = "+84912345678"
    var answers: [String] = []
    var gateway = "at-ussd"

    init(_ client: any TestClientProtocol) { self.client = client }

    func post(text: String) async throws -> TestResponse {
        var form = URLComponents()
        form.queryItems = [
            URLQueryItem(name: "sessionId", value: sessionID), URLQueryItem(name: "serviceCode", value: "*384*1769#"),
            URLQueryItem(name: "phoneNumber", value: phone), URLQueryItem(name: "networkCode", value: "45204"),
            URLQueryItem(name: "text", value: text),
        ]
        // URLComponents leaves + and * unescaped; a real gateway escapes +.
        let body = form.percentEncodedQuery!.replacingOccurrences(of: "+", with: "%2B")
        return try await client.execute(
            uri: "/webhooks/\(gateway)", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body))
    }

    /// Dials (no answer yet) and returns the screen.
    mutating func dial() async throws -> String {
        answers = []
        return try await screen(post(text: ""))
    }

    /// Sends one more answer and returns the screen.
    mutating func answer(_ input: String) async throws -> String {
        answers.append(input)
        return try await screen(post(text: answers.joined(separator: "*")))
    }

    private func screen(_ response: TestResponse) throws -> String {
        guard response.status == .ok else { throw USSDFailure(status: response.status.code, body: String(buffer: response.body)) }
        return String(buffer: response.body)
    }
}

struct USSDFailure: Error {
    var status: Int
    var body: String
}
