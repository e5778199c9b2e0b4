import Foundation
import HotlineCore
import HotlineDispatch
import Hummingbird
import Storage

/// Referring a case to the commune where the child lives (Decree 56/2017, art. 26) and the
/// commune's steps after it. What a commune sees is decided here: category, age, location,
/// triage reasons and the referral's notes; the transcript and the reporter's number only when
/// the operator ticked them, and the number only when the reporter agreed to contact.
struct Referrals: Sendable {
    let store: any Store
    let communes: [Commune]
    let config: ReferralConfig
    let alertsGateway: String?
    let nationalHotline: String
    let wake: @Sendable () -> Void
    let now: @Sendable () -> Date

    /// The commune a case of `area` goes to by default: the first listed for that area.
    func defaultCommune(area: String?) -> Commune? {
        guard let area else { return nil }
        let key = area.folded
        return communes.first { $0.area.folded == key || $0.name.folded == key }
    }

    func commune(_ id: String) -> Commune? { communes.first { $0.id == id } }

    func refer(
        _ reference: String, communeID: String, shareTranscript: Bool, shareNumber: Bool, note: String?, actor: String
    ) async throws {
        guard let commune = commune(communeID) else {
            throw HTTPError(.badRequest, message: "choose a commune from the list (service.yaml's areas name them)")
        }
        guard let detail = try await store.caseDetail(reference: reference, actor: actor, action: "read_case", at: now()) else {
            throw HTTPError(.notFound, message: "no case \(reference)")
        }
        if shareNumber, detail.phone == nil {
            throw HTTPError(
                .unprocessableContent, message: "the reporter did not agree to be contacted: their number is not shared with the commune")
        }
        let text =
            "[\(nationalHotline)] Co ca chuyen den \(commune.name.unaccented): \(reference). Mo trang can bo xa de xem. / A case was referred to you: \(reference)."
        let alerts = commune.workers.compactMap { worker in
            alertsGateway.map { OutboundSMS(gatewayID: $0, to: worker.phone, text: text, purpose: .alert) }
        }
        let trimmed = note?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (trimmed?.count ?? 0) <= 2000 else { throw HTTPError(.badRequest, message: "the note holds at most 2000 characters") }
        do {
            _ = try await store.refer(
                NewReferral(
                    reference: reference, communeID: commune.id, shareTranscript: shareTranscript, shareNumber: shareNumber,
                    note: trimmed?.isEmpty == false ? trimmed : nil, actor: actor, alerts: alerts,
                    deadlines: config.deadlines.onReferral(at: now())),
                at: now())
        } catch OperatorActionError.conflict(let reason) {
            throw HTTPError(.conflict, message: reason)
        } catch OperatorActionError.notFound {
            throw HTTPError(.notFound, message: "no case \(reference)")
        }
        if !alerts.isEmpty { wake() }
    }

    /// A step recorded by a commune worker (or a note by either side). `communes` is nil for a
    /// hotline operator, who may only add notes.
    func record(
        _ reference: String, step raw: String, seriousRisk: String?, note: String?, actor: String, communes allowed: Set<String>?
    ) async throws {
        guard let referral = try await store.referral(reference: reference),
            allowed.map({ $0.contains(referral.communeID) }) ?? true
        else { throw HTTPError(.notFound, message: "no referral for \(reference)") }
        guard let step = ReferralStep(rawValue: raw), step != .sent else { throw HTTPError(.notFound, message: "no step \(raw)") }
        if allowed == nil, step != .note { throw HTTPError(.forbidden, message: "the commune's worker records this step") }
        var serious: Bool? = nil
        if step == .assessed {
            switch seriousRisk {
            case "yes": serious = true
            case "no": serious = false
            default: throw HTTPError(.badRequest, message: "say whether the child's life, health or dignity is seriously at risk")
            }
        }
        if let refusal = step.refusal(after: referral.taken, seriousRisk: referral.seriousRisk) {
            throw HTTPError(.conflict, message: refusal)
        }
        let text = note?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if step == .note, text.isEmpty { throw HTTPError(.badRequest, message: "write the note") }
        guard text.count <= 2000 else { throw HTTPError(.badRequest, message: "the note holds at most 2000 characters") }
        let deadline = serious.flatMap { config.deadlines.onAssessment(seriousRisk: $0, referredAt: referral.sentAt) }
        do {
            try await store.recordReferralStep(
                ReferralStepEntry(
                    reference: reference, step: step, actor: actor, note: text.isEmpty ? nil : text, seriousRisk: serious,
                    deadline: deadline),
                at: now())
        } catch OperatorActionError.conflict(let reason) {
            throw HTTPError(.conflict, message: reason)
        }
        // A deadline already passed (a late assessment) is checked at once.
        if deadline != nil { wake() }
    }

    /// What the commune's worker is shown of a case.
    struct SharedCase: Sendable {
        var reference: String
        var priority: Priority
        var category: String?
        var age: String?
        var location: String?
        var reasons: [String]
        var transcript: [TranscriptLine]?
        var summary: String?
        var phone: PhoneNumber?
    }

    static func shared(_ detail: CaseDetail, referral: ReferralRecord) -> SharedCase {
        SharedCase(
            reference: detail.summary.reference, priority: detail.summary.priority, category: detail.summary.category,
            age: detail.answers["age"], location: detail.answers["location"] ?? detail.answers["area"] ?? detail.summary.area,
            reasons: detail.reasons, transcript: referral.shareTranscript ? detail.transcript : nil,
            summary: referral.shareTranscript ? (detail.answers["summary"] ?? detail.answers["description"]) : nil,
            phone: referral.shareNumber ? detail.phone : nil)
    }
}
