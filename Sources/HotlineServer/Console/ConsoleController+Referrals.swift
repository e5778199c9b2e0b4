import Foundation
import HotlineCore
import Hummingbird
import Storage

/// The referral parts of the console: the operator's referral form and status on a case, and
/// the commune worker's own list and case page (only what the hotline shared).
extension ConsoleController {
    /// The communes a signed-in worker serves; nil for hotline operators.
    func workerCommunes(_ context: HotlineRequestContext) -> Set<String>? {
        guard let session = context.consoleSession, session.role == "commune" else { return nil }
        return tokens.communeWorkers[session.operatorID] ?? []
    }

    /// What `referral-status.mustache` reads.
    func referralValues(_ referral: ReferralRecord?, strings t: [String: String]) -> [String: Any] {
        guard let referral else { return [:] }
        let at = now()
        var block: [String: Any] = [
            "communeName": referrals.commune(referral.communeID)?.name ?? referral.communeID,
            "steps": referral.steps.map { step -> [String: Any] in
                [
                    "step": step.step.rawValue, "label": t["step_\(step.step.rawValue)"] ?? step.step.rawValue,
                    "at": ConsoleView.time(step.at), "actor": step.actor, "note": step.note ?? false,
                ]
            },
            "deadlines": referral.deadlines.map { deadline -> [String: Any] in
                [
                    "step": deadline.step.rawValue, "label": t["step_\(deadline.step.rawValue)"] ?? deadline.step.rawValue,
                    "due": ConsoleView.time(deadline.dueAt), "met": deadline.metAt.map { ConsoleView.time($0) as Any } ?? false,
                    "late": deadline.isLate(at: at),
                ]
            },
        ]
        if let serious = referral.seriousRisk {
            block["assessment"] = serious ? t["serious"] ?? "" : t["not_serious"] ?? ""
            block["serious"] = serious
        }
        return ["referral": block]
    }

    /// The operator's case page: the referral's status, and the form to refer when none is open.
    func operatorReferralValues(_ detail: CaseDetail, strings t: [String: String]) async throws -> [String: Any] {
        let referral = try await store.referral(reference: detail.summary.reference)
        var values = referralValues(referral, strings: t)
        let open = referral.map { $0.closedAt == nil } ?? false
        values["referralOpen"] = open
        if !open, !referrals.communes.isEmpty, detail.summary.handling != .resolved {
            let preferred = referrals.defaultCommune(area: detail.answers["area"] ?? detail.summary.area)?.id
            values["canRefer"] = true
            values["communeOptions"] = referrals.communes.map { commune -> [String: Any] in
                ["id": commune.id, "name": commune.name, "area": commune.area, "selected": commune.id == preferred]
            }
            values["canShareNumber"] = detail.phone != nil
        }
        return values
    }

    /// `/console/queue` for a commune worker: the cases referred to their communes.
    func communeQueue(_ request: Request, context: HotlineRequestContext, communes: Set<String>) async throws -> Response {
        let at = now()
        let since = try await store.lastCaseChangeID()
        let entries = try await store.referrals(communes: communes, at: at)
        try await store.recordAudit(
            actor: context.operatorID ?? "unknown", action: "list_referrals", reference: nil, detail: "console", at: at)
        let t = language(request).strings
        let late = entries.filter(\.overdue).count
        var values = frame(request, context: context, title: t["referrals"] ?? "", count: late)
        values["live"] = true
        values["since"] = since
        let rows = entries.map { entry -> [String: Any] in
            [
                "reference": entry.reference, "priority": entry.priority.rawValue,
                "priorityClass": ConsoleView.priorityClass(entry.priority), "category": entry.category ?? "–",
                "commune": referrals.commune(entry.communeID)?.name ?? entry.communeID, "sent": ConsoleView.time(entry.sentAt),
                "last": t["step_\(entry.lastStep.rawValue)"] ?? entry.lastStep.rawValue,
                "due": entry.nextDue.map { ConsoleView.time($0) as Any } ?? false, "overdue": entry.overdue,
            ]
        }
        values["rows"] = rows
        values["empty"] = rows.isEmpty
        return pages.render("referrals", values)
    }

    /// A referred case as its commune worker sees it; 404 for any case not referred to them.
    func referralPage(
        _ request: Request, context: HotlineRequestContext, reference: String, communes: Set<String>, error: String? = nil,
        status: HTTPResponse.Status = .ok, notice: Bool = false
    ) async throws -> Response {
        let t = language(request).strings
        let actor = context.operatorID ?? "unknown"
        guard let referral = try await store.referral(reference: reference), communes.contains(referral.communeID),
            let detail = try await store.caseDetail(reference: reference, actor: actor, action: "read_referral", at: now())
        else { throw HTTPError(.notFound, message: t["not_found"] ?? "not found") }
        let since = try await store.lastCaseChangeID()
        let shared = Referrals.shared(detail, referral: referral)
        var values = frame(request, context: context, title: "\(t["case"] ?? "") \(reference)")
        values.merge(referralValues(referral, strings: t)) { _, new in new }
        values["live"] = true
        values["since"] = since
        values["reference"] = reference
        values["priority"] = shared.priority.rawValue
        values["priorityClass"] = ConsoleView.priorityClass(shared.priority)
        values["category"] = shared.category ?? "–"
        values["age"] = shared.age ?? "–"
        values["location"] = shared.location ?? "–"
        values["reasons"] = shared.reasons
        if let summary = shared.summary { values["summary"] = summary }
        if let phone = shared.phone { values["phone"] = phone.value }
        if let transcript = shared.transcript {
            values["hasTranscript"] = true
            values["transcript"] = transcript.map { ["at": ConsoleView.time($0.at), "text": $0.text, "inbound": $0.direction == "in"] }
        }
        let taken = referral.taken
        let open = referral.closedAt == nil
        func can(_ step: ReferralStep) -> Bool { open && step.refusal(after: taken, seriousRisk: referral.seriousRisk) == nil }
        values["canAccept"] = can(.accepted)
        values["canAssess"] = can(.assessed)
        values["canMeasures"] = can(.measures) && referral.seriousRisk == true
        values["canPlan"] = can(.plan)
        values["canClose"] = can(.closed)
        if notice { values["notice"] = t["done"] }
        if let error { values["error"] = error }
        return pages.render("referral", values, status: status)
    }

    /// `POST /console/cases/{reference}/referral/{step}`: a worker's step, or a note from either side.
    @Sendable func referralAction(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        let reference = try context.parameters.require("reference")
        let step = try context.parameters.require("step")
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        let communes = workerCommunes(context)
        do {
            try await referrals.record(
                reference, step: step, seriousRisk: form["serious_risk"], note: form["note"], actor: context.operatorID ?? "unknown",
                communes: communes)
        } catch let error as HTTPError where error.status != .notFound {
            if let communes {
                return try await referralPage(
                    request, context: context, reference: reference, communes: communes, error: error.body, status: error.status)
            }
            return try await renderCase(request, context: context, reference: reference, error: error.body, status: error.status)
        }
        return Response(status: .seeOther, headers: [.location: "/console/cases/\(reference)?done=\(step)"])
    }
}
