import ArgumentParser

@main
struct Hotline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hotline",
        abstract: "Hotline Gateway: children and families reach a child protection hotline by SMS and USSD.",
        subcommands: [
            Serve.self, CheckConfig.self, TextInfo.self, TriageCommand.self, Simulate.self, RotateKey.self, Purge.self, Backup.self,
            Report.self,
        ],
        defaultSubcommand: Serve.self)
}
