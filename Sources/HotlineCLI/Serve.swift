import ArgumentParser
import Foundation
import HotlineServer
import Hummingbird
import Logging
import Storage

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the webhook service.",
        discussion: """
            Each option may also come from the environment (the flag wins): HOTLINE_CONFIG, HOTLINE_DATABASE,
            HOTLINE_HOST, HOTLINE_PORT, HOTLINE_GROUP_COMMIT (0 or 1). SIGTERM or SIGINT stops it gracefully.
            """)

    @Option(help: "The gateway-config folder (env HOTLINE_CONFIG). [default: gateway-config]")
    var config: String?

    @Option(help: "The SQLite database file; its folder is created (env HOTLINE_DATABASE). [default: data/hotline.sqlite]")
    var database: String?

    @Option(help: "Address to listen on (env HOTLINE_HOST). [default: 127.0.0.1]")
    var host: String?

    @Option(help: "Port to listen on, 0 for any free port (env HOTLINE_PORT). [default: 8080]")
    var port: Int?

    @Flag(
        inversion: .prefixedNo,
        help: "Let concurrent requests share database commits; each still waits for its own (env HOTLINE_GROUP_COMMIT). [default: on]")
    var groupCommit: Bool?

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let configDirectory = configDirectory(config)
        let databasePath = database ?? env["HOTLINE_DATABASE"] ?? "data/hotline.sqlite"
        let listenHost = host ?? env["HOTLINE_HOST"] ?? "127.0.0.1"
        var listenPort = 8080
        if let port {
            listenPort = port
        } else if let raw = env["HOTLINE_PORT"] {
            guard let parsed = Int(raw), (0...65535).contains(parsed) else {
                throw ValidationError("HOTLINE_PORT='\(raw)' is not a port number (0-65535)")
            }
            listenPort = parsed
        }

        var logger = Logger(label: "hotline")
        logger.logLevel = env["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info

        let loaded: HotlineConfig
        do {
            loaded = try ConfigLoader.load(directory: configDirectory)
        } catch {
            FileHandle.standardError.write(
                Data(
                    "\(error)\nThe service did not start. `hotline check-config --config \(configDirectory)` lists the same problems.\n"
                        .utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
        for warning in loaded.warnings { logger.warning("config: \(warning)") }

        let keys = try DataKeySource.load(environment: ServiceEnvironment(), databasePath: databasePath, logger: logger)
        let sharedCommits = groupCommit ?? (env["HOTLINE_GROUP_COMMIT"].map { $0 != "0" } ?? true)
        let store = try SQLiteStore(
            path: databasePath, sealer: keys.sealer, acknowledgement: acknowledgementPolicy(loaded.escalation), groupCommit: sharedCommits)
        let app = buildApplication(
            config: loaded, store: store, listen: ListenOptions(host: listenHost, port: listenPort), logger: logger,
            reloadKeys: { keys.sealer.reload() },
            resealStep: { [logger] in
                do {
                    let changed = try await store.resealBatch(currentKeyID: keys.sealer.currentKeyID)
                    if changed > 0 { logger.notice("re-sealed rows under the current data key", metadata: ["rows": "\(changed)"]) }
                } catch {
                    logger.error("re-sealing failed; will retry", metadata: ["error": "\(String(describing: type(of: error)))"])
                }
            }
        ) { port in
            let base = "http://\(listenHost):\(port)"
            var lines = ["Hotline Gateway listening on \(base) (database \(databasePath), config \(configDirectory))"]
            for (gateway, url) in webhookURLs(config: loaded, baseURL: base) {
                lines.append("  \(gateway.id) (\(gateway.kind.displayName)): \(gateway.kind.webhookMethod) \(url)")
            }
            lines.append("  health: GET \(base)/healthz, GET \(base)/readyz; operator API: \(base)/api/v1")
            // Written unbuffered: scripts wait for this line to know the port.
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        // runService stops on SIGTERM/SIGINT after requests in flight finish.
        try await app.runService()
        try await store.close()
        logger.info("stopped; database closed")
    }
}
