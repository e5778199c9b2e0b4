import ArgumentParser
import Foundation
import HotlineCore
import HotlineServer

struct TriageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triage",
        abstract: "Judge a message as the service would: one JSON object with priority, category and reasons.")

    @Option(help: "The gateway-config folder (env HOTLINE_CONFIG). [default: gateway-config]")
    var config: String?

    @Argument(help: "The message (several arguments are joined with spaces).")
    var text: [String]

    struct Output: Encodable {
        var priority: String
        var category: String?
        var reasons: [String]

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(priority, forKey: .priority)
            try c.encode(category, forKey: .category)  // null, not absent, when there is none
            try c.encode(reasons, forKey: .reasons)
        }

        enum CodingKeys: String, CodingKey { case priority, category, reasons }
    }

    func run() throws {
        let directory = configDirectory(config)
        let loaded: HotlineConfig
        do {
            loaded = try ConfigLoader.load(directory: directory)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(78)
        }
        let triage = Triage(rules: loaded.triage, normalizer: InputNormalizer(rules: loaded.textRules))
        let decision = triage.judge(text: text.joined(separator: " "))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let output = Output(priority: decision.priority.rawValue, category: decision.category, reasons: decision.reasons)
        print(String(decoding: try encoder.encode(output), as: UTF8.self))
    }
}
