import ArgumentParser
import Foundation
import HotlineServer
import Logging
import Storage

struct Purge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove personal data past the retention service.yaml sets (the service also does this daily).",
        discussion: "Resolved cases keep their category, priority and dates for counts; conversations without a case go.")

    @Option(help: "The gateway-config folder (env HOTLINE_CONFIG). [default: gateway-config]")
    var config: String?

    @Option(help: "The SQLite database file (env HOTLINE_DATABASE). [default: data/hotline.sqlite]")
    var database: String?

    func run() async throws {
        let store = try openExistingStore(database, logLevel: .notice)
        let loaded = try ConfigLoader.load(directory: configDirectory(config))
        let report = try await store.purge(loaded.service.retention, actor: "cli:purge", now: Date())
        try await store.close()
        print("\(report.cases) resolved cases, \(report.sessions) conversations, \(report.messages) messages removed")
    }
}
