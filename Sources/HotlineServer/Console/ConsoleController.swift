import Foundation
import HTTPTypes
import HotlineCore
import Hummingbird
import Storage

/// `/console`: the operators' web pages. Rendered on the server from the templates in
/// `Resources/templates`; the page's script only follows the live feed and re-fetches.
struct ConsoleController: Sendable {
    let store: any Store
    let actions: CaseActions
    let tokens: OperatorTokens
    let policy: ConsoleSessionPolicy
    let pages: ConsolePages
    let hub: ConsoleEventHub
    let signInLimit: SignInLimit
    let contacts: OfflineContacts
    let referrals: Referrals
    var now: @Sendable () -> Date { actions.now }

    func addRoutes(to router: Router<HotlineRequestContext>) {
        router.get("/console") { _, _ in Response(status: .seeOther, headers: [.location: "/console/queue"]) }
        let open = router.group("/console").add(middleware: ConsoleHeadersMiddleware(pages: pages))
        open.get("assets/{name}") { _, context in
            guard let response = pages.asset(try context.parameters.require("name")) else { throw HTTPError(.notFound) }
            return response
        }
        open.get("language", use: switchLanguage)
        open.get("sign-in", use: signInPage)
        open.post("sign-in", use: signIn)
        let signedIn = router.group("/console").add(middleware: ConsoleHeadersMiddleware(pages: pages))
            .add(middleware: ConsoleSessionMiddleware(store: store, policy: policy, now: actions.now))
        signedIn.post("sign-out", use: signOut)
        signedIn.get("queue", use: queue)
        signedIn.get("events", use: events)
        signedIn.get("cases/{reference}", use: casePage)
        signedIn.post("cases/{reference}/{action}", use: caseAction)
        signedIn.post("cases/{reference}/referral/{step}", use: referralAction)
        signedIn.get("contacts/new", use: contactForm)
        signedIn.post("contacts/new", use: recordContact)
        signedIn.get("audit", use: auditPage)
        signedIn.get("dashboard", use: dashboard)
        signedIn.get("dashboard/report", use: dashboardReport)
        signedIn.get("blocklist", use: blocklistPage)
    }

    // MARK: Page frame

    func language(_ request: Request) -> ConsoleLanguage {
        ConsoleLanguage(cookie: request.cookies[ConsoleSessionPolicy.languageCookie]?.value)
    }

    /// What every page's layout reads.
    func frame(_ request: Request, context: HotlineRequestContext, title: String, count: Int? = nil) -> [String: Any] {
        let language = language(request)
        let t = language.strings
        var values: [String: Any] = [
            "t": t, "lang": language.rawValue, "otherLang": language == .vi ? "en" : "vi",
            "back": request.uri.path, "pageTitle": (count.map { $0 > 0 ? "(\($0)) " : "" } ?? "") + "\(title) · \(t["console"] ?? "")",
        ]
        if let session = context.consoleSession {
            values["signedIn"] = true
            values["operator"] = session.operatorID
            values["csrf"] = session.csrf
            values["supervisor"] = session.role == "supervisor"
            values["commune"] = session.role == "commune"
        }
        return values
    }

    @Sendable func switchLanguage(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        let to = ConsoleLanguage(cookie: request.uri.queryParameters["to"].map(String.init))
        let back = request.uri.queryParameters["back"].map(String.init) ?? "/console/queue"
        // Only back to a console page: a link must not send the browser elsewhere.
        let target = back.hasPrefix("/console/") && !back.contains("//") && !back.contains("\\") ? back : "/console/queue"
        var response = Response(status: .seeOther, headers: [.location: target])
        response.setCookie(
            Cookie(
                name: ConsoleSessionPolicy.languageCookie, value: to.rawValue, maxAge: 365 * 86400, path: "/console", secure: policy.secure,
                httpOnly: true, sameSite: .strict))
        return response
    }

    // MARK: Sign-in

    @Sendable func signInPage(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        signInForm(request, context: context, error: nil, status: .ok)
    }

    /// The sign-in form with a fresh token in a cookie and in the form (double submit):
    /// another site cannot read the cookie, so it cannot post a matching form.
    func signInForm(_ request: Request, context: HotlineRequestContext, error: String?, status: HTTPResponse.Status) -> Response {
        let token = ConsoleSecret.random()
        var values = frame(request, context: context, title: language(request).strings["sign_in"] ?? "")
        values["signInCSRF"] = token
        if let error { values["error"] = error }
        if request.uri.queryParameters["expired"] != nil { values["notice"] = values.string("t", "expired") }
        if request.uri.queryParameters["signed_out"] != nil { values["notice"] = values.string("t", "signed_out") }
        var response = pages.render("sign-in", values, status: status)
        response.setCookie(
            Cookie(
                name: ConsoleSessionPolicy.signInCookie, value: token, maxAge: 3600, path: "/console/sign-in", secure: policy.secure,
                httpOnly: true, sameSite: .strict))
        return response
    }

    @Sendable func signIn(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        try ConsoleRequestCheck.origin(request, policy: policy)
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        guard let sent = form["_csrf"], let expected = request.cookies[ConsoleSessionPolicy.signInCookie]?.value, !expected.isEmpty,
            ConsoleSecret.equal(sent, expected)
        else {
            throw HTTPError(.forbidden, message: "refused: the sign-in form's security token is missing or wrong; reload the page")
        }
        let t = language(request).strings
        let operatorID = (form["operator"] ?? "").trimmingCharacters(in: .whitespaces)
        let address = context.remoteAddress ?? "unknown"
        let at = now()
        let failures = try await store.signInFailures(
            operatorID: operatorID, address: address, since: at.addingTimeInterval(-signInLimit.window))
        if failures.forOperator >= signInLimit.attempts || failures.fromAddress >= signInLimit.attemptsPerAddress {
            let retry = max(1, Int(((failures.oldest ?? at).addingTimeInterval(signInLimit.window)).timeIntervalSince(at).rounded(.up)))
            var response = signInForm(
                request, context: context, error: "\(t["sign_in_limited"] ?? "") \(retry / 60 + 1) min", status: .tooManyRequests)
            response.headers[.retryAfter] = "\(retry)"
            return response
        }
        guard !operatorID.isEmpty, operatorID.count <= 100, let token = form["token"], let found = tokens.operatorID(for: token),
            found == operatorID
        else {
            try await store.recordSignInFailure(operatorID: String(operatorID.prefix(100)), address: address, at: at)
            return signInForm(request, context: context, error: t["sign_in_failed"], status: .unauthorized)
        }
        let value = ConsoleSecret.random()
        try await store.createConsoleSession(
            ConsoleSession(
                idHash: ConsoleSecret.hash(value), operatorID: operatorID,
                role: tokens.role(of: operatorID), csrf: ConsoleSecret.random(), createdAt: at,
                lastSeenAt: at, expiresAt: at.addingTimeInterval(policy.absolute)),
            at: at)
        var response = Response(status: .seeOther, headers: [.location: "/console/queue"])
        response.setCookie(policy.sessionCookie(value))
        response.setCookie(policy.clearedCookie(ConsoleSessionPolicy.signInCookie, path: "/console/sign-in"))
        return response
    }

    @Sendable func signOut(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        if let session = context.consoleSession { try await store.deleteConsoleSession(idHash: session.idHash, at: now()) }
        var response = Response(status: .seeOther, headers: [.location: "/console/sign-in?signed_out=1"])
        response.setCookie(policy.clearedCookie(ConsoleSessionPolicy.cookie))
        // Asks the browser to drop what it kept of the console's pages (the back button).
        response.headers[HTTPField.Name("Clear-Site-Data")!] = "\"cache\""
        return response
    }

    // MARK: Queue

    @Sendable func queue(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        if let communes = workerCommunes(context) { return try await communeQueue(request, context: context, communes: communes) }
        let tab = ConsoleQueue.Tab(rawValue: request.uri.queryParameters["tab"].map(String.init) ?? "") ?? .needsAction
        let actor = context.operatorID ?? "unknown"
        let at = now()
        let since = try await store.lastCaseChangeID()
        let open = try await store.listCases(CaseFilter(excludeResolved: true, limit: 500), actor: actor, at: at)
        let resolved =
            tab == .resolved ? try await store.listCases(CaseFilter(handling: .resolved, limit: 200), actor: actor, at: at) : []
        let queue = ConsoleQueue(open: open, resolved: resolved, me: actor)
        let t = language(request).strings
        var values = frame(request, context: context, title: t["queue"] ?? "", count: queue.needsAction.count)
        values["live"] = true
        values["since"] = since
        values["tabs"] = ConsoleQueue.Tab.allCases.map { candidate -> [String: Any] in
            [
                "id": candidate.rawValue, "label": t[candidate.labelKey] ?? candidate.rawValue, "count": queue.cases(candidate).count,
                "current": candidate == tab,
            ]
        }
        let rows = queue.cases(tab).map { ConsoleView.row($0, now: at, strings: t) }
        values["rows"] = rows
        values["empty"] = rows.isEmpty
        values["tab"] = tab.rawValue
        values["needsCount"] = queue.needsAction.count
        return pages.render("queue", values)
    }

    // MARK: Case

    @Sendable func casePage(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        let reference = try context.parameters.require("reference")
        let done = request.uri.queryParameters["done"].map(String.init)
        if let communes = workerCommunes(context) {
            return try await referralPage(request, context: context, reference: reference, communes: communes, notice: done != nil)
        }
        return try await renderCase(request, context: context, reference: reference, notice: done == nil ? nil : "done")
    }

    func renderCase(
        _ request: Request, context: HotlineRequestContext, reference: String, notice: String? = nil, error: String? = nil,
        status: HTTPResponse.Status = .ok, showNumber: Bool = false, replyDraft: String? = nil, confirmSensitive: Bool = false
    ) async throws -> Response {
        let actor = context.operatorID ?? "unknown"
        let since = try await store.lastCaseChangeID()
        guard let detail = try await store.caseDetail(reference: reference, actor: actor, action: "read_case", at: now()) else {
            let t = language(request).strings
            var values = frame(request, context: context, title: t["not_found"] ?? "")
            values["message"] = t["not_found"]
            return pages.render("message", values, status: .notFound)
        }
        let t = language(request).strings
        var values = frame(request, context: context, title: "\(t["case"] ?? "") \(detail.summary.reference)")
        values.merge(
            ConsoleView.casePage(
                detail, me: actor, now: now(), strings: t, language: language(request), categories: actions.categories.sorted(),
                showNumber: showNumber)
        ) { _, new in new }
        values.merge(try await operatorReferralValues(detail, strings: t)) { _, new in new }
        values["live"] = true
        values["since"] = since
        if notice != nil { values["notice"] = t["done"] }
        if let error { values["error"] = error }
        if let replyDraft { values["replyDraft"] = replyDraft }
        if confirmSensitive { values["confirmSensitive"] = true }
        return pages.render("case", values, status: status)
    }

    @Sendable func caseAction(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        let reference = try context.parameters.require("reference")
        let action = try context.parameters.require("action")
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        let actor = context.operatorID ?? "unknown"
        do {
            switch action {
            case "acknowledge": try await actions.acknowledge(reference, actor: actor, via: "console")
            case "claim": try await actions.claim(reference, actor: actor)
            case "release": try await actions.release(reference, actor: actor)
            case "note": try await actions.addNote(reference, text: form["text"] ?? "", actor: actor)
            case "reply":
                try await actions.reply(
                    reference, text: form["text"] ?? "", allowSensitiveWords: form["confirm_sensitive"] == "yes", actor: actor)
            case "triage":
                let category = form["category"].flatMap { $0.isEmpty ? nil : $0 }
                _ = try await actions.correctTriage(
                    reference, priority: form["priority"], category: category, reason: form["reason"], actor: actor)
            case "resolve":
                let code = form["outcome"] ?? ""
                guard ConsoleStrings.outcomes.contains(where: { $0.code == code }) else {
                    throw HTTPError(.badRequest, message: "choose an outcome from the list")
                }
                let note = (form["note"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                try await actions.resolve(reference, outcome: note.isEmpty ? code : "\(code): \(note)", code: code, actor: actor)
            case "refer":
                try await referrals.refer(
                    reference, communeID: form["commune"] ?? "", shareTranscript: form["share_transcript"] == "yes",
                    shareNumber: form["share_number"] == "yes", note: form["note"], actor: actor)
            case "number":
                try await store.recordAudit(actor: actor, action: "show_number", reference: reference, detail: "console", at: now())
                return try await renderCase(request, context: context, reference: reference, showNumber: true)
            default:
                throw HTTPError(.notFound, message: "no action \(action)")
            }
        } catch let error as HTTPError {
            let sensitive = action == "reply" && error.status == .unprocessableContent
            return try await renderCase(
                request, context: context, reference: reference, error: error.body ?? "\(error.status)", status: error.status,
                replyDraft: action == "reply" ? form["text"] : nil, confirmSensitive: sensitive)
        }
        return Response(status: .seeOther, headers: [.location: "/console/cases/\(reference)?done=\(action)"])
    }

    // MARK: Offline contacts

    @Sendable func contactForm(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        renderContactForm(request, context: context, form: [:])
    }

    func renderContactForm(
        _ request: Request, context: HotlineRequestContext, form: [String: String], error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let t = language(request).strings
        var values = frame(request, context: context, title: t["record_contact"] ?? "")
        values["form"] = form
        values["isWalkIn"] = form["channel"] == "walk-in"
        values["categories"] = actions.categories.sorted().map { ["value": $0, "selected": $0 == (form["category"] ?? "")] }
        values["contacts"] = ["none", "sms", "call"].map { ["value": $0, "selected": $0 == (form["contact"] ?? "none")] }
        values["priorities"] = ["P1", "P2", "P3"].map { ["value": $0, "selected": $0 == (form["priority"] ?? "")] }
        if let error { values["error"] = error }
        return pages.render("contact", values, status: status)
    }

    @Sendable func recordContact(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        do {
            let reference = try await contacts.record(
                OfflineContacts.Form(
                    channel: form["channel"] ?? "", summary: form["summary"] ?? "", category: form["category"], age: form["age"],
                    area: form["area"], contact: form["contact"], phone: form["phone"], priority: form["priority"],
                    language: language(request).rawValue),
                actor: context.operatorID ?? "unknown")
            return Response(status: .seeOther, headers: [.location: "/console/cases/\(reference)?done=recorded"])
        } catch let error as HTTPError {
            var kept = form.fields
            kept["_csrf"] = nil
            return renderContactForm(request, context: context, form: kept, error: error.body, status: error.status)
        }
    }

    // MARK: Supervisors

    @Sendable func auditPage(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        guard context.isSupervisor else { return forbidden(request, context: context) }
        let actor = context.operatorID ?? "unknown"
        let reference = request.uri.queryParameters["case"].map(String.init)
        try await store.recordAudit(actor: actor, action: "read_audit", reference: reference, detail: "console", at: now())
        let entries = try await store.auditTrail(reference: reference).suffix(500).reversed()
        let t = language(request).strings
        var values = frame(request, context: context, title: t["audit"] ?? "")
        values["entries"] = entries.map { entry -> [String: Any] in
            [
                "at": ConsoleView.time(entry.at), "actor": entry.actor, "action": entry.action, "reference": entry.caseReference ?? "",
                "detail": entry.detail,
            ]
        }
        values["filter"] = reference ?? ""
        return pages.render("audit", values)
    }

    @Sendable func blocklistPage(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        guard context.isSupervisor else { return forbidden(request, context: context) }
        let entries = try await store.blocklist(actor: context.operatorID ?? "unknown", at: now())
        let t = language(request).strings
        var values = frame(request, context: context, title: t["blocklist"] ?? "")
        values["entries"] = entries.map { entry -> [String: Any] in
            ["id": entry.id, "phone": entry.phone, "reason": entry.reason, "by": entry.addedBy, "at": ConsoleView.time(entry.addedAt)]
        }
        return pages.render("blocklist", values)
    }

    func forbidden(_ request: Request, context: HotlineRequestContext) -> Response {
        let t = language(request).strings
        var values = frame(request, context: context, title: t["forbidden"] ?? "")
        values["message"] = t["forbidden"]
        return pages.render("message", values, status: .forbidden)
    }
}

/// Failed sign-ins allowed per operator id and per address within the window. An address gets
/// more: a whole shift may sign in from behind one office router.
struct SignInLimit: Sendable {
    var attempts = 5
    var attemptsPerAddress = 20
    var window: TimeInterval = 15 * 60
}

extension [String: Any] {
    /// `self[table][key]` for the strings table.
    func string(_ table: String, _ key: String) -> String? { (self[table] as? [String: String])?[key] }
}
