import HotlineCore

/// Africa's Talking USSD: a form POST per hit with `sessionId, serviceCode, phoneNumber,
/// networkCode, text`, where `text` holds every answer so far joined by `*` (empty at the
/// start). The reply is `text/plain`, `CON <screen>` to continue or `END <screen>` to close.
/// The same URL may receive the end-of-session notification (`status`, `durationInMillis`).
public struct AfricasTalkingUSSD: USSDAdapter {
    public static let mediaType = "application/x-www-form-urlencoded"

    public static let descriptor = GatewayDescriptor(
        kind: "africastalking-ussd", displayName: "Africa's Talking USSD", channel: .ussd, build: { _ in .ussd(AfricasTalkingUSSD()) })

    public init() {}

    public func parse(_ request: GatewayRequest) throws(GatewayError) -> USSDEvent {
        guard request.method == "POST" else {
            throw GatewayError(status: 405, reason: "Africa's Talking posts USSD requests; got \(request.method)")
        }
        guard request.mediaType == Self.mediaType else {
            throw .unsupportedMediaType(request.mediaType, expected: Self.mediaType)
        }
        let form = try FormFields(query: request.query, body: request.body)
        let sessionID = try form.required("sessionId")
        guard !sessionID.isEmpty, sessionID.utf8.count <= 128 else {
            throw GatewayError(status: 400, reason: "field 'sessionId' must hold 1 to 128 characters")
        }
        // An end notification carries a status and no text.
        if let status = form["status"], form["text"] == nil {
            return .ended(sessionID: sessionID, status: status)
        }
        let serviceCode = try form.required("serviceCode")
        // The reader Africa's Talking SMS uses, so a number an SMSC sent without its `+` is one
        // person whichever channel they reached us by.
        let phone = try parsePhone(try form.required("phoneNumber"), field: "phoneNumber")
        let text = try form.required("text")
        return .request(
            USSDRequest(
                sessionID: sessionID, serviceCode: serviceCode, phone: phone, network: form["networkCode"], text: text))
    }

    /// `CON`/`END` and the screen, exactly as the handset will show it.
    public func reply(_ screen: String, continues: Bool) -> GatewayResponse {
        GatewayResponse(body: (continues ? "CON " : "END ") + screen)
    }

    /// The answer to an end-of-session notification.
    public func acknowledge() -> GatewayResponse {
        GatewayResponse(body: "OK")
    }
}

/// Reading the new answer out of a cumulative USSD `text`.
public enum USSDInput {
    /// The inputs `text` adds to what was already processed. Africa's Talking sends the whole
    /// history (`1*2*Ha Long`); when it extends what we processed, the new part is the answer
    /// (kept whole, so a typed `*` inside an answer survives). When it does not (some networks
    /// reset the history after a back-navigation), the last `*` part is the answer.
    /// A first hit with text (a dial such as `*384*1769*1#`) yields each part in turn.
    public static func newInputs(cumulative text: String, processed: String?) -> [String] {
        guard let processed else {
            return text.isEmpty ? [] : text.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        }
        if processed.isEmpty { return text.isEmpty ? [] : [text] }
        if text.hasPrefix(processed + "*") { return [String(text.dropFirst(processed.count + 1))] }
        return [text.split(separator: "*", omittingEmptySubsequences: false).last.map(String.init) ?? text]
    }
}
