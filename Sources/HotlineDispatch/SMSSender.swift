import Foundation
import Gateways
import HotlineCore

/// Sends one SMS through one gateway's API.
public protocol SMSSender: Sendable {
    func send(to: PhoneNumber, text: String) async -> SendOutcome
}

/// A gateway's send API driven by its adapter: the adapter builds the request and reads the
/// answer, this runs it. The secret comes from the environment; without it a send waits
/// (retried), so setting the variable and restarting delivers what was queued.
public struct GatewaySender: SMSSender {
    let transport: HTTPTransport
    let gatewayName: String
    let secret: String?
    let secretEnv: String
    let timeout: TimeInterval
    let build: @Sendable (_ secret: String, _ to: PhoneNumber, _ text: String) -> OutboundHTTPRequest
    let read: @Sendable (_ status: Int, _ body: [UInt8]) -> SendOutcome

    public func send(to: PhoneNumber, text: String) async -> SendOutcome {
        guard let secret, !secret.isEmpty else {
            return .retry("\(secretEnv) is not set; cannot send through \(gatewayName)")
        }
        do {
            let reply = try await transport.send(build(secret, to, text), timeout: timeout)
            return read(reply.status, reply.body)
        } catch {
            return .retry("transport: \(String(describing: type(of: error)))")
        }
    }

    /// Africa's Talking's `POST /version1/messaging`.
    public static func africasTalking(
        transport: HTTPTransport, url: String, username: String, apiKey: String?, apiKeyEnv: String, from: String?,
        timeout: TimeInterval = 10
    ) -> GatewaySender {
        let adapter = AfricasTalkingSMS()
        return GatewaySender(
            transport: transport, gatewayName: "Africa's Talking", secret: apiKey, secretEnv: apiKeyEnv, timeout: timeout,
            build: { key, to, text in adapter.sendRequest(url: url, username: username, apiKey: key, from: from, to: to, text: text) },
            read: { adapter.readSendResponse(status: $0, body: $1) })
    }

    /// Kannel's `GET /cgi-bin/sendsms` on the smsbox.
    public static func kannel(
        transport: HTTPTransport, url: String, username: String, password: String?, passwordEnv: String, from: String?,
        timeout: TimeInterval = 10
    ) -> GatewaySender {
        let adapter = Kannel()
        return GatewaySender(
            transport: transport, gatewayName: "Kannel", secret: password, secretEnv: passwordEnv, timeout: timeout,
            build: { password, to, text in
                adapter.sendRequest(url: url, username: username, password: password, from: from, to: to, text: text)
            },
            read: { adapter.readSendResponse(status: $0, body: $1) })
    }
}
