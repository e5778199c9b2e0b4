import Foundation
import HTTPTypes
import HotlineCore
import HotlineServer
import HummingbirdTesting
import NIOCore
import Storage
import Testing

@Suite("SMS conversations through Africa's Talking: replies via the outbox, retries processed once", .serialized)
struct SMSConversationTests {
    @Test("a first text gets the main menu by SMS; the answers continue the same conversation")
    func conversationBySMS() async throws {
        let receiver = try await LocalReceiver.start()
        let config = try escalationTestConfig(smsURL: receiver.smsURL)
        try await withApp(config: config, environment: escalationEnvironment(webhookURL: receiver.webhookURL)) { client, store in
            var phone = SMSPhone(client, phone: "0912 000 077")
            let first = try await phone.send("chào")
            #expect(first.status == .ok)
            #expect(String(buffer: first.body).isEmpty)
            try await eventually("the menu is texted back") { receiver.texts.count == 1 }
            #expect(receiver.texts[0].to == "+84912000077")
            #expect(receiver.texts[0].message.hasPrefix("Duong day bao ve tre em"))
            try await phone.send("1")
            try await eventually("the next question is texted") { receiver.texts.count == 2 }
            #expect(receiver.texts[1].message.hasPrefix("Ban bao tin cho ai?"))
            #expect(try await store.messageCount() == 4)
        }
        await receiver.stop()
    }

    @Test("a retried message id is answered 200 and processed once")
    func duplicateMessageID() async throws {
        let receiver = try await LocalReceiver.start()
        let config = try escalationTestConfig(smsURL: receiver.smsURL)
        try await withApp(config: config, environment: escalationEnvironment(webhookURL: receiver.webhookURL)) { client, store in
            var phone = SMSPhone(client)
            #expect(try await phone.send("xin chao", messageID: "ATXid_same").status == .ok)
            #expect(try await phone.send("xin chao", messageID: "ATXid_same").status == .ok)
            try await eventually("one reply") { receiver.texts.count == 1 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.texts.count == 1)
            #expect(try await store.messageCount() == 2)
        }
        await receiver.stop()
    }

    @Test("an urgent first text goes straight to help now and is escalated as P1")
    func urgentFirstText() async throws {
        let receiver = try await LocalReceiver.start()
        let config = try escalationTestConfig(smsURL: receiver.smsURL)
        try await withApp(config: config, environment: escalationEnvironment(webhookURL: receiver.webhookURL)) { client, store in
            var phone = SMSPhone(client)
            try await phone.send("cuu em voi bo em dang danh em chay mau")
            let escalations = try await store.outbox(kind: "escalation")
            #expect(escalations.map(\.priority) == [.p1])
            try await eventually("111 is told") { receiver.escalations.count == 1 }
            try await eventually("the person gets the help-now screen") { receiver.texts.count == 1 }
            #expect(receiver.texts[0].message.contains("111"))
        }
        await receiver.stop()
    }

    @Test("delivery reports update the status of the message they name")
    func deliveryReports() async throws {
        let receiver = try await LocalReceiver.start()
        let config = try escalationTestConfig(smsURL: receiver.smsURL)
        try await withApp(config: config, environment: escalationEnvironment(webhookURL: receiver.webhookURL)) { client, store in
            var phone = SMSPhone(client)
            try await phone.send("menu")
            try await eventually("sent") { try await store.outboundMessageStatuses().map { $0.status } == ["sent"] }
            let id = try #require(try await store.outboundMessageStatuses().first?.gatewayMessageID)
            let report = try await client.execute(
                uri: "/webhooks/at-sms", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "phoneNumber=%2B84912345678&failureReason=&retryCount=0&status=Success&networkCode=45201&id=\(id)")
            )
            #expect(report.status == .ok)
            #expect(try await store.outboundMessageStatuses().map { $0.status } == ["delivered"])
            let unknown = try await client.execute(
                uri: "/webhooks/at-sms", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "phoneNumber=%2B84912345678&status=Failed&id=ATXid_never_sent"))
            #expect(unknown.status == .ok)
        }
        await receiver.stop()
    }

    @Test("an SMS conversation left for a day expires with its report kept; the next text offers to continue it")
    func expiryAndResume() async throws {
        let receiver = try await LocalReceiver.start()
        let config = try escalationTestConfig(smsURL: receiver.smsURL)
        try await withApp(config: config, environment: escalationEnvironment(webhookURL: receiver.webhookURL)) { client, store in
            var phone = SMSPhone(client)
            for text in ["chao", "1", "1", "2", "2"] { try await phone.send(text) }  // report, me, sexual abuse, not now
            try await eventually("five replies") { receiver.texts.count == 5 }
            #expect(receiver.texts[4].message.hasPrefix("Chuyen xay ra o dau?"))

            // A day and an hour later the expiry sweep closes it.
            let later = Date().addingTimeInterval(25 * 3600)
            #expect(try await store.expireIdleSessions(now: later, ussdIdle: 180, smsIdle: 24 * 3600) == 1)
            let escalation = try #require(try await store.outbox(kind: "escalation").first)
            let reference = try #require(escalation.caseReference)
            #expect(try await store.findCase(reference: reference)?.status == .incomplete)
            #expect(escalation.priority == .p2)

            try await phone.send("alo")
            try await eventually("the offer to continue") { receiver.texts.count == 6 }
            #expect(receiver.texts[5].message.hasPrefix("Ban co mot bao tin chua xong. Lam tiep khong?"))
            try await phone.send("1")
            try await eventually("back at the question") { receiver.texts.count == 7 }
            #expect(receiver.texts[6].message.hasPrefix("Chuyen xay ra o dau?"))
            try await phone.send("Mong Cai")
            try await eventually("the next question") { receiver.texts.count == 8 }
            let stored = try #require(try await store.findCase(reference: reference))
            #expect(stored.answers["location"] == "Mong Cai")
            #expect(stored.answers["category"] == "sexual")
        }
        await receiver.stop()
    }
}
