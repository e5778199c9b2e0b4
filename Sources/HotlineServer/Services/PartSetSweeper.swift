import Foundation
import Logging
import Storage

/// Processes long messages whose parts stopped arriving (with what arrived), and complete
/// ones a crash left between storing the last part and processing the whole.
struct PartSetSweeper: Sendable {
    let store: any Store
    let gateways: [String: GatewayConfig]
    let sms: SMSTurnHandler
    let logger: Logger

    /// How many messages it processed. One set that fails does not hold up the others.
    func sweep(now: Date) async -> Int {
        let shortest = gateways.values.map(\.multipartTimeoutSeconds).min() ?? 60
        var processed = 0
        let due: [PartSet]
        do {
            due = try await store.partSetsDue(before: now.addingTimeInterval(-TimeInterval(shortest)))
        } catch {
            logger.error("reading message parts failed; will retry", metadata: ["error": "\(String(describing: type(of: error)))"])
            return 0
        }
        for set in due {
            guard var gateway = gateways[set.gatewayID] else { continue }
            guard set.isComplete || set.firstReceivedAt <= now.addingTimeInterval(-TimeInterval(gateway.multipartTimeoutSeconds))
            else { continue }
            // Nobody waits on a webhook response now: the reply goes through the send API.
            if gateway.send != nil { gateway.reply = .api }
            do {
                if try await sms.handle(set.message, gateway: gateway, now: now).processed { processed += 1 }
                try await store.deletePartSet(set)
                logger.notice(
                    "long message processed after its parts stopped arriving",
                    metadata: ["gateway": "\(set.gatewayID)", "parts": "\(set.partsReceived)/\(set.total)"])
            } catch {
                logger.error(
                    "joining message parts failed; will retry",
                    metadata: ["gateway": "\(set.gatewayID)", "error": "\(String(describing: type(of: error)))"])
            }
        }
        return processed
    }
}
