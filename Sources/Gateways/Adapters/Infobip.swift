import Foundation
import HotlineCore

/// Infobip SMS. Inbound messages are pushed as JSON `{"results":[{"messageId","from","to",
/// "text","receivedAt",...}],"messageCount":n}`, several per request; delivery reports as
/// `{"results":[{"messageId","status":{"groupName":"DELIVERED",...}}]}`. Sends are
/// `POST /sms/3/messages` with `Authorization: App <key>`.
public struct Infobip: SMSAdapter {
    public static let defaultSendURL = "https://api.infobip.com/sms/3/messages"

    public static let descriptor = GatewayDescriptor(
        kind: "infobip", displayName: "Infobip SMS", channel: .sms, defaultSendURL: defaultSendURL, build: { _ in .sms(Infobip()) })

    public init() {}

    public func parse(_ request: GatewayRequest) throws(GatewayError) -> [SMSEvent] {
        guard request.method == "POST" else {
            throw GatewayError(status: 405, reason: "Infobip posts messages and reports; got \(request.method)")
        }
        guard request.mediaType == JSONBody.mediaType else { throw .unsupportedMediaType(request.mediaType, expected: JSONBody.mediaType) }
        let body = try JSONBody(request.body)
        let results = body.array("results")
        guard !results.isEmpty else { throw GatewayError(status: 400, reason: "field 'results' is missing or empty") }
        guard results.count <= 100 else { throw GatewayError(status: 400, reason: "over 100 results in one request") }
        var events: [SMSEvent] = []
        for (i, result) in results.enumerated() {
            let id = try checkedID(result.string("messageId") ?? "", field: "results.\(i).messageId")
            if let group = result.string("status.groupName") {
                let name = result.string("status.name") ?? group
                events.append(.deliveryReport(DeliveryReport(gatewayMessageID: id, status: Self.deliveryStatus(group), detail: name)))
                continue
            }
            let from = try parseInternationalPhone(try result.required("from"), field: "results.\(i).from")
            let text = try checkedText(result.string("text") ?? result.string("cleanText") ?? "", field: "results.\(i).text")
            events.append(
                .message(
                    InboundSMS(
                        messageID: id, from: from, to: result.string("to") ?? "", text: text,
                        receivedAt: result.string("receivedAt").flatMap(Self.parseDate))))
        }
        return events
    }

    /// `2016-10-06T09:28:40.000+0000`.
    static func parseDate(_ raw: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSZ"
        return formatter.date(from: raw) ?? (try? Date(raw, strategy: .iso8601))
    }

    static func deliveryStatus(_ group: String) -> DeliveryStatus {
        switch group.uppercased() {
        case "DELIVERED": .delivered
        case "UNDELIVERABLE", "REJECTED", "EXPIRED": .failed
        default: .sent
        }
    }

    /// Our reference goes as the destination's `messageId`, so every report names it.
    public func sendRequest(_ message: OutboundText, account: SendAccount) -> OutboundHTTPRequest {
        var item: [String: Any] = [
            "destinations": [["to": message.to.digits, "messageId": message.reference]],
            "content": ["text": message.text],
        ]
        if let from = account.from { item["sender"] = from }
        if let callback = account.statusCallback {
            item["webhooks"] = ["delivery": ["url": callback], "contentType": "application/json"]
        }
        return OutboundHTTPRequest(
            method: "POST", url: account.url,
            headers: [
                ("Authorization", "App \(account.secret)"), ("Content-Type", JSONBody.mediaType), ("Accept", JSONBody.mediaType),
            ],
            body: JSONWriting.encode(["messages": [item]]))
    }

    /// `{"bulkId":..,"messages":[{"messageId":..,"status":{"groupName":"PENDING",...}}]}`.
    public func readSendResponse(status: Int, body: [UInt8], reference: String) -> SendOutcome {
        if let failure = Self.httpFailure(status: status, body: body) { return failure }
        guard let json = try? JSONBody(body), let first = json.array("messages").first else {
            return .failed("unreadable send response: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        let group = first.string("status.groupName") ?? "PENDING"
        if group == "REJECTED" || group == "UNDELIVERABLE" {
            return .failed("Infobip \(group): \(first.string("status.description") ?? first.string("status.name") ?? "")")
        }
        return .accepted(gatewayMessageID: first.string("messageId") ?? reference)
    }
}
