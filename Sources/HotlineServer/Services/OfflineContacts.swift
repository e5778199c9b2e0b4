import Foundation
import HotlineCore
import Hummingbird
import Storage

/// A call to the provincial line or someone who walked in, recorded by an operator: a case
/// with the same fields as a report, judged by the same triage as a message (the operator's
/// own priority can only raise it), escalated as a submitted report at P2 or above is.
struct OfflineContacts: Sendable {
    let store: any Store
    let triage: Triage?
    let categories: Set<String>
    let referencePrefix: String
    let wake: @Sendable () -> Void
    let now: @Sendable () -> Date

    struct Form: Sendable {
        var channel: String
        var summary: String
        var category: String?
        var age: String?
        var area: String?
        var contact: String?
        var phone: String?
        var priority: String?
        var language: String?
    }

    /// Records the contact; returns its reference. Each refusal is a 400 or 422 saying what to fix.
    func record(_ form: Form, actor: String) async throws -> String {
        guard let channel = CaseChannel(rawValue: form.channel), channel == .phone || channel == .walkIn else {
            throw HTTPError(.badRequest, message: "channel must be phone or walk-in")
        }
        let summary = form.summary.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !summary.isEmpty, summary.count <= 2000 else {
            throw HTTPError(.badRequest, message: "summary must hold 1 to 2000 characters: what the caller said")
        }
        var answers: [String: String] = ["summary": summary]
        if let category = form.category.nonEmpty {
            guard categories.contains(category) else {
                throw HTTPError(.unprocessableContent, message: "category '\(category)' is not one this hotline uses")
            }
            answers["category"] = category
        }
        if let age = form.age.nonEmpty {
            guard let years = Int(age), (0...120).contains(years) else {
                throw HTTPError(.badRequest, message: "age must be a number of years (leave it empty when unknown)")
            }
            answers["age"] = String(years)
        }
        if let area = form.area.nonEmpty { answers["area"] = String(area.prefix(200)) }
        let contact = form.contact.nonEmpty ?? "none"
        guard ["sms", "call", "none"].contains(contact) else {
            throw HTTPError(.badRequest, message: "contact must be sms, call or none")
        }
        answers["contact"] = contact
        var phone: PhoneNumber? = nil
        if let raw = form.phone.nonEmpty {
            do {
                phone = try PhoneNumber(parsing: raw)
            } catch {
                throw HTTPError(.badRequest, message: "phone: \(error)")
            }
        }
        if contact != "none", phone == nil {
            throw HTTPError(.badRequest, message: "a number is needed to \(contact == "sms" ? "text" : "call") the person back")
        }
        var override: Priority? = nil
        if let raw = form.priority.nonEmpty {
            guard let level = Priority(rawValue: raw.uppercased()), level != .none else {
                throw HTTPError(.unprocessableContent, message: "priority '\(raw)' is not one of P1, P2 or P3")
            }
            override = level
        }
        let decision = triage?.judge(text: summary, answers: answers) ?? TriageDecision(priority: .none, category: nil, reasons: [])
        var priority = decision.priority
        var reasons = decision.reasons
        if let override, override > priority {
            priority = override
            reasons.append("\(override.rawValue): set by \(actor) when recording the contact")
        }
        if priority == .none {
            // Someone called or came in about a child: never nothing to act on.
            priority = .p3
            reasons.append("P3: recorded by \(actor)")
        }
        let category = answers["category"] ?? decision.category
        if let category { answers["category"] = category }
        var attempt = 0
        while true {
            attempt += 1
            let reference = CaseReference.random(prefix: referencePrefix)
            do {
                try await store.recordOfflineContact(
                    OfflineContact(
                        reference: reference, channel: channel, priority: priority, category: category, reasons: reasons, answers: answers,
                        language: form.language == "en" ? "en" : "vi", phone: contact == "none" ? nil : phone, actor: actor,
                        escalate: priority >= .p2),
                    at: now())
                if priority >= .p2 { wake() }
                return reference
            } catch StoreError.caseReferenceTaken where attempt < 5 {
                continue
            }
        }
    }
}

extension String? {
    /// The value trimmed, or nil when absent or blank.
    var nonEmpty: String? {
        guard let trimmed = self?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }
}
