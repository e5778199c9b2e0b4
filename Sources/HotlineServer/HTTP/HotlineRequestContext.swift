import Foundation
import Hummingbird
import Storage

/// The context every route runs with: small bodies, and a decoder that turns malformed input
/// into 400 with the reason instead of a 500.
public struct HotlineRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by the operator API's authentication, for the audit trail.
    public var operatorID: String? = nil
    public var isSupervisor = false
    /// The console session the request came with (console routes only).
    public var consoleSession: ConsoleSession? = nil
    /// The socket peer's address, for a gateway's IP allow-list (nil in router tests).
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Gateways post a few hundred bytes; anything near this is not a message.
    public var maxUploadSize: Int { HTTPLimits.maxBodyBytes }
    public var requestDecoder: ClientErrorDecoder { ClientErrorDecoder() }
    /// ISO 8601 times and stable key order, for operators' tools and for diffs in tests.
    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

public enum HTTPLimits {
    public static let maxBodyBytes = 64 * 1024
}

/// JSON decoding whose every failure is the client's: 400 with what was wrong.
public struct ClientErrorDecoder: RequestDecoder {
    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        do {
            return try await JSONDecoder().decode(type, from: request, context: context)
        } catch let error as DecodingError {
            throw HTTPError(.badRequest, message: Self.describe(error))
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing field '\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)'"
        case .typeMismatch(let type, let context): return "field '\(path(context))' should be \(type)"
        case .valueNotFound(let type, let context): return "field '\(path(context))' is null; expected \(type)"
        case .dataCorrupted(let context): return "malformed JSON: \(context.debugDescription)"
        @unknown default: return "malformed JSON"
        }
    }
}
