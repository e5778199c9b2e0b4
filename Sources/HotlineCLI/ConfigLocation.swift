import ArgumentParser
import Foundation
import HotlineServer

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
