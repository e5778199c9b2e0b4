import Foundation
import HotlineCore

/// Clickatell Platform. Inbound messages are JSON `{messageId, fromNumber, toNumber,
/// timestamp (ms), text, charset}`; with `charset` UTF-16BE the text is the URL-escaped
/// UTF-16BE bytes. Status callbacks are JSON `{messageId, status, statusCode}`. Sends are
/// `POST /messages` with the API key in `Authorization`.
public struct Clickatell: SMSAdapter {
    public static let defaultSendURL = "https://platform.clickatell.com/messages"

    public static let descriptor = GatewayDescriptor(
        kind: "clickatell", displayName: "Clickatell SMS", channel: .sms, defaultSendURL: defaultSendURL,
        build: { _ in .sms(Clickatell()) })

    public init() {}

    public func parse(_ request: GatewayRequest) throws(GatewayError) -> [SMSEvent] {
        guard request.method == "POST" else {
            throw GatewayError(status: 405, reason: "Clickatell posts messages and status callbacks; got \(request.method)")
        }
        guard request.mediaType == JSONBody.mediaType else { throw .unsupportedMediaType(request.mediaType, expected: JSONBody.mediaType) }
        let body = try JSONBody(request.body)
        let payload = body.node("data") ?? body
        let id = try checkedID(payload.string("messageId") ?? "", field: "messageId")
        if payload.string("text") == nil, let status = payload.string("status") {
            let reference = payload.string("clientMessageId").flatMap { $0.hasPrefix("hl-") ? $0 : nil }
            return [
                .deliveryReport(
                    DeliveryReport(gatewayMessageID: reference ?? id, status: Self.deliveryStatus(status), detail: status))
            ]
        }
        let from = try parseInternationalPhone(try payload.required("fromNumber"), field: "fromNumber")
        let text = try checkedText(try Self.decodeText(try payload.required("text"), charset: payload.string("charset")), field: "text")
        let receivedAt = payload.string("timestamp").flatMap { Double($0) }.map { Date(timeIntervalSince1970: $0 / 1000) }
        return [.message(InboundSMS(messageID: id, from: from, to: payload.string("toNumber") ?? "", text: text, receivedAt: receivedAt))]
    }

    /// UTF-16BE and ISO-8859-1 texts come as percent-escaped bytes.
    static func decodeText(_ raw: String, charset: String?) throws(GatewayError) -> String {
        let name = (charset ?? "UTF-8").uppercased()
        guard name != "UTF-8" else { return raw }
        let bytes = try FormFields.percentDecode(ArraySlice(raw.utf8))
        return try RawFormFields.decode(bytes, name: "text", charset: name)
    }

    /// Received by recipient is on the phone; errors, expiry, cancellation and rejections are
    /// final; the rest (queued, delivered to gateway) are on the way.
    static func deliveryStatus(_ status: String) -> DeliveryStatus {
        let word = status.uppercased()
        if word == "RECEIVED_BY_RECIPIENT" { return .delivered }
        if ["ERROR", "EXPIRED", "CANCELLED", "FAILED", "REJECTED"].contains(where: { word.contains($0) }) { return .failed }
        return .sent
    }

    public func sendRequest(_ message: OutboundText, account: SendAccount) -> OutboundHTTPRequest {
        var object: [String: Any] = [
            "content": message.text, "to": [message.to.digits], "clientMessageId": message.reference,
            "charset": "UTF-8",
        ]
        if let from = account.from { object["from"] = from }
        return OutboundHTTPRequest(
            method: "POST", url: account.url,
            headers: [("Authorization", account.secret), ("Content-Type", JSONBody.mediaType), ("Accept", JSONBody.mediaType)],
            body: JSONWriting.encode(object))
    }

    /// `{"messages":[{"apiMessageId":..,"accepted":true,"to":..,"errorCode":null}],"error":null}`.
    public func readSendResponse(status: Int, body: [UInt8], reference: String) -> SendOutcome {
        if let failure = Self.httpFailure(status: status, body: body) { return failure }
        guard let json = try? JSONBody(body), let first = json.array("messages").first else {
            return .failed("unreadable send response: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        guard first.bool("accepted") == true else {
            return .failed("Clickatell \(first.string("errorCode") ?? ""): \(first.string("errorDescription") ?? "not accepted")")
        }
        return .accepted(gatewayMessageID: first.string("apiMessageId") ?? reference)
    }
}
