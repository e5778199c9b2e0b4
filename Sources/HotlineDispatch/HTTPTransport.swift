import AsyncHTTPClient
import Foundation
import Gateways
import NIOCore
import NIOHTTP1

/// What came back from one outbound HTTP request.
public struct HTTPReply: Sendable {
    public var status: Int
    public var body: [UInt8]
}

/// Every outbound call (the 111 webhook, gateways' send APIs) goes through AsyncHTTPClient
/// with a deadline; a transport error is thrown, an HTTP status is returned.
public struct HTTPTransport: Sendable {
    let client: HTTPClient

    public init(client: HTTPClient = .shared) {
        self.client = client
    }

    public func send(_ request: OutboundHTTPRequest, timeout: TimeInterval) async throws -> HTTPReply {
        var outbound = HTTPClientRequest(url: request.url)
        outbound.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outbound.headers.add(name: name, value: value) }
        if !request.body.isEmpty { outbound.body = .bytes(ByteBuffer(bytes: request.body)) }
        let deadline = TimeAmount.milliseconds(Int64(timeout * 1000))
        let response = try await client.execute(outbound, timeout: deadline)
        // A reply is read for its status and a short body; a huge one is cut, not buffered.
        let body = try await response.body.collect(upTo: 64 * 1024)
        return HTTPReply(status: Int(response.status.code), body: Array(buffer: body))
    }
}
