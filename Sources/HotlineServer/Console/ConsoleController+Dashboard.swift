import Foundation
import HotlineCore
import Hummingbird
import Storage

/// The supervisor's dashboard: live counts, the charts (SVG drawn here), and the monthly report.
extension ConsoleController {
    var zone: WorkingCalendar { referrals.config.deadlines.calendar }

    @Sendable func dashboard(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        guard context.isSupervisor else { return forbidden(request, context: context) }
        let at = now()
        let since = try await store.lastCaseChangeID()
        let figures = try await DashboardFigures.compute(store: store, calendar: zone, now: at)
        try await store.recordAudit(
            actor: context.operatorID ?? "unknown", action: "read_dashboard", reference: nil, detail: "console", at: at)
        let t = language(request).strings
        var values = frame(request, context: context, title: t["dashboard"] ?? "", count: figures.overdueAcknowledgements)
        values["live"] = true
        values["since"] = since
        values["openTotal"] = figures.openByPriority.values.reduce(0, +)
        values["open"] = ["P1", "P2", "P3", "none"].map { level -> [String: Any] in
            ["level": level, "class": level.lowercased(), "count": figures.openByPriority[level] ?? 0]
        }
        values["overdueAcks"] = figures.overdueAcknowledgements > 0
        values["overdueAcksCount"] = figures.overdueAcknowledgements
        values["overdueReferrals"] = figures.overdueReferralSteps > 0
        values["overdueReferralsCount"] = figures.overdueReferralSteps
        values["failed"] = figures.failedEscalations > 0
        values["failedCount"] = figures.failedEscalations
        values["workload"] = figures.workload.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map {
            ["operator": $0.key, "count": $0.value]
        }
        values["chartDays"] = SVGCharts.casesPerDay(figures.casesPerDay, title: t["chart_days"] ?? "")
        values["chartCategory"] = SVGCharts.bars(id: "chart-category", title: t["chart_category"] ?? "", counts: figures.byCategory)
        values["chartChannel"] = SVGCharts.bars(id: "chart-channel", title: t["chart_channel"] ?? "", counts: figures.byChannel)
        values["chartAck"] = SVGCharts.acknowledgeTimes(figures.timeToAcknowledge, title: t["chart_ack"] ?? "")
        values["chartDeadlines"] = SVGCharts.deadlinesMet(figures.referralDeadlines, title: t["chart_deadlines"] ?? "")
        values["month"] = String(zone.dayKey(at).prefix(7))
        return pages.render("dashboard", values)
    }

    /// `GET /console/dashboard/report?month=YYYY-MM&format=csv|json`: the monthly figures as a download.
    @Sendable func dashboardReport(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        guard context.isSupervisor else { return forbidden(request, context: context) }
        let month = request.uri.queryParameters["month"].map(String.init) ?? ""
        let format = request.uri.queryParameters["format"].map(String.init) ?? "csv"
        guard format == "csv" || format == "json" else { throw HTTPError(.badRequest, message: "format is csv or json") }
        guard let report = try await MonthlyReport.load(store: store, month: month, zone: zone.timeZone) else {
            throw HTTPError(.badRequest, message: "month is written YYYY-MM, such as 2026-11")
        }
        try await store.recordAudit(
            actor: context.operatorID ?? "unknown", action: "monthly_report", reference: nil, detail: month, at: now())
        let body = format == "csv" ? report.csv : report.json
        return Response(
            status: .ok,
            headers: [
                .contentType: format == "csv" ? "text/csv; charset=utf-8" : "application/json",
                .contentDisposition: "attachment; filename=\"hotline-\(month).\(format)\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
