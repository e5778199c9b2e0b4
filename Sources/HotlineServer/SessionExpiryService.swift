import Foundation
import Logging
import ServiceLifecycle
import Storage

/// Closes sessions that went quiet past their channel's timeout, so a report a person was cut
/// off from is kept as incomplete and escalated when it calls for it, never left hanging.
struct SessionExpiryService: Service {
    let store: any Store
    let sessions: ServiceConfig.Sessions
    let interval: Duration
    let logger: Logger
    /// Expiry may escalate a kept report: the dispatcher should not wait for its next poll.
    var wake: @Sendable () -> Void = {}

    func run() async throws {
        await cancelWhenGracefulShutdown {
            // A first sweep catches what went quiet while the service was down.
            repeat {
                await sweep()
                try? await Task.sleep(for: interval)
            } while !Task.isCancelled
        }
    }

    func sweep() async {
        do {
            let count = try await store.expireIdleSessions(
                now: Date(), ussdIdle: TimeInterval(sessions.ussdTimeoutSeconds), smsIdle: TimeInterval(sessions.smsTimeoutHours * 3600))
            if count > 0 {
                logger.info("expired idle sessions", metadata: ["count": "\(count)"])
                wake()
            }
        } catch {
            logger.error("session expiry failed; will retry", metadata: ["error": "\(String(describing: type(of: error)))"])
        }
    }
}
