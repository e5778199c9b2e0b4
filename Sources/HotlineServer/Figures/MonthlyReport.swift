import Foundation
import HotlineCore
import Storage

/// The province's monthly figures (`hotline report --month`, and the dashboard's download):
/// counts by category, priority, age band, channel, area and outcome, times to acknowledge and
/// to refer, and referral deadlines met. Nothing personal; a count from 1 to 4 is shown as `<5`
/// so that no cell singles out a child, and a time is given only over 5 cases or more.
struct MonthlyReport: Sendable, Equatable {
    /// A count as published: exact from 5 up (and 0), `<5` below, and `*` for a count withheld
    /// so that a lone `<5` of its dimension cannot be worked out from the month's total.
    struct Cell: Codable, Sendable, Equatable, CustomStringConvertible {
        var count: Int
        var withheld = false
        static let threshold = 5
        var small: Bool { count > 0 && count < Self.threshold }
        var suppressed: Bool { small || withheld }
        var description: String { small ? "<\(Self.threshold)" : withheld ? "*" : "\(count)" }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            if suppressed { try container.encode(description) } else { try container.encode(count) }
        }

        init(_ count: Int) { self.count = count }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            count = (try? container.decode(Int.self)) ?? 1
        }
    }

    struct Timing: Codable, Sendable, Equatable {
        var cases: Cell
        var medianSeconds: Double?
        var p90Seconds: Double?

        init(_ values: [Double]) {
            cases = Cell(values.count)
            // Over fewer than 5 cases a time could be one child's.
            let shown = values.count >= Cell.threshold
            medianSeconds = shown ? Percentile.of(values, 0.5) : nil
            p90Seconds = shown ? Percentile.of(values, 0.9) : nil
        }
    }

    var month: String
    var cases: Cell
    var byCategory: [String: Cell]
    var byPriority: [String: Cell]
    var byAgeBand: [String: Cell]
    var byChannel: [String: Cell]
    var byArea: [String: Cell]
    var byOutcome: [String: Cell]
    var timeToAcknowledge: Timing
    var timeToRefer: Timing
    /// Referral deadlines that fell due in the month (so far), and those met by then.
    var referralDeadlinesDue: Cell
    var referralDeadlinesMet: Cell

    /// `yyyy-MM` → the month's first instant and the next month's, in the province's zone.
    static func bounds(of month: String, zone: TimeZone) -> (start: Date, end: Date)? {
        let parts = month.split(separator: "-")
        guard month.count == 7, parts.count == 2, let year = Int(parts[0]), let number = Int(parts[1]), (1...12).contains(number),
            (2000...2200).contains(year)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard let start = calendar.date(from: DateComponents(year: year, month: number, day: 1)),
            let end = calendar.date(byAdding: .month, value: 1, to: start)
        else { return nil }
        return (start, end)
    }

    static func ageBand(_ answer: String?) -> String {
        guard let answer, let digits = answer.firstMatch(of: /\d{1,3}/), let years = Int(digits.output) else { return "unknown" }
        switch years {
        case 0...5: return "0-5"
        case 6...10: return "6-10"
        case 11...15: return "11-15"
        case 16...17: return "16-17"
        default: return "18+"
        }
    }

    static func make(month: String, cases: [CaseFacts], deadlines: [ReferralDeadlineFacts]) -> MonthlyReport {
        func counted(_ key: (CaseFacts) -> String) -> [String: Cell] {
            var cells = Dictionary(grouping: cases, by: key).mapValues { Cell($0.count) }
            // One hidden cell beside an exact total is no secret: the total minus the others
            // gives it. Withhold the smallest other cell too.
            if cells.values.filter(\.suppressed).count == 1,
                let other = cells.filter({ !$0.value.suppressed }).min(by: { ($0.value.count, $0.key) < ($1.value.count, $1.key) })
            {
                cells[other.key]?.withheld = true
            }
            return cells
        }
        let acknowledge = cases.compactMap { fact in fact.acknowledgedAt.map { max(0, $0.timeIntervalSince(fact.createdAt)) } }
        let refer = cases.compactMap { fact in fact.referredAt.map { max(0, $0.timeIntervalSince(fact.createdAt)) } }
        return MonthlyReport(
            month: month, cases: Cell(cases.count), byCategory: counted { $0.category ?? "none" },
            byPriority: counted { $0.priority.rawValue }, byAgeBand: counted { ageBand($0.age) },
            byChannel: counted { $0.channel.rawValue }, byArea: counted { $0.area ?? "unknown" },
            byOutcome: counted { $0.outcomeCode ?? ($0.handling == .resolved ? "unrecorded" : "open") },
            timeToAcknowledge: Timing(acknowledge), timeToRefer: Timing(refer), referralDeadlinesDue: Cell(deadlines.count),
            referralDeadlinesMet: Cell(deadlines.filter { deadline in deadline.metAt.map { $0 <= deadline.dueAt } ?? false }.count))
    }

    /// Deadlines count once they have fallen due: in a month not yet over, those due later are
    /// neither met nor missed yet.
    static func load(store: any Store, month: String, zone: TimeZone, now: Date = Date()) async throws -> MonthlyReport? {
        guard let (start, end) = bounds(of: month, zone: zone) else { return nil }
        return make(
            month: month, cases: try await store.caseFacts(createdFrom: start, to: end),
            deadlines: try await store.referralDeadlineFacts(dueFrom: start, to: min(end, now)))
    }

    /// One row per figure: `section,value,count` (times in seconds).
    var csv: String {
        var rows = ["section,value,count", "month,\(month),", "cases,all,\(cases)"]
        for (section, cells) in [
            ("category", byCategory), ("priority", byPriority), ("age_band", byAgeBand), ("channel", byChannel), ("area", byArea),
            ("outcome", byOutcome),
        ] {
            for (value, cell) in cells.sorted(by: { $0.key < $1.key }) { rows.append("\(section),\(Self.field(value)),\(cell)") }
        }
        for (section, timing) in [("time_to_acknowledge", timeToAcknowledge), ("time_to_refer", timeToRefer)] {
            rows.append("\(section),cases,\(timing.cases)")
            rows.append("\(section),median_seconds,\(timing.medianSeconds.map { String(Int($0)) } ?? "")")
            rows.append("\(section),p90_seconds,\(timing.p90Seconds.map { String(Int($0)) } ?? "")")
        }
        rows.append("referral_deadlines,due,\(referralDeadlinesDue)")
        rows.append("referral_deadlines,met,\(referralDeadlinesMet)")
        return rows.joined(separator: "\n") + "\n"
    }

    static func field(_ value: String) -> String {
        value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"\(value.replacingOccurrences(of: "\"", with: "\"\""))\"" : value
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return ((try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }
}

extension MonthlyReport: Codable {}

/// The monthly report for the command line (`hotline report`).
public enum ProvinceReport {
    public enum Format: String, CaseIterable, Sendable {
        case csv, json
    }

    /// The report of `month` (`yyyy-MM`) in `format`; nil when the month is not written so.
    public static func render(store: any Store, config: HotlineConfig, month: String, format: Format) async throws -> String? {
        guard
            let report = try await MonthlyReport.load(
                store: store, month: month, zone: config.escalation.referrals.deadlines.calendar.timeZone)
        else { return nil }
        return format == .csv ? report.csv : report.json
    }
}
