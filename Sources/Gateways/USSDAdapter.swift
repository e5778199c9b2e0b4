/// One USSD gateway's formats: each hit in, each screen out.
public protocol USSDAdapter: Sendable {
    func parse(_ request: GatewayRequest) throws(GatewayError) -> USSDEvent
    /// The screen, and whether the session stays open for an answer.
    func reply(_ screen: String, continues: Bool) -> GatewayResponse
    /// The answer to an end-of-session notification.
    func acknowledge() -> GatewayResponse
}

func requireSessionID(_ id: String?, field: String) throws(GatewayError) -> String {
    guard let id else { throw .missingField(field) }
    guard !id.isEmpty, id.utf8.count <= 128 else {
        throw GatewayError(status: 400, reason: "field '\(field)' must hold 1 to 128 characters")
    }
    return id
}
