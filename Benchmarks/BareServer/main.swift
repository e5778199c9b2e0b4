// The ceiling of this machine for the load benchmark (Benchmarks/scripts/load.sh): a bare
// Hummingbird 2 app, one route answering a short constant, no database, no middleware.
// Usage: BareServer PORT   (0 picks a free port; the line "listening on ..." names it)
import Foundation
import Hummingbird

// `swift package benchmark` launches every executable target of this package with its own
// protocol (--input-fd ...): leave quietly and successfully, so its run does not fail.
if CommandLine.arguments.dropFirst().first == "--input-fd" { exit(0) }
guard CommandLine.arguments.count == 2, let port = Int(CommandLine.arguments[1]), (0...65535).contains(port) else {
    FileHandle.standardError.write(Data("usage: BareServer PORT\n".utf8))
    exit(64)
}

let router = Router()
router.get("/") { _, _ in "ok\n" }
router.post("/") { _, _ in "ok\n" }

let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: port)),
    onServerRunning: { channel in
        // Written unbuffered: load.sh waits for this line to know the port.
        let line = "BareServer listening on http://127.0.0.1:\(channel.localAddress?.port ?? port)\n"
        FileHandle.standardOutput.write(Data(line.utf8))
    }
)
try await app.runService()
