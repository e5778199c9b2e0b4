import ArgumentParser
import Foundation
import HotlineServer
import Logging
import Storage

struct RotateKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key",
        abstract: "Seal every personal value in the database with a new data key, while the service runs.",
        discussion: """
            With a key file (the embedded default), a new key is written first in the file, the running service
            picks it up within 30 seconds, and every row is re-sealed with it in small batches. With
            HOTLINE_DATA_KEY, restart the service with the new key in HOTLINE_DATA_KEY and the old one in
            HOTLINE_DATA_KEYS_PREVIOUS, then run this (with the same environment) to re-seal the rows.
            """)

    @Option(help: "The SQLite database file (env HOTLINE_DATABASE). [default: data/hotline.sqlite]")
    var database: String?

    @Option(help: "Rows per transaction.")
    var batch = 200

    @Option(
        help:
            "Seconds to keep sweeping after the last stale row, for rows a running service sealed before it re-read the key file (every 30 s sweep); keep it above 60."
    )
    var settleSeconds = 75

    @Flag(help: "When done, remove the older keys from the key file.")
    var retire = false

    func run() async throws {
        let environment = ServiceEnvironment()
        let databasePath = try existingDatabase(database)
        var logger = Logger(label: "hotline")
        logger.logLevel = .notice
        var loaded = try DataKeySource.load(environment: environment, databasePath: databasePath, logger: logger)
        if let file = loaded.keyFile {
            let (keys, lookup) = try DataKeys.rawKeys(file: file)
            try DataKeys.write(file: file, keys: [DataKeys.generate()] + keys, lookup: lookup)
            loaded = try DataKeySource.load(environment: environment, databasePath: databasePath, logger: logger)
            print("new data key \(loaded.sealer.currentKeyID) written first in \(file)")
        }
        let store = try SQLiteStore(path: databasePath, sealer: loaded.sealer)
        let keyID = loaded.sealer.currentKeyID
        var total = 0
        var quietSince = Date()
        while true {
            let changed = try await store.resealBatch(currentKeyID: keyID, batch: batch)
            total += changed
            if changed > 0 {
                quietSince = Date()
                continue
            }
            if Date().timeIntervalSince(quietSince) >= Double(settleSeconds) { break }
            try await Task.sleep(for: .seconds(1))
        }
        try await store.recordAudit(
            actor: "cli:rotate-key", action: "rotate_key", reference: nil, detail: "\(total) rows re-sealed with key \(keyID)", at: Date())
        try await store.close()
        if retire, let file = loaded.keyFile {
            let (keys, lookup) = try DataKeys.rawKeys(file: file)
            try DataKeys.write(file: file, keys: Array(keys.prefix(1)), lookup: lookup)
            print("older keys removed from \(file)")
        }
        print("\(total) rows re-sealed with key \(keyID)")
    }
}
