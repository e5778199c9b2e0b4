import Foundation

/// Exponential backoff with jitter: attempt n waits between half and all of
/// `first * 2^(n-1)`, capped at `max`, so many rows failing together do not retry together.
public struct Backoff: Sendable {
    public var first: TimeInterval
    public var max: TimeInterval

    public init(first: TimeInterval, max: TimeInterval) {
        self.first = first
        self.max = max
    }

    /// The delay after `attempt` attempts failed; `unit` in [0, 1) is the jitter draw.
    public func delay(afterAttempt attempt: Int, unit: Double) -> TimeInterval {
        let ceiling = Swift.min(max, first * pow(2, Double(Swift.max(0, attempt - 1))))
        // Half fixed, half random ("equal jitter"): spread out, yet never hammering a
        // receiver that just came back with near-zero delays.
        return ceiling / 2 + ceiling / 2 * unit
    }
}
