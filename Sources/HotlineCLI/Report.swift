import ArgumentParser
import Foundation
import HotlineServer
import Logging
import Storage

extension ProvinceReport.Format: ExpressibleByArgument {}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The province's monthly figures: counts by category, priority, age band, channel, area and outcome.",
        discussion: """
            Also times to acknowledge and to refer, and referral deadlines met. Nothing personal; counts from 1 to 4 \
            are shown as <5 and times only over 5 cases or more, so no cell singles out a child.
            """)

    @Option(help: "The month, YYYY-MM (in Vietnam's time zone).")
    var month: String

    @Option(help: "csv or json.")
    var format: ProvinceReport.Format = .csv

    @Option(help: "The gateway-config folder (env HOTLINE_CONFIG). [default: gateway-config]")
    var config: String?

    @Option(help: "The SQLite database file (env HOTLINE_DATABASE). [default: data/hotline.sqlite]")
    var database: String?

    func run() async throws {
        let store = try openExistingStore(database, logLevel: .warning)
        let loaded = try loadConfigOrExit(configDirectory(config))
        let text = try await ProvinceReport.render(store: store, config: loaded, month: month, format: format)
        try await store.close()
        guard let text else { throw ValidationError("--month is written YYYY-MM, such as 2026-11") }
        print(text, terminator: "")
    }
}
