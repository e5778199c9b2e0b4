import Foundation
import HotlineCore
import Storage

/// Turns cases into the values the templates show. Numbers stay masked unless the page asks
/// for the number after the operator's audited click.
enum ConsoleView {
    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    static func age(_ seconds: TimeInterval) -> String {
        let minutes = Int(max(0, seconds) / 60)
        if minutes < 60 { return "\(minutes) min" }
        if minutes < 48 * 60 { return "\(minutes / 60) h \(minutes % 60) min" }
        return "\(minutes / 1440) d"
    }

    static func priorityClass(_ priority: Priority) -> String { priority == .none ? "none" : priority.rawValue.lowercased() }

    static func row(_ summary: CaseSummary, now: Date, strings t: [String: String]) -> [String: Any] {
        var row: [String: Any] = [
            "reference": summary.reference, "priority": summary.priority == .none ? "–" : summary.priority.rawValue,
            "priorityClass": priorityClass(summary.priority), "category": summary.category ?? "–", "area": summary.area ?? "–",
            "channel": summary.channel.rawValue, "age": age(now.timeIntervalSince(summary.createdAt)), "createdAt": iso(summary.createdAt),
            "handling": summary.handling.rawValue, "assignee": summary.claimedBy ?? "–", "failed": summary.escalationFailed,
        ]
        if let due = summary.acknowledgeBy, summary.handling == .new {
            row["due"] = iso(due)
            row["overdue"] = due <= now
            row["dueText"] = due <= now ? "\(t["overdue"] ?? "") \(age(now.timeIntervalSince(due)))" : age(due.timeIntervalSince(now))
        }
        return row
    }

    static func casePage(
        _ detail: CaseDetail, me: String, now: Date, strings t: [String: String], language: ConsoleLanguage, categories: [String],
        showNumber: Bool
    ) -> [String: Any] {
        let summary = detail.summary
        let resolved = summary.handling == .resolved
        var values: [String: Any] = row(summary, now: now, strings: t)
        values["acknowledgedBy"] = summary.acknowledgedBy ?? "–"
        values["opened"] = time(summary.createdAt)
        values["language"] = detail.language
        values["reasons"] = detail.reasons
        values["answers"] = detail.answers.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] }
        values["transcript"] = detail.transcript.map { line -> [String: Any] in
            [
                "at": time(line.at), "text": line.text, "inbound": line.direction == "in",
                "who": line.direction == "in" ? t["from_person"] ?? "" : t["from_service"] ?? "",
            ]
        }
        values["timeline"] = detail.events.map { event -> [String: Any] in
            ["at": time(event.at), "kind": event.kind, "detail": event.detail, "actor": event.actor.map { $0 as Any } ?? false]
        }
        values["maskedPhone"] = summary.maskedPhone ?? "–"
        values["contact"] = detail.contact ?? "–"
        values["canReveal"] = detail.phone != nil && !showNumber
        if showNumber, let phone = detail.phone { values["phone"] = phone.value }
        values["noContact"] = detail.phone == nil
        values["canReply"] = detail.contact == "sms" && !resolved
        values["open"] = !resolved
        values["canAcknowledge"] = summary.acknowledgedBy == nil && !resolved
        if let owner = summary.claimedBy, owner != me { values["claimedByOther"] = owner }
        values["canClaim"] = summary.claimedBy == nil && !resolved
        values["canRelease"] = summary.claimedBy == me && !resolved
        values["priorities"] = [Priority.p1, .p2, .p3].map { ["value": $0.rawValue, "selected": $0 == summary.priority] }
        values["categories"] = categories.map { ["value": $0, "selected": $0 == summary.category] }
        values["outcomes"] = ConsoleStrings.outcomes.map { ["code": $0.code, "label": language == .vi ? $0.vi : $0.en] }
        if let outcome = detail.outcome { values["outcome"] = outcome }
        return values
    }
}
