import Foundation
import Testing

@testable import Gateways
@testable import HotlineCore

@Suite("Twilio adapter: messages, status callbacks, TwiML, Messages API, signatures")
struct TwilioTests {
    let adapter = Twilio()

    @Test("an incoming message gives its sid, sender, number and text")
    func message() throws {
        let sms = try adapter.parse(try Fixture.request("twilio", "message.form")).onlyMessage()
        #expect(
            sms == InboundSMS(messageID: "SM8f845e2856ffeed3364dccb86432878e", from: Fixture.phone, to: "18001769", text: "toi bi bo danh"))
        #expect(try adapter.parse(try Fixture.request("twilio", "message-unicode.form")).onlyMessage().text.contains("ơ"))
    }

    @Test("status callbacks map delivered, failed and undelivered, keeping the error code")
    func statusCallbacks() throws {
        #expect(try adapter.parse(try Fixture.request("twilio", "status-delivered.form")).onlyReport().status == .delivered)
        let failed = try adapter.parse(try Fixture.request("twilio", "status-failed.form")).onlyReport()
        #expect(failed == DeliveryReport(gatewayMessageID: "SMdb9f42add8226c6c6dcb2c91ae343f1b", status: .failed, detail: "failed 30008"))
        #expect(try adapter.parse(try Fixture.request("twilio", "status-undelivered.form")).onlyReport().status == .failed)
    }

    @Test("the answer is TwiML: an empty Response, or the reply escaped in a Message")
    func twiml() {
        #expect(adapter.respond(reply: nil).body == #"<?xml version="1.0" encoding="UTF-8"?><Response/>"#)
        let reply = adapter.respond(reply: "1. Bao cao <tre em> & 2. Tu van")
        #expect(reply.contentType.hasPrefix("text/xml"))
        #expect(reply.body.contains("<Message>1. Bao cao &lt;tre em&gt; &amp; 2. Tu van</Message>"))
    }

    @Test("a send posts To, From, Body and StatusCallback with Basic auth to the account's Messages.json")
    func send() throws {
        let request = adapter.sendRequest(
            OutboundText(to: Fixture.phone, text: "Chao em", reference: "hl-3"),
            account: SendAccount(
                url: Twilio.defaultSendURL, username: "AC123", secret: "tok", from: "+18005550111",
                statusCallback: "https://hotline.example.org/webhooks/twilio"))
        #expect(request.url == "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json")
        #expect(request.header("Authorization") == "Basic " + Data("AC123:tok".utf8).base64EncodedString())
        #expect(
            request.bodyText
                == "To=%2B84912345678&Body=Chao%20em&From=%2B18005550111&StatusCallback=https%3A%2F%2Fhotline.example.org%2Fwebhooks%2Ftwilio"
        )
        let service = adapter.sendRequest(
            OutboundText(to: Fixture.phone, text: "x", reference: "hl-3"),
            account: SendAccount(url: Twilio.defaultSendURL, username: "AC1", secret: "t", from: "MG9752274e9e519418a7406176694466fa"))
        #expect(service.bodyText.contains("MessagingServiceSid=MG9752274e9e519418a7406176694466fa"))
    }

    @Test("send answers: 201 is accepted with its sid, 400 fails with Twilio's code, 429 and 5xx are retried")
    func sendAnswers() throws {
        #expect(
            adapter.readSendResponse(status: 201, body: try Fixture.bytes("twilio", "send-response.json"), reference: "hl-1")
                == .accepted(gatewayMessageID: "SMb724100aa72ea22fa9fdc1d840fc3e42"))
        #expect(
            adapter.readSendResponse(status: 400, body: try Fixture.bytes("twilio", "send-error.json"), reference: "hl-1")
                == .failed("Twilio 21211: Invalid 'To' Phone Number: +8491234XXXX"))
        guard case .retry = adapter.readSendResponse(status: 429, body: try Fixture.bytes("twilio", "send-throttled.json"), reference: "")
        else { throw GatewayError(status: 0, reason: "429 must be retried") }
        guard case .retry = adapter.readSendResponse(status: 503, body: [], reference: "") else {
            throw GatewayError(status: 0, reason: "503 must be retried")
        }
    }

    @Test("Twilio's published signature vector passes and its forgeries fail")
    func publishedVector() {
        let parameters = [
            ("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"), ("From", "+12349013030"),
            ("To", "+18005551212"),
        ].map { (name: $0.0, value: $0.1) }
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
        #expect(TwilioSignature.sign(url: url, parameters: parameters, authToken: "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
        #expect(TwilioSignature.sign(url: url, parameters: parameters, authToken: "12346") != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
        var changed = parameters
        changed[2].value = "1235"
        #expect(TwilioSignature.sign(url: url, parameters: changed, authToken: "12345") != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
        #expect(
            TwilioSignature.sign(url: "http://mycompany.com/myapp.php?foo=1&bar=2", parameters: parameters, authToken: "12345")
                != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    }

    @Test("a webhook is checked against the configured public URL: signed passes, unsigned is 401, forged or tampered is 403")
    func webhookSignature() throws {
        let publicURL = "https://hotline.example.org/webhooks/twilio"
        let auth = WebhookAuth(signature: .twilio(authToken: "secret-token", publicURL: publicURL))
        var request = try Fixture.request("twilio", "message.form")
        request.headers["host"] = "127.0.0.1:8080"  // what the proxy forwards: not what Twilio signed
        let form = try FormFields(query: "", body: request.body)
        request.headers["x-twilio-signature"] = TwilioSignature.sign(url: publicURL, parameters: form.pairs, authToken: "secret-token")
        #expect(auth.refusal(request, remoteAddress: "203.0.113.9") == nil)

        var unsigned = request
        unsigned.headers["x-twilio-signature"] = nil
        #expect(auth.refusal(unsigned, remoteAddress: nil)?.status == 401)

        var forged = request
        forged.headers["x-twilio-signature"] = TwilioSignature.sign(url: publicURL, parameters: form.pairs, authToken: "guess")
        #expect(auth.refusal(forged, remoteAddress: nil)?.status == 403)

        var tampered = request
        tampered.body = Array(String(decoding: request.body, as: UTF8.self).replacingOccurrences(of: "toi+bi", with: "ban+bi").utf8)
        #expect(auth.refusal(tampered, remoteAddress: nil)?.status == 403)
    }
}
