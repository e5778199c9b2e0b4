import Foundation
import HotlineCore
import Testing

@testable import HotlineDispatch
@testable import Storage

/// The 111 system parses the escalation body and on-call operators read the alert SMS: both
/// are contracts with people outside this repository. These tests hold every byte of them, so
/// a change to either is made on purpose (and the README's description with it).
@Suite("The 111 payload and the alert SMS, byte for byte")
struct EscalationContractTests {
    static let at = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-30T00:53:20Z

    static func detail(phone: PhoneNumber?, contact: String?, answers: [String: String]) -> CaseDetail {
        CaseDetail(
            summary: CaseSummary(
                id: 42, reference: "QN-7K3M", priority: .p1, category: "physical", status: .submitted, handling: .new,
                area: answers["area"], channel: .ussd, gatewayID: "at-ussd", maskedPhone: "+8491****678", createdAt: at,
                updatedAt: at.addingTimeInterval(60), acknowledgedBy: nil, claimedBy: nil),
            reasons: ["P1: 'bo dang danh' (physical)", "answer danger_now = yes"], answers: answers, language: "vi", phone: phone,
            contact: contact,
            transcript: [
                TranscriptLine(direction: "in", text: "*111#", at: at),
                TranscriptLine(direction: "out", text: "1. Bao tin", at: at.addingTimeInterval(1)),
                TranscriptLine(direction: "in", text: "bố đang đánh em", at: at.addingTimeInterval(20)),
            ],
            events: [CaseEvent(at: at, kind: "opened", detail: "", actor: nil)], outcome: nil)
    }

    @Test("the escalation body of a known case is exactly this JSON: keys sorted, times in ISO 8601, the number only with consent")
    func payloadGolden() throws {
        let consented = Self.detail(
            phone: try PhoneNumber(parsing: "+84912345678"), contact: "sms",
            answers: ["area": "Hạ Long", "age": "12", "for_whom": "self", "danger_now": "yes", "contact_time": "evening"])
        let body = try EscalationPayload(
            escalationID: "esc-0123456789abcdef0123456789abcdef-7", detail: consented, escalatedAt: Self.at.addingTimeInterval(30),
            operatorAPIURL: "https://hotline.example.vn/api/v1/"
        ).encoded()
        let expected =
            #"{"answers":{"age":"12","area":"Hạ Long","contact_time":"evening","danger_now":"yes","for_whom":"self"},"#
            + #""area":"Hạ Long","case_id":42,"category":"physical","channel":"ussd","child_age":"12","#
            + #""contact":{"phone":"+84912345678","preference":"sms","when":"evening"},"danger_now":"yes","#
            + #""escalated_at":"2026-11-30T00:53:50Z","escalation_id":"esc-0123456789abcdef0123456789abcdef-7","#
            + #""gateway":"at-ussd","language":"vi","operator_url":"https://hotline.example.vn/api/v1/cases/QN-7K3M","#
            + #""priority":"P1","reasons":["P1: 'bo dang danh' (physical)","answer danger_now = yes"],"reference":"QN-7K3M","#
            + #""reported_at":"2026-11-30T00:53:20Z","reporter":"self","status":"submitted","#
            + #""transcript":[{"at":"2026-11-30T00:53:20Z","from":"person","text":"*111#"},"#
            + #"{"at":"2026-11-30T00:53:21Z","from":"service","text":"1. Bao tin"},"#
            + #"{"at":"2026-11-30T00:53:40Z","from":"person","text":"bố đang đánh em"}]}"#
        #expect(String(decoding: body, as: UTF8.self) == expected)
    }

    @Test("without consent the body has no number at all: contact preference and phone are null")
    func payloadWithoutConsentGolden() throws {
        let body = try EscalationPayload(
            escalationID: "esc-x-1", detail: Self.detail(phone: nil, contact: nil, answers: [:]), escalatedAt: Self.at,
            operatorAPIURL: "https://hotline.example.vn/api/v1"
        ).encoded()
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.contains(#""contact":{},"#))
        #expect(!text.contains("912345678") && !text.contains("+84"))
        #expect(text.contains(#""operator_url":"https://hotline.example.vn/api/v1/cases/QN-7K3M""#))
    }

    @Test("the alert SMS is exactly this text: priority, reference, category, area unaccented, callback only with consent")
    func alertGolden() throws {
        let consented = Self.detail(phone: try PhoneNumber(parsing: "+84912345678"), contact: "call", answers: ["area": "Hạ Long"])
        #expect(
            AlertText.make(for: consented, nationalHotline: "111")
                == "[111] P1 QN-7K3M, physical, Ha Long, goi lai/call back +84912345678. Tra loi/reply: OK QN-7K3M")
        let anonymous = Self.detail(phone: nil, contact: nil, answers: [:])
        #expect(
            AlertText.make(for: anonymous, nationalHotline: "111")
                == "[111] P1 QN-7K3M, physical, khong lien lac lai/no contact. Tra loi/reply: OK QN-7K3M")
        let far = Self.detail(phone: nil, contact: nil, answers: ["location": "Thôn Khuổi Tà, xã Phiêng Luông, huyện Bắc Yên"])
        #expect(
            AlertText.make(for: far, nationalHotline: "18001769")
                == "[18001769] P1 QN-7K3M, physical, Thon Khuoi Ta, xa Phieng Luong, khong lien lac lai/no contact. "
                + "Tra loi/reply: OK QN-7K3M")
    }
}
