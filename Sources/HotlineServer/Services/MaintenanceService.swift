import Foundation
import Logging
import ServiceLifecycle
import Storage
import Synchronization

/// The service's periodic work, every 30 s: closes sessions that went quiet past their
/// channel's timeout (so a report a person was cut off from is kept as incomplete and
/// escalated when it calls for it, never left hanging), processes long messages whose parts
/// stopped arriving, picks up a rotated data key and re-seals stale rows, and once a day
/// removes what retention says.
struct MaintenanceService: Service {
    let store: any Store
    let sessions: ServiceConfig.Sessions
    let interval: Duration
    let logger: Logger
    /// Expiry may escalate a kept report: the dispatcher should not wait for its next poll.
    var wake: @Sendable () -> Void = {}
    /// Long messages whose parts stopped arriving.
    var partSets: PartSetSweeper? = nil
    /// Picks up a data key `hotline rotate-key` added while the service runs.
    var reloadKeys: @Sendable () -> Void = {}
    /// Re-seals a batch of rows not under the current key (a database from before
    /// encryption, rows written just before a rotation): after `reloadKeys`, so with the newest.
    var resealStep: @Sendable () async -> Void = {}
    /// Once a day (and at start), personal data past its retention is removed.
    var retention: RetentionPolicy? = nil
    let lastPurge = LastRun()

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
        reloadKeys()
        await resealStep()
        await purgeDaily(now: Date())
        if let partSets, await partSets.sweep(now: Date()) > 0 { wake() }
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

extension MaintenanceService {
    func purgeDaily(now: Date) async {
        guard let retention else { return }
        let due = lastPurge.time.withLock { last in
            guard last.map({ now.timeIntervalSince($0) >= 86400 }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        do {
            let report = try await store.purge(retention, actor: "retention", now: now)
            logger.info(
                "retention purge",
                metadata: ["cases": "\(report.cases)", "conversations": "\(report.sessions)", "messages": "\(report.messages)"])
        } catch {
            lastPurge.time.withLock { $0 = nil }  // tried again at the next sweep
            logger.error("retention purge failed; will retry", metadata: ["error": "\(String(describing: type(of: error)))"])
        }
    }
}

/// When something periodic last ran, shared by the copies of a service value.
final class LastRun: Sendable {
    let time = Mutex<Date?>(nil)
}
