import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import Testing

@testable import HotlineServer
@testable import Storage

@Suite("Console pages and actions, through the real router")
struct ConsolePageTests {
    @Test("the queue shows an urgent case with its number masked, its countdown, and the count needing action in the title")
    func queueShowsUrgentCaseMasked() async throws {
        try await withApp(environment: consoleEnvironment) { client, store in
            let reference = try await openUrgentCase(client, store: store, phone: "+84912345678")
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("duty-desk", token: deskToken)
            let html = String(buffer: try await browser.get("/console/queue").body)
            #expect(html.contains("data-reference=\"\(reference)\""))
            #expect(html.contains("<title>(1) Hàng đợi"))
            // The ladder's first alert goes out at once (no 111 webhook here); the countdown is then
            // to the next tier, once the dispatcher has moved on.
            let reader = browser
            try await eventually("a countdown in the queue") {
                var look = reader
                return String(buffer: try await look.get("/console/queue").body).contains("class=\"countdown")
            }
            #expect(!html.contains("912345678"), "the queue shows no number")
            #expect(!html.split(separator: "</title>")[0].contains(reference), "no reference in the page title")
            let english = try await browser.get("/console/language?to=en&back=/console/queue")
            #expect(english.status == .seeOther && english.headers[.location] == "/console/queue")
            let offsite = try await browser.get("/console/language?to=en&back=//evil.example/")
            #expect(offsite.headers[.location] == "/console/queue", "the switch only sends back to a console page")
            let page = String(buffer: try await browser.get("/console/queue").body)
            #expect(page.contains("Needs action") && page.contains("<title>(1) Queue"))
            let mine = String(buffer: try await browser.get("/console/queue?tab=mine").body)
            #expect(!mine.contains("data-reference=\"\(reference)\""))
        }
    }

    @Test("a console POST without the session's CSRF token, or without Origin, changes nothing")
    func postsNeedCSRFAndOrigin() async throws {
        try await withApp(environment: consoleEnvironment) { client, store in
            let reference = try await openUrgentCase(client, store: store, phone: "+84912345670")
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("duty-desk", token: deskToken)
            let csrf = try await browser.sessionCSRF()
            #expect(try await browser.post("/console/cases/\(reference)/acknowledge", form: [:]).status == .forbidden)
            #expect(try await browser.post("/console/cases/\(reference)/acknowledge", form: ["_csrf": "wrong"]).status == .forbidden)
            browser.origin = nil
            #expect(try await browser.post("/console/cases/\(reference)/acknowledge", form: ["_csrf": csrf]).status == .forbidden)
            #expect(try await summary(store, reference).acknowledgedBy == nil)
            browser.origin = "http://127.0.0.1:8080"
            let done = try await browser.post("/console/cases/\(reference)/acknowledge", form: ["_csrf": csrf])
            #expect(done.status == .seeOther)
            #expect(try await summary(store, reference).acknowledgedBy == "duty-desk")
        }
    }

    @Test("a reply naming harm is held with a confirmation box, and sent once the operator ticks it")
    func sensitiveReplyNeedsConfirmation() async throws {
        try await withApp(environment: consoleEnvironment) { client, store in
            let reference = try await submitReport(client, phone: "+84912345671", contact: "1")
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("duty-desk", token: deskToken)
            let csrf = try await browser.sessionCSRF()
            let text = "Em con bi bao luc khong?"
            let held = try await browser.post("/console/cases/\(reference)/reply", form: ["_csrf": csrf, "text": text])
            #expect(held.status == .unprocessableContent)
            let page = String(buffer: held.body)
            #expect(page.contains("id=\"confirm-sensitive\"") && page.contains(text))
            #expect(!(try await store.auditTrail(reference: reference).contains { $0.action == "reply_sms" }))
            let sent = try await browser.post(
                "/console/cases/\(reference)/reply", form: ["_csrf": csrf, "text": text, "confirm_sensitive": "yes"])
            #expect(sent.status == .seeOther)
            #expect(try await store.auditTrail(reference: reference).contains { $0.action == "reply_sms" && $0.actor == "duty-desk" })
        }
    }

    @Test("the number is shown only after an audited click, and only when the person agreed to contact")
    func numberRevealIsAudited() async throws {
        try await withApp(environment: consoleEnvironment) { client, store in
            let agreed = try await submitReport(client, phone: "+84912345672", contact: "1")
            let refused = try await submitReport(client, phone: "+84912345673", contact: "3")
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("duty-desk", token: deskToken)
            let csrf = try await browser.sessionCSRF()
            #expect(!String(buffer: try await browser.get("/console/cases/\(agreed)").body).contains("+84912345672"))
            let shown = String(buffer: try await browser.post("/console/cases/\(agreed)/number", form: ["_csrf": csrf]).body)
            #expect(shown.contains("+84912345672"))
            #expect(try await store.auditTrail(reference: agreed).contains { $0.action == "show_number" && $0.actor == "duty-desk" })
            let page = String(buffer: try await browser.post("/console/cases/\(refused)/number", form: ["_csrf": csrf]).body)
            #expect(!page.contains("+84912345673") && !page.contains("id=\"show-number\""))
        }
    }

    @Test("resolving needs an outcome from the list; the code is kept apart from the operator's words")
    func resolveNeedsListedOutcome() async throws {
        try await withApp(environment: consoleEnvironment) { client, store in
            let reference = try await openUrgentCase(client, store: store, phone: "+84912345674")
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("duty-desk", token: deskToken)
            let csrf = try await browser.sessionCSRF()
            let bad = try await browser.post("/console/cases/\(reference)/resolve", form: ["_csrf": csrf, "outcome": "made-up"])
            #expect(bad.status == .badRequest)
            let done = try await browser.post(
                "/console/cases/\(reference)/resolve", form: ["_csrf": csrf, "outcome": "referred_police", "note": "Công an xã đã đến"])
            #expect(done.status == .seeOther)
            let detail = try #require(await store.caseDetail(reference: reference, actor: "test", action: "read_case", at: Date()))
            #expect(detail.summary.handling == .resolved && detail.outcomeCode == "referred_police")
            #expect(detail.outcome?.contains("Công an xã") == true)
        }
    }

    @Test("a case claimed by one operator says so to another, who can neither claim nor release it")
    func claimedByAnother() async throws {
        try await withApp(environment: consoleEnvironment) { client, store in
            let reference = try await openUrgentCase(client, store: store, phone: "+84912345675")
            var desk = ConsoleBrowser(client)
            _ = try await desk.signIn("duty-desk", token: deskToken)
            let deskCSRF = try await desk.sessionCSRF()
            #expect(try await desk.post("/console/cases/\(reference)/claim", form: ["_csrf": deskCSRF]).status == .seeOther)
            var other = ConsoleBrowser(client)
            _ = try await other.signIn("supervisor", token: supervisorToken)
            let otherCSRF = try await other.sessionCSRF()
            let page = String(buffer: try await other.get("/console/cases/\(reference)").body)
            #expect(page.contains("id=\"claimed-by-other\"") && page.contains("duty-desk") && !page.contains("id=\"claim\""))
            #expect(try await other.post("/console/cases/\(reference)/claim", form: ["_csrf": otherCSRF]).status == .conflict)
            #expect(try await other.post("/console/cases/\(reference)/release", form: ["_csrf": otherCSRF]).status == .conflict)
            #expect(try await desk.post("/console/cases/\(reference)/release", form: ["_csrf": deskCSRF]).status == .seeOther)
            #expect(try await summary(store, reference).claimedBy == nil)
        }
    }

    @Test("supervisors see the audit trail and the blocklist in the console; operators are refused them")
    func supervisorPages() async throws {
        try await withApp(environment: consoleEnvironment) { client, _ in
            var desk = ConsoleBrowser(client)
            _ = try await desk.signIn("duty-desk", token: deskToken)
            #expect(try await desk.get("/console/audit").status == .forbidden)
            #expect(try await desk.get("/console/blocklist").status == .forbidden)
            #expect(!String(buffer: try await desk.get("/console/queue").body).contains("/console/audit"))
            var supervisor = ConsoleBrowser(client)
            _ = try await supervisor.signIn("supervisor", token: supervisorToken)
            let audit = try await supervisor.get("/console/audit")
            #expect(audit.status == .ok)
            #expect(String(buffer: audit.body).contains("sign_in"))
            #expect(try await supervisor.get("/console/blocklist").status == .ok)
        }
    }

    @Test("the event stream replays what a reconnecting page missed after Last-Event-ID, with no personal data, then follows live")
    func eventStreamReplaysAndFollows() async throws {
        try await withApp(environment: consoleEnvironment, mode: .live) { client, store in
            let port = try #require(client.port)
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("duty-desk", token: deskToken)
            let first = try await openUrgentCase(client, store: store, phone: "+84912345676")
            try await withHTTPClient { http in
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/console/events")
                request.headers.add(name: "Cookie", value: browser.cookieHeader)
                request.headers.add(name: "Last-Event-ID", value: "0")
                let response = try await http.execute(request, timeout: .seconds(60))
                #expect(response.status == .ok)
                #expect(response.headers["Content-Type"].first?.hasPrefix("text/event-stream") == true)
                var text = ""
                var second: String? = nil
                for try await chunk in response.body {
                    text += String(buffer: chunk)
                    if second == nil, text.contains("\"reference\":\"\(first)\"") {
                        second = try await openUrgentCase(client, store: store, phone: "+84912345677")
                    }
                    if let second, text.contains("\"reference\":\"\(second)\"") { break }
                }
                #expect(text.contains("event: case\ndata: {\"id\":1,\"kind\":\"opened\",\"reference\":\"\(first)\"}"))
                #expect(!text.contains("84912345676") && !text.contains("84912345677"))
                let ids = text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) }
                #expect(ids == ids.sorted() && Set(ids).count == ids.count, "ids increase, each once")
            }
        }
    }

    @Test("open event streams end when the service shuts down gracefully, so shutdown is not held up")
    func eventStreamsEndOnShutdown() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try loadConfig(bundledConfigDirectory)
        let keys = try DataKeySource.load(
            environment: ServiceEnvironment([:]), databasePath: folder.appendingPathComponent("h.sqlite").path, logger: .init(label: "k"))
        let store = try SQLiteStore(path: folder.appendingPathComponent("h.sqlite").path, sealer: keys.sealer)
        let listening = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = buildApplication(
            config: config, store: store, listen: ListenOptions(host: "127.0.0.1", port: 0), logger: logger,
            environment: consoleEnvironment, onRunning: { listening.continuation.yield($0) })
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var port = 0
            for await value in listening.stream {
                port = value
                break
            }
            try await withHTTPClient { http in
                // Sign in with the form, as a browser.
                var signIn = HTTPClientRequest(url: "http://127.0.0.1:\(port)/console/sign-in")
                let form = try await http.execute(signIn, timeout: .seconds(30))
                let setCookie = try #require(form.headers["Set-Cookie"].first)
                let body = String(buffer: try await form.body.collect(upTo: 1 << 20))
                let csrf = try #require(ConsoleBrowser.hiddenCSRF(body))
                signIn.method = .POST
                signIn.headers.add(name: "Cookie", value: String(setCookie.split(separator: ";")[0]))
                signIn.headers.add(name: "Origin", value: "http://127.0.0.1:\(port)")
                signIn.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                signIn.body = .bytes(ByteBuffer(string: "_csrf=\(csrf)&operator=duty-desk&token=\(deskToken)"))
                let signedIn = try await http.execute(signIn, timeout: .seconds(30))
                let session = try #require(signedIn.headers["Set-Cookie"].first { $0.hasPrefix("hotline_console=") })
                var events = HTTPClientRequest(url: "http://127.0.0.1:\(port)/console/events")
                events.headers.add(name: "Cookie", value: String(session.split(separator: ";")[0]))
                let stream = try await http.execute(events, timeout: .seconds(120))
                #expect(stream.status == .ok)
                let started = ContinuousClock.now
                await group.triggerGracefulShutdown()
                var received = ""
                for try await chunk in stream.body { received += String(buffer: chunk) }
                #expect(received.contains("retry: 2000"))
                try await tasks.waitForAll()
                let took = ContinuousClock.now - started
                #expect(took < .seconds(20), "shutdown took \(took)")
            }
        }
        try await store.close()
    }
}

func summary(_ store: SQLiteStore, _ reference: String) async throws -> CaseSummary {
    let detail = try await store.caseDetail(reference: reference, actor: "test", action: "read_case", at: Date())
    return try #require(detail?.summary)
}

/// A client that does not follow redirects (the console's 303s are what a test reads), shut
/// down however the body ends.
func withHTTPClient(_ body: (HTTPClient) async throws -> Void) async throws {
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    do {
        try await body(http)
    } catch {
        try await http.shutdown()
        throw error
    }
    try await http.shutdown()
}
