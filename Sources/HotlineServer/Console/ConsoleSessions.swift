import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// How long a console session lives, and the cookies it travels in.
struct ConsoleSessionPolicy: Sendable {
    /// Signed out after this long without a page the operator asked for (live updates do not count).
    var idle: TimeInterval = 20 * 60
    /// Signed out this long after signing in, whatever the activity.
    var absolute: TimeInterval = 12 * 3600
    /// `last_seen_at` is written at most this often, so browsing is not a write per page.
    var touchEvery: TimeInterval = 60
    /// Cookies marked `Secure` (the console is reached over https).
    var secure: Bool
    /// Origins a state-changing request may come from besides the request's own host.
    var allowedOrigins: Set<String>

    static let cookie = "hotline_console"
    static let signInCookie = "hotline_sign_in"
    static let languageCookie = "hotline_lang"

    init(operatorAPIURL: String) {
        secure = operatorAPIURL.lowercased().hasPrefix("https://")
        allowedOrigins = Set([Self.origin(of: operatorAPIURL)].compactMap { $0 })
    }

    /// `scheme://host[:port]` of a URL, as browsers send it in `Origin`.
    static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return nil }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")".lowercased()
    }

    func isExpired(_ session: ConsoleSession, now: Date) -> Bool {
        now >= session.expiresAt || now.timeIntervalSince(session.lastSeenAt) > idle
    }

    func sessionCookie(_ value: String) -> Cookie {
        Cookie(
            name: Self.cookie, value: value, maxAge: Int(absolute), path: "/console", secure: secure, httpOnly: true, sameSite: .strict)
    }

    func clearedCookie(_ name: String, path: String = "/console") -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: path, secure: secure, httpOnly: true, sameSite: .strict)
    }
}

/// Random values for session ids and CSRF tokens, and the hash a session id is stored as.
enum ConsoleSecret {
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ value: String) -> String {
        SHA256.hash(data: Data(value.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares in time that does not depend on where the strings differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(SHA256.hash(data: Data(a.utf8)))
        let y = Array(SHA256.hash(data: Data(b.utf8)))
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}

/// Every `/console` response: not stored by the browser or a proxy, not framed, referrers only
/// to this site (browsers then send `Origin` on our own forms),
/// and scripts and styles only from this service.
struct ConsoleHeadersMiddleware: RouterMiddleware {
    typealias Context = HotlineRequestContext
    let pages: ConsolePages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            // Errors are pages too: the same headers, and a body a person can read.
            let language = ConsoleLanguage(cookie: request.cookies[ConsoleSessionPolicy.languageCookie]?.value)
            let t = language.strings
            response = pages.render(
                "message",
                [
                    "t": t, "lang": language.rawValue, "otherLang": language == .vi ? "en" : "vi", "back": "/console/queue",
                    "pageTitle": "\(error.status.code) · \(t["console"] ?? "")", "message": error.body ?? error.status.reasonPhrase,
                ], status: error.status)
            for field in error.headers { response.headers.append(field) }
        }
        if !request.uri.path.hasPrefix("/console/assets/") { response.headers[.cacheControl] = "no-store" }
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return response
    }
}

/// Finds the signed-in operator from the session cookie, and refuses a state-changing request
/// that does not come from this site or lacks the session's CSRF token.
struct ConsoleSessionMiddleware: RouterMiddleware {
    typealias Context = HotlineRequestContext
    let store: any Store
    let policy: ConsoleSessionPolicy
    let now: @Sendable () -> Date

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let background = request.headers[ConsoleHeaders.background] != nil || request.uri.path == "/console/events"
        guard let value = request.cookies[ConsoleSessionPolicy.cookie]?.value, !value.isEmpty,
            let session = try await store.consoleSession(idHash: ConsoleSecret.hash(value))
        else { return signedOut(request, background: background, why: "not signed in") }
        let now = now()
        if policy.isExpired(session, now: now) {
            try await store.deleteConsoleSession(idHash: session.idHash, at: now)
            var response = signedOut(request, background: background, why: "session expired")
            response.setCookie(policy.clearedCookie(ConsoleSessionPolicy.cookie))
            return response
        }
        if request.method != .get && request.method != .head {
            try ConsoleRequestCheck.origin(request, policy: policy)
            var request = request
            let sent = try await ConsoleRequestCheck.csrfToken(&request, context: context)
            guard let sent, ConsoleSecret.equal(sent, session.csrf) else {
                throw HTTPError(
                    .forbidden, message: "refused: the form's security token is missing or wrong; reload the page and try again")
            }
            return try await proceed(request, context: context, session: session, background: background, now: now, next: next)
        }
        return try await proceed(request, context: context, session: session, background: background, now: now, next: next)
    }

    private func proceed(
        _ request: Request, context: Context, session: ConsoleSession, background: Bool, now: Date,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if !background, now.timeIntervalSince(session.lastSeenAt) >= policy.touchEvery {
            try await store.touchConsoleSession(idHash: session.idHash, at: now)
        }
        // A commune worker reaches only the pages made for them; anything else does not exist.
        if session.role == "commune", !Self.openToCommuneWorkers(request.uri.path) { throw HTTPError(.notFound) }
        var context = context
        context.operatorID = session.operatorID
        context.isSupervisor = session.role == "supervisor"
        context.consoleSession = session
        return try await next(request, context)
    }

    /// The queue (their referrals), a referred case's shared page and its referral steps, the
    /// live feed, and signing out. Each handler checks the case was referred to them.
    static func openToCommuneWorkers(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        switch parts.count {
        case 2: return ["queue", "events", "sign-out"].contains(parts[1])
        case 3: return parts[1] == "cases"
        case 5: return parts[1] == "cases" && parts[3] == "referral"
        default: return false
        }
    }

    private func signedOut(_ request: Request, background: Bool, why: String) -> Response {
        if background || request.method != .get {
            return Response(
                status: .unauthorized, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "\(why): sign in at /console/sign-in\n")))
        }
        return Response(status: .seeOther, headers: [.location: "/console/sign-in?expired=1"])
    }
}

enum ConsoleHeaders {
    /// Sent by the page's own script on the fetches it makes by itself (live refreshes), which
    /// do not keep an idle session alive.
    static let background = HTTPField.Name("X-Console-Background")!
    static let csrf = HTTPField.Name("X-CSRF-Token")!
}

/// The two checks every state-changing console request passes.
enum ConsoleRequestCheck {
    /// The request must say it comes from this site: its `Origin` is this host, or one the
    /// configuration names. A request without `Origin` is refused (browsers send it on POST).
    static func origin(_ request: Request, policy: ConsoleSessionPolicy) throws {
        guard let origin = request.headers[.origin]?.lowercased(), origin != "null" else {
            throw HTTPError(.forbidden, message: "refused: a console form must come from the console's own page (no Origin header)")
        }
        let host = (request.head.authority ?? "").lowercased()
        let own = ["http://\(host)", "https://\(host)"]
        guard own.contains(origin) || policy.allowedOrigins.contains(origin) else {
            throw HTTPError(.forbidden, message: "refused: the request comes from another site (\(origin))")
        }
    }

    /// The CSRF token from the `X-CSRF-Token` header or the form's `_csrf` field; the body is
    /// collected so the route can read the form after.
    static func csrfToken(_ request: inout Request, context: HotlineRequestContext) async throws -> String? {
        if let header = request.headers[ConsoleHeaders.csrf] { return header }
        let form = try await ConsoleForm.read(&request, context: context)
        return form["_csrf"]
    }
}

/// A URL-encoded form body, read once and kept on the request.
struct ConsoleForm: Sendable {
    var fields: [String: String]

    subscript(name: String) -> String? { fields[name] }

    static func read(_ request: inout Request, context: HotlineRequestContext) async throws -> ConsoleForm {
        let buffer = try await request.collectBody(upTo: HTTPLimits.maxBodyBytes)
        let body = String(buffer: buffer)
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            if fields[key] == nil { fields[key] = value }
        }
        return ConsoleForm(fields: fields)
    }

    private static func decode(_ part: Substring) -> String {
        String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }
}
