import Foundation
import Testing

@testable import Gateways
@testable import HotlineCore

@Suite("Generic SMS adapter: fields named in config, in form, JSON or XML bodies")
struct GenericSMSTests {
    @Test(
        "the same message is read from a SOAP envelope, bare XML, nested JSON and a form",
        arguments: [
            (
                "mo.xml",
                GenericFormat(
                    body: .xml, id: "moRequest/msgId", from: "moRequest/source", to: "moRequest/destination", text: "moRequest/content")
            ),
            ("mo-bare.xml", GenericFormat(body: .xml, id: "moRequest/msgId", from: "source", to: "destination", text: "content")),
            ("mo.json", GenericFormat(body: .json, id: "message.id", from: "message.from", to: "message.to", text: "message.text")),
            ("mo.form", GenericFormat(body: .form, id: "id", from: "from", to: "to", text: "text")),
        ])
    func readsEveryBody(file: String, format: GenericFormat) throws {
        let sms = try GenericSMS(format: format).parse(try Fixture.request("generic", file)).onlyMessage()
        #expect(sms.from == Fixture.phone)
        #expect(sms.to == "18001769")
        #expect(sms.text == "toi bi bo danh")
        #expect(!sms.messageID.isEmpty)
    }

    @Test("XML character references and JSON escapes give the Vietnamese text")
    func unicode() throws {
        let xml = GenericFormat(body: .xml, id: "msgId", from: "source", to: nil, text: "content")
        #expect(
            try GenericSMS(format: xml).parse(try Fixture.request("generic", "mo-unicode.xml")).onlyMessage().text
                == "Chú ơi cứu em & mẹ em")
        let json = GenericFormat(body: .json, id: "message.id", from: "message.from", to: nil, text: "message.text")
        #expect(try GenericSMS(format: json).parse(try Fixture.request("generic", "mo-unicode.json")).onlyMessage().text.contains("ơ"))
    }

    @Test("XML with a DOCTYPE, unbalanced tags or a bare & is refused with the reason")
    func hostileXML() {
        let format = GenericFormat(body: .xml, id: nil, from: "source", to: nil, text: "content")
        for body in [
            #"<!DOCTYPE x [<!ENTITY a "aaaa">]><moRequest><source>1</source></moRequest>"#, "<moRequest><source>1</moRequest>",
            "<moRequest><content>a & b</content></moRequest>", "not xml at all",
        ] {
            let request = GatewayRequest(method: "POST", path: "/", body: Array(body.utf8))
            let error = #expect(throws: GatewayError.self) { try GenericSMS(format: format).parse(request) }
            #expect(error?.status == 400)
        }
    }

    @Test("a {reply} response template makes the reply go in the webhook answer, escaped for its type")
    func responseTemplate() {
        var format = GenericFormat(body: .xml, id: nil, from: "source", to: nil, text: "content", responseBody: "<r><msg>{reply}</msg></r>")
        #expect(GenericSMS(format: format).repliesInResponse)
        #expect(GenericSMS(format: format).respond(reply: "a<b").body == "<r><msg>a&lt;b</msg></r>")
        format.responseBody = "OK"
        #expect(!GenericSMS(format: format).repliesInResponse)
    }
}
