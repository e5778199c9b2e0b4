import Foundation
import Testing

@testable import Gateways

@Suite("The gateway catalog: each adapter describes itself once")
struct GatewayCatalogTests {
    /// What the service said about each kind before the adapters described themselves: kind,
    /// display name, channel, webhook methods, default reply, default send URL, signer.
    static let described: [(String, String, GatewayDescriptor.Channel, String, ReplyMode, String?, String?)] = [
        ("africastalking-ussd", "Africa's Talking USSD", .ussd, "POST", .api, nil, nil),
        ("africastalking-sms", "Africa's Talking SMS", .sms, "POST", .api, "https://api.africastalking.com/version1/messaging", nil),
        ("twilio", "Twilio SMS", .sms, "POST", .sync, "https://api.twilio.com/2010-04-01/Accounts/{username}/Messages.json", "Twilio"),
        ("vonage", "Vonage SMS", .sms, "GET or POST", .api, "https://rest.nexmo.com/sms/json", "Vonage"),
        ("kannel", "Kannel SMS", .sms, "GET", .sync, nil, nil),
        ("jasmin", "Jasmin SMS", .sms, "POST", .api, nil, nil),
        ("infobip", "Infobip SMS", .sms, "POST", .api, "https://api.infobip.com/sms/3/messages", nil),
        ("clickatell", "Clickatell SMS", .sms, "POST", .api, "https://platform.clickatell.com/messages", nil),
        ("generic-sms", "generic SMS", .sms, "GET or POST", .api, nil, nil),
        ("hubtel-ussd", "Hubtel USSD", .ussd, "POST", .api, nil, nil),
        ("infobip-ussd", "Infobip USSD", .ussd, "POST", .api, nil, nil),
        ("generic-ussd", "generic USSD", .ussd, "POST", .api, nil, nil),
    ]

    @Test("every kind is listed once, with the names, methods, reply mode, send URL and signer it always had")
    func descriptorsKeepEarlierBehaviour() throws {
        #expect(GatewayCatalog.kinds == Self.described.map(\.0))
        #expect(Set(GatewayCatalog.kinds).count == GatewayCatalog.all.count)
        for (kind, name, channel, methods, reply, sendURL, signer) in Self.described {
            let descriptor = try #require(GatewayCatalog.descriptor(kind: kind))
            #expect(descriptor.displayName == name)
            #expect(descriptor.channel == channel)
            #expect(descriptor.webhookMethod == methods)
            #expect(descriptor.defaultReply == reply, "\(kind)")
            #expect(descriptor.defaultSendURL == sendURL)
            #expect(descriptor.signature?.signer == signer)
        }
        #expect(GatewayCatalog.descriptor(kind: "Twilio") == nil)
    }

    @Test("each descriptor builds an adapter of its own channel; generic kinds need their format first")
    func descriptorsBuildTheirAdapters() throws {
        let settings = GatewaySettings(
            format: GenericFormat(body: .form, id: "id", from: "from", to: "to", text: "text"),
            ussdFormat: GenericUSSDFormat(sessionID: "s", phone: "p", text: "t"))
        for descriptor in GatewayCatalog.all {
            switch (descriptor.channel, try descriptor.makeAdapter(settings)) {
            case (.sms, .sms), (.ussd, .ussd): break
            default: Issue.record("\(descriptor.kind) built an adapter of the other channel")
            }
        }
        let bare = GatewaySettings()
        #expect(throws: GatewaySetupIssue.self) { try GatewayCatalog.descriptor(kind: "generic-sms")?.makeAdapter(bare) }
        #expect(GatewayCatalog.descriptor(kind: "generic-ussd")?.setupIssues(bare).map(\.key) == ["ussd_format"])
    }

    @Test("setup advice comes from the kind: sync replies, signatures only where the platform signs, Twilio's public URL")
    func setupIssuesFollowTheKind() throws {
        let kannel = try #require(GatewayCatalog.descriptor(kind: "kannel"))
        let vonage = try #require(GatewayCatalog.descriptor(kind: "vonage"))
        let twilio = try #require(GatewayCatalog.descriptor(kind: "twilio"))
        let hubtel = try #require(GatewayCatalog.descriptor(kind: "hubtel-ussd"))
        #expect(kannel.setupIssues(GatewaySettings(reply: .sync)).isEmpty)
        #expect(vonage.setupIssues(GatewaySettings(reply: .sync)).map(\.key) == ["reply"])
        #expect(vonage.setupIssues(GatewaySettings(signed: true)).isEmpty)
        let unsigned = hubtel.setupIssues(GatewaySettings(signed: true))
        #expect(
            unsigned.map(\.message) == ["only Twilio and Vonage sign their webhooks; use shared_secret_env, basic_username or allow_ips"])
        let proxied = twilio.setupIssues(GatewaySettings(reply: .sync, signed: true))
        #expect(proxied.map(\.key) == ["public_url"] && proxied.allSatisfy(\.isWarning))
        #expect(twilio.setupIssues(GatewaySettings(reply: .sync, publicURL: "https://h/webhooks/twilio", signed: true)).isEmpty)
        let generic = try #require(GatewayCatalog.descriptor(kind: "generic-sms"))
        let noReplyField = GatewaySettings(format: GenericFormat(body: .form, id: "id", from: "f", to: "t", text: "x"), reply: .sync)
        #expect(generic.setupIssues(noReplyField).first?.message.hasSuffix("(or put {reply} in format.response_body)") == true)
    }

    @Test("a descriptor's signature checks requests the way its platform signs them")
    func descriptorSignaturesVerify() throws {
        let twilio = try #require(GatewayCatalog.descriptor(kind: "twilio")?.signature)
        let url = "https://hotline.example/webhooks/twilio"
        let body = "Body=cuu&From=%2B84912345678&MessageSid=SM1"
        let pairs = [("Body", "cuu"), ("From", "+84912345678"), ("MessageSid", "SM1")].map { (name: $0.0, value: $0.1) }
        let signed = GatewayRequest(
            method: "POST", path: "/webhooks/twilio",
            headers: [
                "content-type": FormFields.mediaType,
                "x-twilio-signature": TwilioSignature.sign(url: url, parameters: pairs, authToken: "tok"),
            ],
            body: Array(body.utf8))
        let auth = WebhookAuth(signature: twilio.signature(secret: "tok", settings: GatewaySettings(publicURL: url)))
        #expect(auth.refusal(signed, remoteAddress: nil) == nil)
        let wrong = WebhookAuth(signature: twilio.signature(secret: "other", settings: GatewaySettings(publicURL: url)))
        #expect(wrong.refusal(signed, remoteAddress: nil)?.status == 403)
    }
}
