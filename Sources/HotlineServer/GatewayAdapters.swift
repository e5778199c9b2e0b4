import Gateways

/// The adapter each configured gateway speaks, chosen once from its kind.
enum GatewayAdapter: Sendable {
    case sms(any SMSAdapter)
    case ussd(any USSDAdapter)

    init(_ gateway: GatewayConfig) {
        switch gateway.kind {
        case .africastalkingUSSD: self = .ussd(AfricasTalkingUSSD())
        case .hubtelUSSD: self = .ussd(HubtelUSSD())
        case .infobipUSSD: self = .ussd(InfobipUSSD())
        case .genericUSSD:
            // check-config refuses a generic-ussd gateway without `ussd_format`.
            self = .ussd(
                GenericUSSD(format: gateway.ussdFormat ?? GenericUSSDFormat(sessionID: "sessionId", phone: "msisdn", text: "text")))
        case .africastalkingSMS: self = .sms(AfricasTalkingSMS())
        case .twilio: self = .sms(Twilio())
        case .vonage: self = .sms(Vonage())
        case .kannel: self = .sms(Kannel())
        case .jasmin: self = .sms(Jasmin())
        case .infobip: self = .sms(Infobip())
        case .clickatell: self = .sms(Clickatell())
        case .genericSMS:
            self = .sms(GenericSMS(format: gateway.format ?? GenericFormat(body: .form, id: "id", from: "from", to: "to", text: "text")))
        }
    }

    var sms: (any SMSAdapter)? {
        if case .sms(let adapter) = self { adapter } else { nil }
    }
}
