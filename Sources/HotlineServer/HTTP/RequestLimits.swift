import HummingbirdCore
import NIOCore

/// What one request may take: gateways send a few hundred bytes and a handful of headers, and
/// telcos drop a USSD session that waits a few seconds.
public enum RequestLimits {
    /// Headers: 8 KiB a field, 16 KiB in all, 100 fields; more is 431 before any handler runs.
    static let decoder = HTTP1Channel.Configuration.DecoderConfiguration(
        maxHeaderFieldSize: 8 * 1024, maxHeaderListSize: 16 * 1024, maxHeaderFieldCount: 100)
    /// A connection idle this long is closed (slow-loris).
    static let idleTimeout: TimeAmount = .seconds(30)
    // A handler's time is bounded where it can wait: a body arrives within the idle timeout,
    // and a database write waits at most 5 s for the lock (SQLiteStore's busy timeout), then
    // the gateway hears 503 and retries.

    static var server: HTTPServerBuilder {
        .http1(configuration: .init(idleTimeout: idleTimeout, httpDecoderConfiguration: decoder))
    }
}
