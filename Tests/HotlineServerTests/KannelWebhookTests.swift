import Foundation
import HTTPTypes
import HotlineCore
import HotlineServer
import HummingbirdTesting
import NIOCore
import Storage
import Testing

@Suite("Kannel SMS: the reply is the webhook's text/plain answer")
struct KannelWebhookTests {
    func text(_ client: any TestClientProtocol, _ message: String, id: String, from: String = "0912345678") async throws -> TestResponse {
        var query = URLComponents()
        query.queryItems = [
            URLQueryItem(name: "sender", value: from), URLQueryItem(name: "to", value: "18001769"),
            URLQueryItem(name: "text", value: message), URLQueryItem(name: "id", value: id),
            URLQueryItem(name: "coding", value: "0"), URLQueryItem(name: "charset", value: "UTF-8"),
        ]
        let encoded = query.percentEncodedQuery!.replacingOccurrences(of: "+", with: "%2B")
        return try await client.execute(uri: "/webhooks/kannel?\(encoded)", method: .get)
    }

    @Test("a conversation runs in the replies; a retried id gets the same answer again and is processed once")
    func conversation() async throws {
        try await withApp { client, store in
            let first = try await text(client, "chào", id: "k-1")
            #expect(first.status == .ok)
            #expect(first.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(String(buffer: first.body).hasPrefix("Duong day bao ve tre em. Ban can gi?\n1. Bao tin"))
            #expect(String(buffer: try await text(client, "1", id: "k-2").body) == "Ban bao tin cho ai?\n1. Cho chinh em\n2. Cho tre khac")
            // Kannel retries only when it got no answer: the person must still get the reply.
            let retry = try await text(client, "1", id: "k-2")
            #expect(retry.status == .ok)
            #expect(String(buffer: retry.body) == "Ban bao tin cho ai?\n1. Cho chinh em\n2. Cho tre khac")
            #expect(try await store.messageCount() == 4)
            // An older message retried after the conversation moved on gets nothing: its
            // reply is no longer the one stored.
            let next = String(buffer: try await text(client, "2", id: "k-3").body)
            #expect(!next.isEmpty && !next.hasPrefix("Ban bao tin cho ai?"))
            #expect(String(buffer: try await text(client, "1", id: "k-2").body).isEmpty)
            #expect(try await store.messageCount() == 6)
            #expect(try await store.outbox(kind: "sms").isEmpty)
        }
    }

    @Test("an urgent first text gets the help-now answer and a P1 escalation")
    func urgent() async throws {
        try await withApp { client, store in
            let reply = try await text(client, "chu oi cuu em, bo dang danh em", id: "k-9")
            #expect(String(buffer: reply.body).hasPrefix("Goi ngay 111 mien phi neu co the."))
            #expect(try await store.outbox(kind: "escalation").map(\.priority) == [.p1])
        }
    }
}
