import HotlineCore

/// Infobip USSD: JSON POSTs to `<webhook>/session/{id}/start` (`{msisdn, shortCode, text}`)
/// and `<webhook>/session/{id}/response` (`{msisdn, text}`, the latest answer), and
/// `PUT <webhook>/session/{id}/end` when the session closes. The answer is JSON
/// `{"shouldClose":bool,"ussdMenu":...,"responseExitCode":200}`.
public struct InfobipUSSD: USSDAdapter {
    public static let descriptor = GatewayDescriptor(
        kind: "infobip-ussd", displayName: "Infobip USSD", channel: .ussd, build: { _ in .ussd(InfobipUSSD()) })

    public init() {}

    public func parse(_ request: GatewayRequest) throws(GatewayError) -> USSDEvent {
        let parts = request.path.split(separator: "/")
        guard let at = parts.lastIndex(of: "session"), parts.count == at + 3 else {
            throw GatewayError(
                status: 404, reason: "Infobip USSD calls <webhook>/session/{id}/start, /response and /end; got \(request.path)")
        }
        let sessionID = try requireSessionID(String(parts[at + 1]), field: "session id")
        let action = parts[at + 2]
        if action == "end" {
            guard request.method == "PUT" || request.method == "POST" else {
                throw GatewayError(status: 405, reason: "the end of a session is a PUT; got \(request.method)")
            }
            let status = request.body.isEmpty ? nil : (try? JSONBody(request.body))?.string("reason")
            return .ended(sessionID: sessionID, status: status ?? "end")
        }
        guard action == "start" || action == "response" else {
            throw GatewayError(status: 404, reason: "unknown session action '\(action)'; expected start, response or end")
        }
        guard request.method == "POST" else { throw GatewayError(status: 405, reason: "Infobip posts USSD hits; got \(request.method)") }
        guard request.mediaType == JSONBody.mediaType else { throw .unsupportedMediaType(request.mediaType, expected: JSONBody.mediaType) }
        let body = try JSONBody(request.body)
        let phone = try parseInternationalPhone(try body.required("msisdn"), field: "msisdn")
        let text = body.string("text") ?? ""
        guard text.utf8.count <= 1024 else { throw GatewayError(status: 400, reason: "field 'text' is over 1 KiB") }
        return .request(
            USSDRequest(
                sessionID: sessionID, serviceCode: body.string("shortCode") ?? "", phone: phone, network: body.string("networkName"),
                text: action == "start" ? "" : text, cumulative: false, sequence: nil))
    }

    public func reply(_ screen: String, continues: Bool) -> GatewayResponse {
        let object: [String: Any] = ["shouldClose": !continues, "ussdMenu": screen, "responseExitCode": 200, "responseMessage": ""]
        return GatewayResponse(contentType: "application/json", body: String(decoding: JSONWriting.encode(object), as: UTF8.self))
    }

    public func acknowledge() -> GatewayResponse {
        GatewayResponse(contentType: "application/json", body: "{}")
    }
}
