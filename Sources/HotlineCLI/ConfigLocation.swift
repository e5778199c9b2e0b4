import ArgumentParser
import Foundation
import HotlineServer
import Logging
import Storage

/// The gateway-config folder a command works on: the flag, else HOTLINE_CONFIG, else `gateway-config`.
func configDirectory(_ flag: String?) -> String {
    flag ?? ProcessInfo.processInfo.environment["HOTLINE_CONFIG"] ?? "gateway-config"
}

/// The database a maintenance command works on (the flag, else HOTLINE_DATABASE, else
/// `data/hotline.sqlite`), which must exist: these commands never create one.
func existingDatabase(_ flag: String?, _ environment: ServiceEnvironment = ServiceEnvironment()) throws -> String {
    let path = flag ?? environment["HOTLINE_DATABASE"] ?? "data/hotline.sqlite"
    guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no database at \(path); pass --database") }
    return path
}

/// The existing database (see `existingDatabase`) opened with its data keys, for commands
/// that read or change sealed rows.
func openExistingStore(_ flag: String?, logLevel: Logger.Level) throws -> SQLiteStore {
    let environment = ServiceEnvironment()
    let databasePath = try existingDatabase(flag, environment)
    var logger = Logger(label: "hotline")
    logger.logLevel = logLevel
    let keys = try DataKeySource.load(environment: environment, databasePath: databasePath, logger: logger)
    return try SQLiteStore(path: databasePath, sealer: keys.sealer)
}
