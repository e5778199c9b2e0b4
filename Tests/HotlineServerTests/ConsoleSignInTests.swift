import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import HotlineServer
@testable import Storage

@Suite("Console sign-in and sessions, through the real router")
struct ConsoleSignInTests {
    @Test("signing in exchanges the token for an HttpOnly, SameSite=Strict cookie whose id is stored only hashed")
    func signInMakesHashedSession() async throws {
        try await withApp(environment: consoleEnvironment) { client, store in
            var browser = ConsoleBrowser(client)
            let response = try await browser.signIn("duty-desk", token: deskToken)
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/console/queue")
            let cookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("hotline_console=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/console"))
            #expect(!cookie.contains("Secure"), "the bundled operator_api_url is http")
            let value = try #require(browser.cookies["hotline_console"])
            let stored = try #require(await store.consoleSession(idHash: sha256Hex(value)))
            #expect(stored.operatorID == "duty-desk" && stored.role == "operator")
            #expect(stored.expiresAt.timeIntervalSince(stored.createdAt) == 12 * 3600)
            #expect(try await store.consoleSession(idHash: value) == nil, "the raw id is not what is stored")
            let queue = try await browser.get("/console/queue")
            #expect(queue.status == .ok)
            #expect(queue.headers[.cacheControl] == "no-store")
            #expect(String(buffer: queue.body).contains("duty-desk"))
            #expect(try await store.auditTrail(reference: nil).contains { $0.action == "sign_in" && $0.actor == "duty-desk" })
        }
    }

    @Test("a sign-in without the form's token, or from another site, is refused and makes no session")
    func signInNeedsFormTokenAndOrigin() async throws {
        try await withApp(environment: consoleEnvironment) { client, store in
            var forged = ConsoleBrowser(client)
            let noToken = try await forged.post("/console/sign-in", form: ["operator": "duty-desk", "token": deskToken])
            #expect(noToken.status == .forbidden)
            var foreign = ConsoleBrowser(client)
            foreign.origin = "https://evil.example"
            let page = try await foreign.get("/console/sign-in")
            let csrf = try #require(ConsoleBrowser.hiddenCSRF(String(buffer: page.body)))
            let crossSite = try await foreign.post("/console/sign-in", form: ["_csrf": csrf, "operator": "duty-desk", "token": deskToken])
            #expect(crossSite.status == .forbidden)
            #expect(String(buffer: crossSite.body).contains("another site"))
            #expect(foreign.cookies["hotline_console"] == nil && forged.cookies["hotline_console"] == nil)
        }
    }

    @Test("five failed sign-ins for one operator are audited, then the sixth try is 429 with Retry-After, even with the right token")
    func failedSignInsAreLimited() async throws {
        try await withApp(environment: consoleEnvironment) { client, store in
            var browser = ConsoleBrowser(client)
            for attempt in 1...5 {
                let wrong = try await browser.signIn("duty-desk", token: "guess-\(attempt)")
                #expect(wrong.status == .unauthorized)
                #expect(String(buffer: wrong.body).contains("không đúng"))
            }
            let limited = try await browser.signIn("duty-desk", token: deskToken)
            #expect(limited.status == .tooManyRequests)
            let retry = try #require(limited.headers[.retryAfter].flatMap(Int.init))
            #expect(retry > 0 && retry <= 15 * 60)
            #expect(browser.cookies["hotline_console"] == nil)
            let failures = try await store.auditTrail(reference: nil).filter { $0.action == "sign_in_failed" }
            #expect(failures.count == 5)
            #expect(
                failures.allSatisfy { $0.detail.contains("duty-desk") && !$0.detail.contains("guess") }, "the guessed token is never kept")
            // A colleague behind the same address (one office, one NAT) still signs in.
            var colleague = ConsoleBrowser(client)
            #expect(try await colleague.signIn("supervisor", token: supervisorToken).status == .seeOther)
        }
    }

    @Test("a session idle for more than 20 minutes, or past its 12 hours, signs the operator out")
    func sessionsExpire() async throws {
        try await withApp(environment: consoleEnvironment) { client, store in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("duty-desk", token: deskToken)
            let hash = sha256Hex(try #require(browser.cookies["hotline_console"]))
            try await store.execute("UPDATE console_sessions SET last_seen_at = ?", Date().addingTimeInterval(-21 * 60))
            let idle = try await browser.get("/console/queue")
            #expect(idle.status == .seeOther)
            #expect(idle.headers[.location]?.hasPrefix("/console/sign-in") == true)
            #expect(try await store.consoleSession(idHash: hash) == nil, "the idle session is deleted")

            _ = try await browser.signIn("duty-desk", token: deskToken)
            try await store.execute("UPDATE console_sessions SET expires_at = ?", Date().addingTimeInterval(-1))
            #expect(try await browser.get("/console/queue").status == .seeOther)
            // Live updates and background refreshes do not keep a session alive.
            _ = try await browser.signIn("duty-desk", token: deskToken)
            let cookie = try #require(browser.cookies["hotline_console"])
            let before = try #require(await store.consoleSession(idHash: sha256Hex(cookie)))
            try await store.execute("UPDATE console_sessions SET last_seen_at = ?", Date().addingTimeInterval(-5 * 60))
            _ = try await browser.get("/console/queue", headers: [HTTPField.Name("X-Console-Background")!: "1"])
            let after = try #require(await store.consoleSession(idHash: before.idHash))
            #expect(Date().timeIntervalSince(after.lastSeenAt) > 4 * 60)
            _ = try await browser.get("/console/queue")
            let touched = try #require(await store.consoleSession(idHash: before.idHash))
            #expect(Date().timeIntervalSince(touched.lastSeenAt) < 60)
        }
    }

    @Test("signing out deletes the session; the old cookie opens nothing")
    func signOut() async throws {
        try await withApp(environment: consoleEnvironment) { client, store in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("duty-desk", token: deskToken)
            let stolen = try #require(browser.cookies["hotline_console"])
            let csrf = try await browser.sessionCSRF()
            let out = try await browser.post("/console/sign-out", form: ["_csrf": csrf])
            #expect(out.status == .seeOther)
            #expect(browser.cookies["hotline_console"] == nil)
            #expect(try await store.consoleSession(idHash: sha256Hex(stolen)) == nil)
            browser.cookies["hotline_console"] = stolen
            #expect(try await browser.get("/console/queue").status == .seeOther)
        }
    }
}

func sha256Hex(_ value: String) -> String { ConsoleSecret.hash(value) }

extension SQLiteStore {
    /// For tests that move a session's clock: one statement, one date.
    func execute(_ sql: String, _ date: Date) async throws {
        try await pool.write { db in try db.execute(sql: sql, arguments: [date]) }
    }
}
