import Foundation
import Gateways
import HotlineCore

/// Sends one SMS through one gateway's API.
public protocol SMSSender: Sendable {
    func send(to: PhoneNumber, text: String) async -> SendOutcome
}

/// Africa's Talking's `POST /version1/messaging`.
public struct AfricasTalkingSender: SMSSender {
    let transport: HTTPTransport
    let url: String
    let username: String
    /// Nil when the variable naming it is unset: every send then fails with that reason.
    let apiKey: String?
    let apiKeyEnv: String
    let from: String?
    let timeout: TimeInterval

    public init(
        transport: HTTPTransport, url: String, username: String, apiKey: String?, apiKeyEnv: String, from: String?,
        timeout: TimeInterval = 10
    ) {
        self.transport = transport
        self.url = url
        self.username = username
        self.apiKey = apiKey
        self.apiKeyEnv = apiKeyEnv
        self.from = from
        self.timeout = timeout
    }

    public func send(to: PhoneNumber, text: String) async -> SendOutcome {
        guard let apiKey, !apiKey.isEmpty else {
            // Retried: the key may be set and the service restarted; the row waits, not lost.
            return .retry("\(apiKeyEnv) is not set; cannot send through Africa's Talking")
        }
        let adapter = AfricasTalkingSMS()
        let request = adapter.sendRequest(url: url, username: username, apiKey: apiKey, from: from, to: to, text: text)
        do {
            let reply = try await transport.send(request, timeout: timeout)
            return adapter.readSendResponse(status: reply.status, body: reply.body)
        } catch {
            return .retry("transport: \(String(describing: type(of: error)))")
        }
    }
}

/// Kannel's `GET /cgi-bin/sendsms` on the smsbox.
public struct KannelSender: SMSSender {
    let transport: HTTPTransport
    let url: String
    let username: String
    let password: String?
    let passwordEnv: String
    let from: String?
    let timeout: TimeInterval

    public init(
        transport: HTTPTransport, url: String, username: String, password: String?, passwordEnv: String, from: String?,
        timeout: TimeInterval = 10
    ) {
        self.transport = transport
        self.url = url
        self.username = username
        self.password = password
        self.passwordEnv = passwordEnv
        self.from = from
        self.timeout = timeout
    }

    public func send(to: PhoneNumber, text: String) async -> SendOutcome {
        guard let password, !password.isEmpty else {
            return .retry("\(passwordEnv) is not set; cannot send through Kannel")
        }
        let adapter = Kannel()
        let request = adapter.sendRequest(url: url, username: username, password: password, from: from, to: to, text: text)
        do {
            let reply = try await transport.send(request, timeout: timeout)
            return adapter.readSendResponse(status: reply.status, body: reply.body)
        } catch {
            return .retry("transport: \(String(describing: type(of: error)))")
        }
    }
}
