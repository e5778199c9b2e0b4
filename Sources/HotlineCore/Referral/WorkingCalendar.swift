import Foundation

/// Working days in the province's time zone: Monday to Friday, less the public holidays the
/// deployment lists. Decree 56's support plan is due "within 5 working days" of the referral;
/// a plan due on a weekend or a holiday is not late until the end of the next working day.
public struct WorkingCalendar: Sendable, Equatable {
    /// Days off as `yyyy-MM-dd`, in the calendar's time zone.
    public var holidays: Set<String>
    public var timeZone: TimeZone

    public init(holidays: Set<String> = [], timeZone: TimeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!) {
        self.holidays = holidays
        self.timeZone = timeZone
    }

    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The day a date falls on, as `yyyy-MM-dd` in this calendar's zone.
    public func dayKey(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    public func isWorkingDay(_ date: Date) -> Bool {
        let weekday = calendar.component(.weekday, from: date)  // 1 Sunday ... 7 Saturday
        return weekday != 1 && weekday != 7 && !holidays.contains(dayKey(date))
    }

    /// The end (midnight after) of the `days`-th working day after the day `start` falls on.
    /// The day of the referral itself does not count: it may have begun at 23:00.
    public func end(ofWorkingDays days: Int, after start: Date) -> Date {
        let calendar = self.calendar
        var day = calendar.startOfDay(for: start)
        var counted = 0
        // A year of days off in a row is a configuration error; stop rather than loop.
        for _ in 0..<(days * 7 + 400) where counted < days {
            day = calendar.date(byAdding: .day, value: 1, to: day) ?? day.addingTimeInterval(86400)
            if isWorkingDay(day) { counted += 1 }
        }
        return calendar.date(byAdding: .day, value: 1, to: day) ?? day.addingTimeInterval(86400)
    }

    /// Whether `text` is a real date written `yyyy-MM-dd`.
    public static func validDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return false }
        var components = DateComponents()
        (components.year, components.month, components.day) = (year, month, day)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: components) else { return false }
        let back = calendar.dateComponents([.year, .month, .day], from: date)
        return back.year == year && back.month == month && back.day == day
    }
}
