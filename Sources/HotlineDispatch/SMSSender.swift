import Foundation
import Gateways
import HotlineCore

/// Sends one SMS through one gateway's API.
public protocol SMSSender: Sendable {
    /// `reference` is our id for the message (`hl-<outbox id>`), which delivery reports echo.
    func send(to: PhoneNumber, text: String, reference: String) async -> SendOutcome
}

/// A gateway's send API driven by its adapter: the adapter builds the request and reads the
/// answer, this runs it. The secret comes from the environment; without it a send waits
/// (retried), so setting the variable and restarting delivers what was queued.
public struct GatewaySender: SMSSender {
    let transport: HTTPTransport
    let adapter: any SMSAdapter
    let gatewayName: String
    let account: SendAccount?
    let secretEnv: String
    let timeout: TimeInterval

    /// `account` is nil while the secret's variable is unset.
    public init(
        transport: HTTPTransport, adapter: any SMSAdapter, gatewayName: String, account: SendAccount?, secretEnv: String,
        timeout: TimeInterval = 10
    ) {
        self.transport = transport
        self.adapter = adapter
        self.gatewayName = gatewayName
        self.account = account
        self.secretEnv = secretEnv
        self.timeout = timeout
    }

    public func send(to: PhoneNumber, text: String, reference: String) async -> SendOutcome {
        guard let account else {
            return .retry("\(secretEnv) is not set; cannot send through \(gatewayName)")
        }
        do {
            let request = adapter.sendRequest(OutboundText(to: to, text: text, reference: reference), account: account)
            let reply = try await transport.send(request, timeout: timeout)
            return adapter.readSendResponse(status: reply.status, body: reply.body, reference: reference)
        } catch {
            return .retry("transport: \(String(describing: type(of: error)))")
        }
    }
}
