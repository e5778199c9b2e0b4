import ArgumentParser
import Foundation
import HotlineServer

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate gateway-config/: every problem with its file, line and what is expected.")

    @Option(help: "The gateway-config folder (env HOTLINE_CONFIG). [default: gateway-config]")
    var config: String?

    func run() throws {
        let directory = configDirectory(config)
        do {
            let loaded = try ConfigLoader.load(directory: directory)
            for warning in loaded.warnings { print(warning) }
            print(
                "\(directory): valid (\(loaded.gateways.count) gateway\(loaded.gateways.count == 1 ? "" : "s"), \(loaded.flows.count) flow\(loaded.flows.count == 1 ? "" : "s"), \(loaded.warnings.count) warning\(loaded.warnings.count == 1 ? "" : "s"))"
            )
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
