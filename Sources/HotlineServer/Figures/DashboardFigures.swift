import Foundation
import HotlineCore
import Hummingbird
import Storage

/// What the supervisor's dashboard and `GET /api/v1/stats` show: counts only, no reference,
/// no number, nothing a person wrote. Days, weeks and months are the province's (Vietnam's
/// time zone).
struct DashboardFigures: ResponseCodable, Sendable, Equatable {
    struct Day: Codable, Sendable, Equatable {
        var day: String
        var P1 = 0, P2 = 0, P3 = 0, none = 0
        var total: Int { P1 + P2 + P3 + none }
    }

    struct Week: Codable, Sendable, Equatable {
        /// The Monday the week starts on.
        var week: String
        var acknowledged: Int
        var medianSeconds: Double?
        var p90Seconds: Double?
    }

    struct Month: Codable, Sendable, Equatable {
        var month: String
        var due: Int
        var met: Int
    }

    var generatedAt: Date
    var openByPriority: [String: Int]
    var overdueAcknowledgements: Int
    var overdueReferralSteps: Int
    var failedEscalations: Int
    /// Open cases each operator holds.
    var workload: [String: Int]
    /// The last 30 days, oldest first.
    var casesPerDay: [Day]
    /// Over the same 30 days.
    var byCategory: [String: Int]
    var byChannel: [String: Int]
    /// The last 8 weeks, oldest first: from a case's opening to its acknowledgement.
    var timeToAcknowledge: [Week]
    /// The last 6 months, oldest first: referral deadlines that fell due, and those met in time.
    var referralDeadlines: [Month]

    static let days = 30
    static let weeks = 8
    static let months = 6

    static func compute(store: any Store, calendar zone: WorkingCalendar, now: Date) async throws -> DashboardFigures {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = zone.timeZone
        let today = calendar.startOfDay(for: now)
        let firstDay = calendar.date(byAdding: .day, value: -(days - 1), to: today)!
        let firstWeek = calendar.date(
            byAdding: .weekOfYear, value: -(weeks - 1), to: calendar.dateInterval(of: .weekOfYear, for: now)!.start)!
        let firstMonth = calendar.date(byAdding: .month, value: -(months - 1), to: calendar.dateInterval(of: .month, for: now)!.start)!

        let open = try await store.openCaseFacts()
        let recent = try await store.caseFacts(createdFrom: min(firstDay, firstWeek), to: now.addingTimeInterval(1))
        let deadlines = try await store.referralDeadlineFacts(dueFrom: .distantPast, to: now)

        var openByPriority: [String: Int] = [:]
        var workload: [String: Int] = [:]
        for fact in open {
            openByPriority[fact.priority.rawValue, default: 0] += 1
            if let owner = fact.claimedBy { workload[owner, default: 0] += 1 }
        }
        let overdueAcks = open.filter { $0.acknowledgedAt == nil && ($0.acknowledgeBy.map { $0 < now } ?? false) }.count

        var perDay: [String: Day] = [:]
        var byCategory: [String: Int] = [:]
        var byChannel: [String: Int] = [:]
        for fact in recent where fact.createdAt >= firstDay {
            let key = zone.dayKey(fact.createdAt)
            var day = perDay[key] ?? Day(day: key)
            switch fact.priority {
            case .p1: day.P1 += 1
            case .p2: day.P2 += 1
            case .p3: day.P3 += 1
            case .none: day.none += 1
            }
            perDay[key] = day
            byCategory[fact.category ?? "none", default: 0] += 1
            byChannel[fact.channel.rawValue, default: 0] += 1
        }
        let dayList = (0..<days).map { offset -> Day in
            let key = zone.dayKey(calendar.date(byAdding: .day, value: offset, to: firstDay)!)
            return perDay[key] ?? Day(day: key)
        }

        var waits: [Date: [Double]] = [:]
        for fact in recent where fact.createdAt >= firstWeek {
            guard let acknowledged = fact.acknowledgedAt, let week = calendar.dateInterval(of: .weekOfYear, for: fact.createdAt)?.start
            else { continue }
            waits[week, default: []].append(max(0, acknowledged.timeIntervalSince(fact.createdAt)))
        }
        let weekList = (0..<weeks).map { offset -> Week in
            let start = calendar.date(byAdding: .weekOfYear, value: offset, to: firstWeek)!
            let values = waits[start] ?? []
            return Week(
                week: zone.dayKey(start), acknowledged: values.count, medianSeconds: Percentile.of(values, 0.5),
                p90Seconds: Percentile.of(values, 0.9))
        }

        var perMonth: [String: Month] = [:]
        for deadline in deadlines where deadline.dueAt >= firstMonth {
            let key = String(zone.dayKey(deadline.dueAt).prefix(7))
            var month = perMonth[key] ?? Month(month: key, due: 0, met: 0)
            month.due += 1
            if let met = deadline.metAt, met <= deadline.dueAt { month.met += 1 }
            perMonth[key] = month
        }
        let monthList = (0..<months).map { offset -> Month in
            let key = String(
                zone.dayKey(calendar.date(byAdding: .month, value: offset, to: firstMonth)!).prefix(7))
            return perMonth[key] ?? Month(month: key, due: 0, met: 0)
        }

        return DashboardFigures(
            generatedAt: now, openByPriority: openByPriority, overdueAcknowledgements: overdueAcks,
            overdueReferralSteps: deadlines.filter { $0.metAt == nil && !$0.closed }.count,
            failedEscalations: open.filter(\.escalationFailed).count, workload: workload, casesPerDay: dayList, byCategory: byCategory,
            byChannel: byChannel, timeToAcknowledge: weekList, referralDeadlines: monthList)
    }
}
