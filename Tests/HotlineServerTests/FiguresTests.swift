import Foundation
import HTTPTypes
import HotlineCore
import HummingbirdTesting
import Testing

@testable import HotlineServer
@testable import Storage

/// Cases opened in November 2026 (Vietnam time) through the store, as calls and walk-ins.
private func novemberCases(_ store: SQLiteStore) async throws -> (all: Int, physical: Int) {
    let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    let kinds: [(String, Priority, String, String)] = [
        ("physical", .p2, "Hạ Long", "9"), ("physical", .p1, "Hạ Long", "7"), ("physical", .p2, "Cẩm Phả", "12"),
        ("physical", .p2, "Hạ Long", "14"), ("physical", .p3, "Uông Bí", "8"), ("physical", .p2, "Hạ Long", "10"),
        ("sexual", .p1, "Cẩm Phả", "13"),
    ]
    for (i, kind) in kinds.enumerated() {
        let opened = calendar.date(from: DateComponents(year: 2026, month: 11, day: 3 + i, hour: 9))!
        let reference = "QN-NOV\(String(format: "%03d", i))"
        try await store.recordOfflineContact(
            OfflineContact(
                reference: reference, channel: i % 2 == 0 ? .phone : .walkIn, priority: kind.1, category: kind.0, reasons: ["test"],
                answers: ["summary": "bé Hoa bị đánh", "area": kind.2, "age": kind.3], language: "vi", phone: nil, actor: "duty-desk",
                escalate: false),
            at: opened)
        _ = try await store.acknowledge(
            reference: reference, actor: "duty-desk", via: "test", at: opened.addingTimeInterval(Double(60 * (i + 1))))
    }
    // The last day of October at 23:30 in Hà Nội: October's, though it is already 31 Oct 16:30 UTC.
    try await store.recordOfflineContact(
        OfflineContact(
            reference: "QN-OCT001", channel: .phone, priority: .p2, category: "physical", reasons: [], answers: [:], language: "vi",
            phone: nil, actor: "duty-desk", escalate: false),
        at: calendar.date(from: DateComponents(year: 2026, month: 10, day: 31, hour: 23, minute: 30))!)
    return (kinds.count, kinds.filter { $0.0 == "physical" }.count)
}

@Suite("Monthly figures for the province and the supervisor's dashboard")
struct FiguresTests {
    @Test(
        "the monthly report counts by category, priority, age band, channel and area; under five is <5, a lone <5 is not given away by the total; nothing personal"
    )
    func monthlyReportCountsAndSuppresses() async throws {
        let store = try SQLiteStore(path: try makeTemporaryDirectory().appendingPathComponent("report.sqlite").path)
        let november = try await novemberCases(store)
        let config = try bundledConfig.get()
        let csv = try #require(await ProvinceReport.render(store: store, config: config, month: "2026-11", format: .csv))
        let rows = Set(csv.split(separator: "\n").map(String.init))
        #expect(rows.contains("cases,all,\(november.all)"), "the October case at 23:30 Hà Nội time is not November's")
        #expect(rows.contains("category,sexual,<5"))
        #expect(rows.contains("category,physical,*"), "shown as \(november.physical), it would give sexual as the total minus it")
        #expect(rows.contains("outcome,open,\(november.all)"), "a dimension with nothing small is exact")
        #expect(rows.contains("priority,P2,<5") && rows.contains("area,Hạ Long,<5") && rows.contains("age_band,6-10,<5"))
        #expect(rows.contains("time_to_acknowledge,cases,\(november.all)"))
        #expect(rows.contains("time_to_acknowledge,median_seconds,240"), "acknowledged after 1 to 7 minutes: median 4")
        #expect(rows.contains("time_to_refer,median_seconds,"), "no referral: no time")
        #expect(!csv.contains("QN-") && !csv.contains("Hoa"), "no reference and no words of a report")
        let json = try #require(await ProvinceReport.render(store: store, config: config, month: "2026-11", format: .json))
        #expect(json.contains("\"sexual\" : \"<5\"") && json.contains("\"physical\" : \"*\""))
        #expect(json.contains("\"cases\" : \(november.all)"))
        #expect(try await ProvinceReport.render(store: store, config: config, month: "2026-13", format: .csv) == nil)
        try await store.close()
    }

    @Test("the dashboard is the supervisors': live counts and SVG charts whose totals are the database's, and the same at /api/v1/stats")
    func dashboardForSupervisors() async throws {
        try await withApp(environment: referralEnvironment) { client, store in
            var desk = ConsoleBrowser(client)
            _ = try await desk.signIn("duty-desk", token: deskToken)
            for summary in ["Bố đang đánh em bằng gậy", "Em bị bỏ đói hai ngày", "Cháu hỏi về tuổi dậy thì"] {
                _ = try await recordWalkIn(&desk, summary: summary, area: "Hạ Long")
            }
            #expect(try await desk.get("/console/dashboard").status == .forbidden, "operators do not see the dashboard")
            var supervisor = ConsoleBrowser(client)
            _ = try await supervisor.signIn("supervisor", token: supervisorToken)
            let page = try await supervisor.get("/console/dashboard")
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            let open = try await store.listCases(CaseFilter(excludeResolved: true, limit: 500), actor: "test", at: Date())
            #expect(html.contains("id=\"open-total\">\(open.count)<"))
            #expect(html.contains("<svg id=\"chart-days\" class=\"chart\" data-total=\"\(open.count)\""))
            #expect(html.contains("<svg id=\"chart-channel\" class=\"chart\" data-total=\"\(open.count)\""))
            #expect(!html.contains("QN-"), "no reference on the dashboard")
            let download = try await supervisor.get("/console/dashboard/report?month=2026-13&format=csv")
            #expect(download.status == .badRequest)
            let api = try await client.execute(uri: "/api/v1/stats", method: .get, headers: [.authorization: "Bearer \(supervisorToken)"])
            #expect(api.status == .ok)
            let figures = try JSONDecoder.iso.decode(DashboardFigures.self, from: Data(buffer: api.body))
            #expect(figures.openByPriority.values.reduce(0, +) == open.count && figures.casesPerDay.count == 30)
            #expect(figures.casesPerDay.last?.total == open.count, "all three opened today")
            let refused = try await client.execute(uri: "/api/v1/stats", method: .get, headers: [.authorization: "Bearer \(deskToken)"])
            #expect(refused.status == .forbidden)
        }
    }
}
