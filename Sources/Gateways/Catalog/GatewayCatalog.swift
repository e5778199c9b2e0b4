/// Every gateway this build speaks, registered once. Adding one: its adapter file declares a
/// `descriptor`, and it is listed here (README, "Adding a gateway").
public enum GatewayCatalog {
    public static let all: [GatewayDescriptor] = [
        AfricasTalkingUSSD.descriptor, AfricasTalkingSMS.descriptor, Twilio.descriptor, Vonage.descriptor, Kannel.descriptor,
        Jasmin.descriptor, Infobip.descriptor, Clickatell.descriptor, GenericSMS.descriptor, HubtelUSSD.descriptor,
        InfobipUSSD.descriptor, GenericUSSD.descriptor,
    ]

    private static let byKind = Dictionary(all.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })

    public static func descriptor(kind: String) -> GatewayDescriptor? { byKind[kind] }

    /// The `kind:` values a gateway file may name, in catalog order.
    public static var kinds: [String] { all.map(\.kind) }
}
