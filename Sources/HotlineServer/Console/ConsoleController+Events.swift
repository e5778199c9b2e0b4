import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import Storage

/// `GET /console/events`: Server-Sent Events, one per change to a case: its history id, its
/// kind and the case reference, never personal data. A page that reconnects sends
/// `Last-Event-ID` and is sent what it missed first.
extension ConsoleController {
    /// More missed than this and the page is told to reload instead.
    static let replayLimit = 500

    @Sendable func events(_ request: Request, context: HotlineRequestContext) async throws -> Response {
        guard let session = context.consoleSession else { throw HTTPError(.unauthorized) }
        let header = request.headers[HTTPField.Name("Last-Event-ID")!]
        let query = request.uri.queryParameters["since"].map(String.init)
        let since: Int64
        if let raw = header ?? query {
            guard let id = Int64(raw), id >= 0 else { throw HTTPError(.badRequest, message: "Last-Event-ID must be an event id") }
            since = id
        } else {
            since = try await store.lastCaseChangeID()
        }
        guard let subscription = await hub.subscribe() else {
            throw HTTPError(.serviceUnavailable, message: "the service is shutting down")
        }
        let store = self.store
        // A commune worker hears only of the cases referred to their communes.
        let communes = session.role == "commune" ? (tokens.communeWorkers[session.operatorID] ?? []) : nil
        let hub = self.hub
        let policy = self.policy
        let now = self.now
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no",
            ],
            body: ResponseBody { writer in
                defer { hub.unsubscribe(subscription.id) }
                try await withGracefulShutdownHandler {
                    // A reconnecting browser waits 2 s before trying again.
                    try await writer.write(ByteBuffer(string: "retry: 2000\n: live\n\n"))
                    var last = since
                    var referred: Set<String> = []
                    if let communes { referred = Set(try await store.referrals(communes: communes, at: now()).map(\.reference)) }
                    func visible(_ change: CaseChange) async throws -> Bool {
                        guard let communes else { return true }
                        // Only a new referral can add a case to theirs: read the list again then, not on every change.
                        if !referred.contains(change.reference), change.kind == "referral_sent" {
                            referred = Set(try await store.referrals(communes: communes, at: now()).map(\.reference))
                        }
                        return referred.contains(change.reference)
                    }
                    let missed = try await store.caseChanges(after: since, limit: Self.replayLimit)
                    if missed.count == Self.replayLimit {
                        last = try await store.lastCaseChangeID()
                        try await writer.write(ByteBuffer(string: "id: \(last)\nevent: reset\ndata: {}\n\n"))
                    } else {
                        for change in missed where try await visible(change) { try await writer.write(Self.frame(change)) }
                        last = missed.last?.id ?? last
                    }
                    for await message in subscription.messages {
                        switch message {
                        case .change(let change) where change.id > last:
                            if try await visible(change) { try await writer.write(Self.frame(change)) }
                            last = change.id
                        case .change: continue
                        case .heartbeat:
                            // The session may have ended (signed out elsewhere, expired): the page is told, and the stream ends.
                            let current = try await store.consoleSession(idHash: session.idHash)
                            guard let current, !policy.isExpired(current, now: now()) else {
                                try await writer.write(ByteBuffer(string: "event: signed-out\ndata: {}\n\n"))
                                hub.unsubscribe(subscription.id)
                                continue
                            }
                            try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                        }
                    }
                } onGracefulShutdown: {
                    hub.unsubscribe(subscription.id)
                }
                try await writer.finish(nil)
            })
    }

    static func frame(_ change: CaseChange) -> ByteBuffer {
        let data = (try? JSONEncoder.console.encode(change)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return ByteBuffer(string: "id: \(change.id)\nevent: case\ndata: \(data)\n\n")
    }
}

extension JSONEncoder {
    static var console: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
