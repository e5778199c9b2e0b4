import Foundation
import HTTPTypes
import HotlineCore
import HotlineServer
import Hummingbird
import HummingbirdTesting
import NIOCore
import Storage
import Testing

@Suite("Africa's Talking USSD webhook, through the real router and a real SQLite file")
struct USSDWebhookTests {
    @Test("a Vietnamese report walks to a case reference, and the case is stored with its answers")
    func vietnameseReport() async throws {
        try await withApp { client, store in
            var phone = USSDPhone(client)
            #expect(try await phone.dial().hasPrefix("CON Duong day bao ve tre em. Ban can gi?\n1. Bao tin tre gap nguy"))
            #expect(try await phone.answer("1") == "CON Ban bao tin cho ai?\n1. Cho chinh em\n2. Cho tre khac")
            #expect(try await phone.answer("2").hasPrefix("CON Chuyen gi xay ra?\n1. Bi danh\n2. Bi xam hai tinh duc"))
            #expect(try await phone.answer("1") == "CON Bay gio co tre dang gap nguy hiem khong?\n1. Co, ngay luc nay\n2. Khong")
            #expect(try await phone.answer("1") == "CON Chuyen xay ra o dau? Viet ten xa, huyen (vi du: Ha Long):")
            #expect(try await phone.answer("Hạ Long, Bãi Cháy") == "CON Tre bao nhieu tuoi? Bam so tuoi (khong biet: bam #).")
            #expect(try await phone.answer("mười") == "CON Hay bam mot so, vi du 12.\nTre bao nhieu tuoi? Bam so tuoi (khong biet: bam #).")
            #expect(try await phone.answer("9").hasPrefix("CON Can bo co the lien lac lai voi ban an toan khong?"))
            #expect(try await phone.answer("3") == "CON Ke ngan gon chuyen gi xay ra (hoac bam # de bo qua):")
            let end = try await phone.answer("#")
            let match = try #require(end.firstMatch(of: #/^END Cam on ban\. Ma so: (QN-[346789A-Y]{6})\. /#))
            let reference = String(match.1)
            #expect(end.hasSuffix("goi 111 mien phi 24/7."))

            let stored = try #require(try await store.findCase(reference: reference))
            #expect(stored.status == .submitted)
            #expect(stored.priority == .p1)
            #expect(stored.category == "physical")
            #expect(stored.reasons == ["P3: reached report_for_whom", "P1: danger_now = yes"])
            #expect(
                stored.answers == [
                    "for_whom": "other_child", "category": "physical", "danger_now": "yes", "location": "Hạ Long, Bãi Cháy",
                    "area": "Hạ Long", "age": "9", "contact": "none", "description": "unknown",
                ])
            #expect(stored.phone?.value == "+84912345678")
            #expect(stored.gatewayID == "at-ussd")
            // The P1 answer queued one escalation; the confirmation did not queue a second.
            #expect(try await store.outbox(kind: "escalation").map(\.priority) == [.p1])
        }
    }

    @Test("an English report works the same way")
    func englishReport() async throws {
        try await withApp { client, store in
            var phone = USSDPhone(client)
            _ = try await phone.dial()
            #expect(try await phone.answer("5").hasPrefix("CON Chon ngon ngu / Choose a language:"))
            #expect(try await phone.answer("2").hasPrefix("CON Child protection line. What do you need?\n1. Report a child at risk"))
            _ = try await phone.answer("1")
            _ = try await phone.answer("1")
            #expect(try await phone.answer("2") == "CON Is a child in danger right now?\n1. Yes, right now\n2. No")
            _ = try await phone.answer("2")
            _ = try await phone.answer("Cam Pha")
            _ = try await phone.answer("14")
            #expect(try await phone.answer("1") == "CON When is it safe to contact you?\n1. Morning\n2. Afternoon\n3. Evening\n4. Any time")
            _ = try await phone.answer("3")
            let end = try await phone.answer("my uncle, last year")
            let reference = String(try #require(end.firstMatch(of: #/Your reference: (QN-\w{6})/#)).1)
            let stored = try #require(try await store.findCase(reference: reference))
            #expect(stored.priority == .p2)
            #expect(stored.category == "sexual")
            #expect(stored.language == "en")
            #expect(stored.answers["contact"] == "sms")
            #expect(stored.answers["contact_time"] == "evening")
            #expect(stored.answers["age"] == "14")
            #expect(stored.answers["area"] == "Cẩm Phả")
            #expect(stored.answers["description"] == "my uncle, last year")
            #expect(try await store.outbox(kind: "escalation").map(\.priority) == [.p2])
        }
    }

    @Test("help now opens a P1 case and escalates it before the first answer")
    func helpNow() async throws {
        try await withApp { client, store in
            var phone = USSDPhone(client)
            _ = try await phone.dial()
            #expect(try await phone.answer("3").hasPrefix("CON Goi ngay 111 mien phi neu co the."))
            #expect(try await store.outbox(kind: "escalation").count == 1)
            _ = try await phone.answer("Uong Bi")
            let end = try await phone.answer("1")
            #expect(end.hasPrefix("END Da bao can bo 111."))
            let item = try #require(try await store.outbox(kind: "escalation").first)
            #expect(item.priority == .p1 && item.kind == "escalation")
            let reference = try #require(item.caseReference)
            let stored = try #require(try await store.findCase(reference: reference))
            #expect(stored.answers["location"] == "Uong Bi")
            #expect(stored.category == "physical")
        }
    }

    @Test("a retried request gets the same screen and stores nothing twice")
    func retryIsIdempotent() async throws {
        try await withApp { client, store in
            var phone = USSDPhone(client)
            _ = try await phone.dial()
            let first = try await phone.answer("1")
            let count = try await store.messageCount()
            let again = try await phone.post(text: "1")
            #expect(again.status == .ok)
            #expect(String(buffer: again.body) == first)
            #expect(try await store.messageCount() == count)
            // Concurrent retries of the next step also store it once.
            phone.answers.append("2")
            let responses = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<5 { group.addTask { [phone] in String(buffer: try await phone.post(text: "1*2").body) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(responses).count == 1)
            #expect(try await store.messageCount() == count + 2)
        }
    }

    @Test("a wrong answer repeats the screen with a hint, and a second moves the person forward")
    func wrongAnswers() async throws {
        try await withApp { client, _ in
            var phone = USSDPhone(client)
            _ = try await phone.dial()
            _ = try await phone.answer("1")
            _ = try await phone.answer("1")
            _ = try await phone.answer("1")
            #expect(
                try await phone.answer("9")
                    == "CON Chua dung, hay bam mot so ben duoi.\nBay gio co tre dang gap nguy hiem khong?\n1. Co, ngay luc nay\n2. Khong")
            #expect(try await phone.answer("x").hasPrefix("CON Chuyen xay ra o dau?"))
        }
    }

    @Test("a dial string with answers in it goes straight to that screen")
    func dialWithAnswers() async throws {
        try await withApp { client, _ in
            let phone = USSDPhone(client)
            let response = try await phone.post(text: "1*2")
            #expect(String(buffer: response.body).hasPrefix("CON Chuyen gi xay ra?"))
        }
    }

    @Test("the end-of-session notification is acknowledged")
    func sessionEnd() async throws {
        try await withApp { client, _ in
            var phone = USSDPhone(client)
            _ = try await phone.dial()
            let response = try await client.execute(
                uri: "/webhooks/at-ussd", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "sessionId=\(phone.sessionID)&status=Success&durationInMillis=1200&phoneNumber=%2B84912345678"))
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "OK")
        }
    }

    @Test("a session survives a restart: the store is closed and reopened on the same file")
    func survivesRestart() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sessionID = "ATUid_restart"
        try await withApp(databaseFolder: folder) { client, _ in
            var phone = USSDPhone(client)
            phone.sessionID = sessionID
            _ = try await phone.dial()
            _ = try await phone.answer("1")
        }
        try await withApp(databaseFolder: folder) { client, store in
            var phone = USSDPhone(client)
            phone.sessionID = sessionID
            phone.answers = ["1"]
            let screen = try await phone.answer("2")
            #expect(screen.hasPrefix("CON Chuyen gi xay ra?"))
            let count = try await store.messageCount()
            #expect(count == 6)
        }
    }

    @Test("urgent words written in a report take the person to help now, escalated as P1, the report kept")
    func urgentWordsJumpToHelpNow() async throws {
        try await withApp { client, store in
            var phone = USSDPhone(client)
            _ = try await phone.dial()
            _ = try await phone.answer("1")
            _ = try await phone.answer("1")
            _ = try await phone.answer("1")
            _ = try await phone.answer("2")  // not in danger now, the person first said
            let screen = try await phone.answer("bo dang danh em, cuu em")
            #expect(screen.hasPrefix("CON Goi ngay 111 mien phi neu co the."))
            let item = try #require(try await store.outbox(kind: "escalation").first)
            #expect(item.priority == .p1)
            let reference = try #require(item.caseReference)
            let stored = try #require(try await store.findCase(reference: reference))
            #expect(stored.priority == .p1)
            #expect(stored.category == "physical")
            #expect(stored.answers["danger_now"] == "no")
            #expect(stored.reasons.contains { $0.contains("dang danh") && $0.contains("in what was written") })
        }
    }

    @Test("HUY ends the USSD session and says so; the started report is kept as incomplete")
    func cancelByKeyword() async throws {
        try await withApp { client, store in
            var phone = USSDPhone(client)
            _ = try await phone.dial()
            _ = try await phone.answer("1")
            let end = try await phone.answer("HUY")
            #expect(end == "END Da dung. Chung toi se khong nhan tin cho ban. Can giup, goi 111 mien phi.")
            #expect(try await store.outbox(kind: "escalation").isEmpty)
        }
    }

    @Test("advice: two short screens, then a counsellor callback only when calling back is safe")
    func adviceAndCallback() async throws {
        try await withApp { client, store in
            var phone = USSDPhone(client)
            _ = try await phone.dial()
            #expect(try await phone.answer("2").hasPrefix("CON Ban muon hoi ve dieu gi?\n1. Gia dinh"))
            #expect(try await phone.answer("1").hasPrefix("CON Khi bo me cai nhau, do khong phai loi cua em."))
            #expect(try await phone.answer("1").hasPrefix("CON Em co the viet ra dieu lam em buon."))
            #expect(
                try await phone.answer("1") == "CON Em co muon noi chuyen voi tu van vien khong?\n1. Co, goi lai cho em\n2. Em se tu goi")
            #expect(try await phone.answer("1") == "CON Goi lai so nay co an toan cho em khong?\n1. An toan\n2. Khong an toan")
            let end = try await phone.answer("1")
            let reference = String(try #require(end.firstMatch(of: #/Ma so: (QN-\w{6})/#)).1)
            let stored = try #require(try await store.findCase(reference: reference))
            #expect(stored.answers["callback"] == "requested")
            #expect(stored.answers["contact"] == "call")
            #expect(stored.priority == .p3)
            #expect(try await store.outbox(kind: "escalation").map(\.priority) == [.p3])

            // Not safe to call back: no case, the free numbers instead.
            var other = USSDPhone(client)
            other.phone = "+84987654321"
            _ = try await other.dial()
            for answer in ["2", "3", "1", "1", "1"] { _ = try await other.answer(answer) }
            #expect(try await other.answer("2") == "END Goi mien phi 18001769 (tu van) hoac 111 (24/7) khi em thay an toan de noi chuyen.")
            #expect(try await store.outbox(kind: "escalation").count == 1)
        }
    }
}
