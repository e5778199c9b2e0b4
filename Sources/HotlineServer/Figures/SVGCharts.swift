import Foundation
import Gateways

/// The dashboard's charts, drawn on the server as SVG (no chart service, no script). Each
/// carries its total in `data-total` and a `<title>`, so a screen reader and a test can read it.
enum SVGCharts {
    // The console's own priority colours (console.css).
    static let colours = ["P1": "#b00020", "P2": "#c25e00", "P3": "#2f6f3e", "none": "#8a8f98"]

    /// Cases per day, stacked by priority.
    static func casesPerDay(_ days: [DashboardFigures.Day], title: String) -> String {
        let width = 640.0
        let height = 180.0
        let top = Double(max(1, days.map(\.total).max() ?? 1))
        let step = width / Double(max(1, days.count))
        var bars = ""
        for (i, day) in days.enumerated() {
            var y = height
            for (level, count) in [("none", day.none), ("P3", day.P3), ("P2", day.P2), ("P1", day.P1)] where count > 0 {
                let h = Double(count) / top * (height - 10)
                y -= h
                bars += String(
                    format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"><title>%@ %@: %d</title></rect>",
                    Double(i) * step + 1, y, max(1, step - 2), h, colours[level]!, day.day, level, count)
            }
        }
        let total = days.map(\.total).reduce(0, +)
        let legend = ["P1", "P2", "P3", "none"].enumerated().map { i, level in
            "<rect x=\"\(i * 70)\" y=\"\(Int(height) + 8)\" width=\"10\" height=\"10\" fill=\"\(colours[level]!)\"/><text x=\"\(i * 70 + 14)\" y=\"\(Int(height) + 17)\">\(level)</text>"
        }.joined()
        return svg(id: "chart-days", title: title, total: total, width: width, height: height + 24, body: bars + legend)
    }

    /// Horizontal bars, one per label, largest first.
    static func bars(id: String, title: String, counts: [String: Int]) -> String {
        let rows = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        let top = Double(max(1, rows.first?.value ?? 1))
        let rowHeight = 22.0
        var body = ""
        for (i, row) in rows.enumerated() {
            let y = Double(i) * rowHeight
            let w = Double(row.value) / top * 380
            body += String(
                format:
                    "<text x=\"0\" y=\"%.0f\">%@</text><rect x=\"150\" y=\"%.0f\" width=\"%.1f\" height=\"16\" fill=\"#2f6db5\"/><text x=\"%.0f\" y=\"%.0f\">%d</text>",
                y + 13, XMLBody.escape(String(row.key.prefix(22))), y, max(1, w), 156 + w, y + 13, row.value)
        }
        let total = rows.map(\.value).reduce(0, +)
        return svg(id: id, title: title, total: total, width: 640, height: max(rowHeight, Double(rows.count) * rowHeight), body: body)
    }

    /// Median and 90th percentile minutes to acknowledge, per week.
    static func acknowledgeTimes(_ weeks: [DashboardFigures.Week], title: String) -> String {
        let height = 160.0
        let top = max(1, weeks.compactMap(\.p90Seconds).max() ?? 1)
        let step = 640.0 / Double(max(1, weeks.count))
        var body = ""
        for (i, week) in weeks.enumerated() {
            let x = Double(i) * step
            for (j, value, colour, name) in [(0, week.medianSeconds, "#2f6db5", "median"), (1, week.p90Seconds, "#e07a00", "p90")] {
                guard let value else { continue }
                let h = value / top * (height - 10)
                body += String(
                    format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"><title>%@ %@: %.1f min</title></rect>",
                    x + 4 + Double(j) * (step / 2 - 4), height - h, max(1, step / 2 - 6), h, colour, week.week, name, value / 60)
            }
            body += "<text x=\"\(Int(x) + 2)\" y=\"\(Int(height) + 14)\">\(week.week.suffix(5))</text>"
        }
        let total = weeks.map(\.acknowledged).reduce(0, +)
        return svg(id: "chart-acknowledge", title: title, total: total, width: 640, height: height + 20, body: body)
    }

    /// Referral deadlines met out of those due, per month.
    static func deadlinesMet(_ months: [DashboardFigures.Month], title: String) -> String {
        let height = 140.0
        let top = Double(max(1, months.map(\.due).max() ?? 1))
        let step = 640.0 / Double(max(1, months.count))
        var body = ""
        for (i, month) in months.enumerated() {
            let x = Double(i) * step
            let due = Double(month.due) / top * (height - 10)
            let met = Double(month.met) / top * (height - 10)
            body += String(
                format:
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#d7dbe0\"><title>%@: %d due</title></rect><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#2e7d32\"><title>%@: %d met</title></rect><text x=\"%.0f\" y=\"%.0f\">%@ %d/%d</text>",
                x + 4, height - due, step - 8, due, month.month, month.due, x + 4, height - met, step - 8, met, month.month, month.met,
                x + 4, height + 14, month.month, month.met, month.due)
        }
        let total = months.map(\.due).reduce(0, +)
        return svg(id: "chart-deadlines", title: title, total: total, width: 640, height: height + 20, body: body)
    }

    static func svg(id: String, title: String, total: Int, width: Double, height: Double, body: String) -> String {
        """
        <svg id="\(id)" class="chart" data-total="\(total)" role="img" aria-labelledby="\(id)-title" viewBox="0 0 \(Int(width)) \(Int(height))" \
        xmlns="http://www.w3.org/2000/svg" font-size="11"><title id="\(id)-title">\(XMLBody.escape(title)) (\(total))</title>\(body)</svg>
        """
    }
}
