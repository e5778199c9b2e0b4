import Foundation
import HTTPTypes
import HotlineCore
import HotlineServer
import HummingbirdTesting
import NIOCore
import Storage
import Testing

@Suite("Safe contact and abuse control")
struct SafeContactTests {
    @Test("STOP/HUY stops every SMS to the person, operator replies included, until they write again")
    func stopUntilNewConversation() async throws {
        let receiver = try await LocalReceiver.start()
        let config = try escalationTestConfig(smsURL: receiver.smsURL)
        try await withApp(config: config, environment: escalationEnvironment(webhookURL: receiver.webhookURL)) { client, store in
            let number = "+84912000077"
            let reference = try await submitReport(client, phone: number, contact: "1")
            var sms = SMSPhone(client, phone: number)
            #expect(try await sms.send("HUY").status == .ok)
            // The confirmation itself still goes out: it is the last text.
            try await eventually("the STOP confirmation is sent") { receiver.texts.contains { $0.to == number } }
            #expect(try await store.smsStopped(to: try PhoneNumber(parsing: number)))
            let refused = try await api(client, .post, "/cases/\(reference)/reply", json: #"{"text":"Chao em"}"#)
            #expect(refused.status == .conflict)
            #expect(String(buffer: refused.body).contains("sent STOP/HUY"))

            #expect(try await sms.send("chao").status == .ok)
            #expect(try await !store.smsStopped(to: try PhoneNumber(parsing: number)))
            #expect(try await api(client, .post, "/cases/\(reference)/reply", json: #"{"text":"Chao em"}"#).status == .accepted)
        }
        await receiver.stop()
    }

    @Test("operator replies are neutral unless the operator says otherwise")
    func neutralReplies() async throws {
        let receiver = try await LocalReceiver.start()
        let config = try escalationTestConfig(smsURL: receiver.smsURL)
        try await withApp(config: config, environment: escalationEnvironment(webhookURL: receiver.webhookURL)) { client, _ in
            let reference = try await submitReport(client, phone: "+84912000088", contact: "1")
            let blunt = try await api(client, .post, "/cases/\(reference)/reply", json: #"{"text":"Về vụ bạo lực hôm qua, em ổn không?"}"#)
            #expect(blunt.status == .unprocessableContent)
            #expect(String(buffer: blunt.body).contains("'bao luc'"))
            let confirmed = try await api(
                client, .post, "/cases/\(reference)/reply", json: #"{"text":"Về vụ bạo lực hôm qua","allow_sensitive_words":true}"#)
            #expect(confirmed.status == .accepted)
        }
        await receiver.stop()
    }

    @Test("a blocked number is held, but its urgent message is escalated and flagged")
    func blocklist() async throws {
        try await withApp(environment: ServiceEnvironment(["HOTLINE_OPERATOR_TOKEN": devToken])) { client, store in
            let added = try await api(client, .post, "/blocklist", json: #"{"phone":"0912000099","reason":"200 prank texts"}"#)
            #expect(added.status == .created)
            let entry = try JSONDecoder.iso.decode(BlockEntry.self, from: Data(buffer: added.body))
            #expect(entry.phone == "+8491****099")
            var sms = SMSPhone(client, phone: "+84912000099")
            #expect(try await sms.send("alo alo").status == .ok)
            #expect(try await store.messageCount() == 0)
            #expect(try await store.outbox(kind: "sms").isEmpty)

            #expect(try await sms.send("chu oi cuu em, bo dang danh em").status == .ok)
            let escalations = try await store.outbox(kind: "escalation")
            #expect(escalations.map(\.priority) == [.p1])
            let reference = try #require(escalations.first?.caseReference)
            let detail = try #require(try await store.caseDetail(reference: reference, actor: "test", action: "read", at: Date()))
            #expect(detail.reasons.contains("flagged: sent from a number operators blocked"))
            #expect(detail.events.contains { $0.kind == "flagged" })

            let listed = String(buffer: try await api(client, .get, "/blocklist").body)
            #expect(listed.contains("+8491****099") && !listed.contains("912000099"))
            #expect(try await api(client, .delete, "/blocklist/\(entry.id)").status == .noContent)
            #expect(try await api(client, .delete, "/blocklist/\(entry.id)").status == .notFound)
            let audit = try await store.auditTrail(reference: nil).map(\.action)
            #expect(audit.contains("block_number") && audit.contains("unblock_number"))
        }
    }

    @Test("over the hourly limit: one gentle note, nothing processed, urgent words and their follow-up answers still go through")
    func rateLimit() async throws {
        let config = try configWithHourlyLimit(3)
        defer { try? FileManager.default.removeItem(at: config.deletingLastPathComponent()) }
        try await withApp(config: config.path) { client, store in
            var sms = SMSPhone(client, phone: "+84912000111")
            for text in ["chao", "2", "1"] { #expect(try await sms.send(text).status == .ok) }
            #expect(try await store.messageCount() == 6)
            let replies = try await store.outbox(kind: "sms").count
            for text in ["1", "1", "2"] { #expect(try await sms.send(text).status == .ok) }
            #expect(try await store.messageCount() == 6)
            #expect(try await store.outbox(kind: "sms").count == replies + 1)  // the note, once
            #expect(try await sms.send("chu oi cuu em, bo dang danh em").status == .ok)
            #expect(try await store.outbox(kind: "escalation").map(\.priority) == [.p1])
            // The urgent conversation asks where the child is: that answer is processed, not held.
            let before = try await store.messageCount()
            #expect(try await sms.send("Ha Long").status == .ok)
            #expect(try await store.messageCount() == before + 2)
            let reference = try #require(try await store.outbox(kind: "escalation").first?.caseReference)
            let stored = try #require(try await store.findCase(reference: reference))
            #expect(stored.answers["location"] == "Ha Long")
        }
    }
}

@Suite("Hourly limit under a burst")
struct HourlyLimitBurstTests {
    @Test("a burst from one number is processed only up to the hourly limit, however many arrive together")
    func burstStopsAtTheLimit() async throws {
        let config = try configWithHourlyLimit(3)
        defer { try? FileManager.default.removeItem(at: config.deletingLastPathComponent()) }
        try await withApp(config: config.path) { client, store in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<16 {
                    group.addTask {
                        var sms = SMSPhone(client, phone: "+84912000222")
                        return try await sms.send(["chao", "1", "2", "hoi"][i % 4]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .ok })
            // Three messages processed, each with its reply.
            #expect(try await store.messageCount() == 6)
        }
    }
}

/// A copy of the bundled config allowing `limit` messages per number and hour.
private func configWithHourlyLimit(_ limit: Int) throws -> URL {
    let config = try copyOfBundledConfig()
    let service = config.appendingPathComponent("service.yaml")
    try (String(contentsOf: service, encoding: .utf8) + "abuse:\n  max_messages_per_hour: \(limit)\n").write(
        to: service, atomically: true, encoding: .utf8)
    return config
}

extension JSONDecoder {
    static var iso: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
