import ArgumentParser
import Foundation
import HotlineServer
import Logging
import Storage

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a consistent copy of the embedded database while the service runs.",
        discussion: """
            The copy holds personal data sealed as in the database; the key file (or HOTLINE_DATA_KEY and \
            HOTLINE_LOOKUP_KEY) is not in it and is needed to read it: keep the two apart. The copy gets its own \
            deployment id, so once restored it escalates new cases under keys 111 has not seen. See the README's \
            "Backups" for the restore steps.
            """)

    @Option(help: "Where to write the copy; an existing file is never overwritten.")
    var to: String

    @Option(help: "The SQLite database file (env HOTLINE_DATABASE). [default: data/hotline.sqlite]")
    var database: String?

    func run() async throws {
        let databasePath = try existingDatabase(database)
        // No key is needed to copy sealed rows; opening with the plaintext sealer reads nothing sealed.
        let store = try SQLiteStore(path: databasePath)
        let report = try await store.backup(to: to, actor: "cli:backup", at: Date())
        try await store.close()
        print("wrote \(report.path) (\(report.bytes) bytes), deployment \(report.deploymentID); keep the key file apart from it")
    }
}
