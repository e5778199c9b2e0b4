import HotlineCore

/// Hubtel USSD: a JSON POST per hit, `{Mobile, SessionId, ServiceCode, Type, Message,
/// Operator, Sequence, ClientState}`. `Type` is `Initiation` (Message is the dialled code),
/// `Response` (Message is the latest answer only), `Release` or `Timeout`. The answer is
/// JSON `{"Type":"Response"|"Release","Message":...}`.
public struct HubtelUSSD: USSDAdapter {
    public static let descriptor = GatewayDescriptor(
        kind: "hubtel-ussd", displayName: "Hubtel USSD", channel: .ussd, build: { _ in .ussd(HubtelUSSD()) })

    public init() {}

    public func parse(_ request: GatewayRequest) throws(GatewayError) -> USSDEvent {
        guard request.method == "POST" else { throw GatewayError(status: 405, reason: "Hubtel posts USSD hits; got \(request.method)") }
        guard request.mediaType == JSONBody.mediaType else { throw .unsupportedMediaType(request.mediaType, expected: JSONBody.mediaType) }
        let body = try JSONBody(request.body)
        let sessionID = try requireSessionID(body.string("SessionId"), field: "SessionId")
        let type = try body.required("Type")
        switch type.lowercased() {
        case "release", "timeout":
            return .ended(sessionID: sessionID, status: type)
        case "initiation", "response":
            break
        default:
            throw GatewayError(status: 400, reason: "field 'Type' is '\(type)'; expected Initiation, Response, Release or Timeout")
        }
        let phone = try parseInternationalPhone(try body.required("Mobile"), field: "Mobile")
        let initiation = type.lowercased() == "initiation"
        let message = body.string("Message") ?? ""
        guard message.utf8.count <= 1024 else { throw GatewayError(status: 400, reason: "field 'Message' is over 1 KiB") }
        return .request(
            USSDRequest(
                sessionID: sessionID, serviceCode: body.string("ServiceCode") ?? "", phone: phone, network: body.string("Operator"),
                text: initiation ? "" : message, cumulative: false, sequence: body.string("Sequence")))
    }

    public func reply(_ screen: String, continues: Bool) -> GatewayResponse {
        GatewayResponse(
            contentType: "application/json",
            body: String(decoding: JSONWriting.encode(["Type": continues ? "Response" : "Release", "Message": screen]), as: UTF8.self))
    }

    public func acknowledge() -> GatewayResponse {
        GatewayResponse(
            contentType: "application/json", body: String(decoding: JSONWriting.encode(["Type": "Release", "Message": ""]), as: UTF8.self))
    }
}
