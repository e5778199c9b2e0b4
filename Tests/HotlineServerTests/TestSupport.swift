import Foundation
import HTTPTypes
import HotlineServer
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Storage
import Testing

/// The repository's own `gateway-config/`, as shipped.
let bundledConfigDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("gateway-config").path

/// The bundled configuration, loaded once for the whole run: loading it (the learned
/// model above all) takes more than a second in a debug build, and most tests start an app on it.
let bundledConfig = Result { try ConfigLoader.load(directory: bundledConfigDirectory) }

/// The configuration in `directory`: the shared bundled one, or a fresh load of a test's copy.
func loadConfig(_ directory: String) throws -> HotlineConfig {
    directory == bundledConfigDirectory ? try bundledConfig.get() : try ConfigLoader.load(directory: directory)
}

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
/// The environment is empty unless a test passes one: the machine's own variables never leak
/// into a test.
func withApp(
    config directory: String = bundledConfigDirectory, databaseFolder: URL? = nil,
    environment: ServiceEnvironment = ServiceEnvironment([:]), mode: TestingSetup = .router, logger: Logger? = nil,
    _ body: @Sendable (any TestClientProtocol, SQLiteStore) async throws -> Void
) async throws {
    let folder = try databaseFolder ?? makeTemporaryDirectory()
    defer { if databaseFolder == nil { try? FileManager.default.removeItem(at: folder) } }
    let config = try loadConfig(directory)
    var logger = logger ?? Logger(label: "test")
    if logger.label == "test" { logger.logLevel = .warning }
    // Encrypted as in production: the key file beside the database, so a restart reopens it.
    let databasePath = folder.appendingPathComponent("hotline.sqlite").path
    let keys = try DataKeySource.load(environment: ServiceEnvironment([:]), databasePath: databasePath, logger: Logger(label: "keys"))
    let store = try SQLiteStore(path: databasePath, sealer: keys.sealer, acknowledgement: acknowledgementPolicy(config.escalation))
    let app = buildApplication(
        config: config, store: store, listen: ListenOptions(host: "127.0.0.1", port: 0), logger: logger, environment: environment)
    try await app.test(mode) { client in try await body(client, store) }
    try await store.close()
}

/// Waits until `condition` holds, polling; fails the test after `timeout` seconds.
/// Generous because CI runs ~250 tests in parallel on 2 cores in a debug build (one SMS turn
/// took over 10 s there once); a passing wait returns as soon as its condition holds.
func eventually(
    timeout: Double = 30, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: @Sendable () async throws -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out after \(timeout) s waiting for: \(what)", sourceLocation: sourceLocation)
    throw TimedOut(what: what)
}

struct TimedOut: Error {
    var what: String
}

/// Incoming SMS from one phone through the `at-sms` gateway, each with a fresh message id.
struct SMSPhone {
    var client: any TestClientProtocol
    var phone = "+84912345678"
    var gateway = "at-sms"
    var counter = 0

    init(_ client: any TestClientProtocol, phone: String = "+84912345678") {
        self.client = client
        self.phone = phone
    }

    /// Sends `text` (with `messageID`, or a new one) and returns the HTTP status.
    @discardableResult
    mutating func send(_ text: String, messageID: String? = nil) async throws -> TestResponse {
        counter += 1
        let id = messageID ?? "ATXid_\(UUID().uuidString.prefix(8))_\(counter)"
        var form = URLComponents()
        form.queryItems = [
            URLQueryItem(name: "linkId", value: "SampleLinkId123"), URLQueryItem(name: "text", value: text),
            URLQueryItem(name: "to", value: "18001769"), URLQueryItem(name: "id", value: id),
            URLQueryItem(name: "date", value: "2026-11-29 06:04:45"), URLQueryItem(name: "from", value: phone),
        ]
        let body = form.percentEncodedQuery!.replacingOccurrences(of: "+", with: "%2B")
        return try await client.execute(
            uri: "/webhooks/\(gateway)", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body))
    }
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

/// A copy of the bundled config with every gateway's `auth:` section removed, for tests of
/// parsing and conversations (authenticity has its own tests, with the secrets set).
func bundledConfigWithoutAuth() throws -> URL {
    let directory = try copyOfBundledConfig()
    let gateways = directory.appendingPathComponent("gateways")
    for file in try FileManager.default.contentsOfDirectory(atPath: gateways.path) where file.hasSuffix(".yaml") {
        let url = gateways.appendingPathComponent(file)
        var kept: [Substring] = []
        var inAuth = false
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("auth:") {
                inAuth = true
                continue
            }
            if inAuth && (line.hasPrefix(" ") || line.isEmpty) { continue }
            inAuth = false
            kept.append(line)
        }
        try kept.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    }
    return directory
}
