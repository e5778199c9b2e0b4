import Foundation
import GRDB

/// What a backup wrote.
public struct BackupReport: Sendable, Equatable {
    public var path: String
    public var bytes: Int
    /// The copy's own deployment id: a restored copy escalates new cases under keys neither
    /// the original nor 111 has seen.
    public var deploymentID: String
}

public enum BackupError: Error, CustomStringConvertible, Equatable {
    case exists(String)

    public var description: String {
        switch self {
        case .exists(let path): "\(path) already exists; a backup never overwrites a file, choose a new name"
        }
    }
}

extension SQLiteStore {
    /// Writes a consistent copy of the database to `path` while the service runs.
    ///
    /// `VACUUM INTO` reads one snapshot: in WAL mode a reader never blocks the writer, so turns
    /// go on being committed while it copies (unlike the online backup API, which starts over
    /// whenever another connection writes). Sealed columns are copied as they are: the copy
    /// is no more readable than the database without the key file, which it does not include.
    /// The copy is then given a new deployment id, and the backup is audited in both.
    public func backup(to path: String, actor: String, at now: Date) async throws -> BackupReport {
        guard !FileManager.default.fileExists(atPath: path) else { throw BackupError.exists(path) }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Written under a temporary name and renamed when complete and on disk: an interrupted
        // VACUUM INTO leaves a partial file, which must never pass for a backup.
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        defer { try? FileManager.default.removeItem(atPath: partial) }
        try await pool.unsafeRead { db in try db.execute(sql: "VACUUM INTO ?", arguments: [partial]) }

        let copyID = DeploymentID.random()
        let original = deploymentID
        let copy = try DatabaseQueue(path: partial)
        try await copy.write { db in
            try db.execute(sql: "UPDATE deployment SET id = ?", arguments: [copyID])
            try db.execute(
                sql: "INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, 'restored_copy', ?)",
                arguments: [now, actor, "copy of deployment \(original), made as deployment \(copyID)"])
        }
        try copy.close()
        // VACUUM INTO does not sync what it writes.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: partial))
        try handle.synchronize()
        try handle.close()
        try FileManager.default.moveItem(atPath: partial, toPath: path)
        try await write { db in
            try db.execute(
                sql: "INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, 'backup', ?)",
                arguments: [now, actor, "copy made as deployment \(copyID)"])
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return BackupReport(path: path, bytes: bytes, deploymentID: copyID)
    }
}
