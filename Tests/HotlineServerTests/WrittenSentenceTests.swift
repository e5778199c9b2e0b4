import Foundation
import HTTPTypes
import HotlineCore
import HotlineServer
import HummingbirdTesting
import NIOCore
import Storage
import Testing

/// What children write instead of pressing a number, sent as they would send it: by SMS
/// through Kannel (the reply is the webhook's answer) and by USSD through Africa's Talking,
/// on the real router and a real SQLite file.
@Suite("Sentences written by SMS and USSD: heard, kept in the report, never a wrong answer")
struct WrittenSentenceTests {
    static let environment = ServiceEnvironment(["HOTLINE_OPERATOR_TOKEN": devToken])

    /// One phone texting through the bundled Kannel gateway; returns each reply.
    struct KannelPhone {
        var client: any TestClientProtocol
        var sender = "0912345678"
        var counter = 0

        mutating func text(_ message: String) async throws -> String {
            counter += 1
            var query = URLComponents()
            query.queryItems = [
                URLQueryItem(name: "sender", value: sender), URLQueryItem(name: "to", value: "18001769"),
                URLQueryItem(name: "text", value: message), URLQueryItem(name: "id", value: "k-\(sender)-\(counter)"),
                URLQueryItem(name: "coding", value: "0"), URLQueryItem(name: "charset", value: "UTF-8"),
            ]
            let encoded = query.percentEncodedQuery!.replacingOccurrences(of: "+", with: "%2B")
            let response = try await client.execute(uri: "/webhooks/kannel?\(encoded)", method: .get)
            #expect(response.status == .ok)
            return String(buffer: response.body)
        }
    }

    @Test("by SMS: a first message naming harm opens a P2 case operators see, is received, and the report goes on")
    func disclosureFirstSMS() async throws {
        try await withApp(environment: Self.environment) { client, store in
            var phone = KannelPhone(client: client)
            let reply = try await phone.text("em bi bo danh")
            #expect(reply.hasPrefix("Da nhan tin cua ban, ma so QN-"))
            #expect(reply.contains("Can bo bao ve tre em se xem trong hom nay."))
            #expect(reply.contains("\nBan bao tin cho ai?\n1. Cho chinh em\n2. Cho tre khac"))
            #expect(!reply.contains("Chua dung"))
            let reference = String(try #require(reply.firstMatch(of: #/ma so (QN-[346789A-Y]{6})/#)).1)

            let list = try jsonObject(try await api(client, .get, "/cases?priority=P2&status=open"))
            let cases = try #require(list["cases"] as? [[String: Any]])
            #expect(cases.map { $0["reference"] as? String } == [reference])
            let stored = try #require(try await store.findCase(reference: reference))
            #expect(stored.priority == .p2)
            #expect(stored.category == "physical")
            #expect(stored.answers["description"] == "em bi bo danh")
            #expect(try await phone.text("1").hasPrefix("Chuyen gi xay ra?"))
        }
    }

    @Test("by SMS: a sentence at the contact-time menu is kept, the menu asked again; 'toi nay' chooses evening; thanks is added after it")
    func sentenceAtMenuBySMS() async throws {
        try await withApp(environment: Self.environment) { client, store in
            var phone = KannelPhone(client: client)
            let first = try await phone.text("em bi bo danh")
            let reference = String(try #require(first.firstMatch(of: #/ma so (QN-[346789A-Y]{6})/#)).1)
            for answer in ["1", "1", "2", "Ha Long", "12"] { _ = try await phone.text(answer) }
            #expect(try await phone.text("1").hasPrefix("Luc nao lien lac thi an toan?"))
            let heard = try await phone.text("bo em say ruou la danh em va me")
            #expect(
                heard
                    == "Da ghi lai loi ban. Bam so de tiep:\nLuc nao lien lac thi an toan?\n1. Buoi sang\n2. Buoi chieu\n3. Buoi toi\n4. Luc nao cung duoc"
            )
            #expect(try await phone.text("tối nay").hasPrefix("Ke ngan gon chuyen gi xay ra"))
            #expect(try await phone.text("cam on").hasPrefix("Cam on ban. Ma so: \(reference)."))

            let stored = try #require(try await store.findCase(reference: reference))
            #expect(stored.status == .submitted)
            #expect(stored.priority == .p2)
            #expect(stored.answers["contact_time"] == "evening")
            #expect(stored.answers["description"] == "em bi bo danh\nbo em say ruou la danh em va me\ncam on")
            // The operator reads it whole, with the person's own words in the transcript.
            let detail = try jsonObject(try await api(client, .get, "/cases/\(reference)"))
            let answers = try #require(detail["answers"] as? [String: String])
            #expect(answers["description"]?.contains("bo em say ruou la danh em va me") == true)
        }
    }

    @Test("by USSD: a disclosure at the main menu is received within one screen and goes on to the report; a sentence later is kept")
    func disclosureByUSSD() async throws {
        try await withApp { client, store in
            var phone = USSDPhone(client)
            _ = try await phone.dial()
            let received = try await phone.answer("em bi bo danh")
            #expect(received.hasPrefix("CON Da nhan tin cua ban, ma so QN-"))
            #expect(received.hasSuffix("\nBan bao tin cho ai?\n1. Cho chinh em\n2. Cho tre khac"))
            #expect(received.count - 4 <= 182)
            let reference = String(try #require(received.firstMatch(of: #/ma so (QN-[346789A-Y]{6})/#)).1)
            for answer in ["2", "1", "khong a", "Cam Pha", "9", "co, nhan tin"] { _ = try await phone.answer(answer) }
            let heard = try await phone.answer("chu em hay danh em")
            #expect(heard.hasPrefix("CON Da ghi lai loi ban. Bam so de tiep:\nLuc nao lien lac thi an toan?"))
            _ = try await phone.answer("toi nay nhe")
            let end = try await phone.answer("#")
            #expect(end.hasPrefix("END Cam on ban. Ma so: \(reference)."))

            let stored = try #require(try await store.findCase(reference: reference))
            #expect(stored.answers["for_whom"] == "other_child")
            #expect(stored.answers["danger_now"] == "no")
            #expect(stored.answers["contact"] == "sms")
            #expect(stored.answers["contact_time"] == "evening")
            #expect(stored.answers["description"] == "em bi bo danh\nchu em hay danh em")
            #expect(stored.priority == .p2)
        }
    }

    @Test("by SMS: a greeting gets the menu without a wrong-answer hint and opens no case")
    func greetingFirstSMS() async throws {
        try await withApp(environment: Self.environment) { client, store in
            var phone = KannelPhone(client: client)
            #expect(try await phone.text("chao anh chi").hasPrefix("Duong day bao ve tre em. Ban can gi?\n1. Bao tin"))
            #expect(try await phone.text("em muon hoi chut").hasPrefix("Cam on ban da viet. Bam so de chon:\nDuong day bao ve tre em"))
            #expect(try await store.outbox(kind: "escalation").isEmpty)
            let list = try jsonObject(try await api(client, .get, "/cases"))
            #expect((list["cases"] as? [Any])?.isEmpty == true)
        }
    }
}
