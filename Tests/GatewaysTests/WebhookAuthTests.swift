import Foundation
import Testing

@testable import Gateways

@Suite("Webhook authenticity: shared secret, Basic auth, IP allow-list")
struct WebhookAuthTests {
    let request = GatewayRequest(method: "POST", path: "/webhooks/x", query: "secret=s3cret&a=1", headers: ["X-Hotline-Secret": "h3ader"])

    @Test("a shared secret in a header or query field: missing is 401, wrong is 403, right passes")
    func sharedSecret() {
        let header = WebhookAuth(sharedSecret: "h3ader", sharedSecretHeader: "X-Hotline-Secret")
        #expect(header.refusal(request, remoteAddress: nil) == nil)
        #expect(header.refusal(GatewayRequest(method: "POST", path: "/"), remoteAddress: nil)?.status == 401)
        #expect(
            WebhookAuth(sharedSecret: "other", sharedSecretHeader: "X-Hotline-Secret").refusal(request, remoteAddress: nil)?.status == 403)
        let query = WebhookAuth(sharedSecret: "s3cret", sharedSecretQuery: "secret")
        #expect(query.refusal(request, remoteAddress: nil) == nil)
        #expect(WebhookAuth(sharedSecret: "s3cre", sharedSecretQuery: "secret").refusal(request, remoteAddress: nil)?.status == 403)
    }

    @Test("Basic auth: missing is 401, wrong is 403, right passes")
    func basic() {
        let auth = WebhookAuth(basicAuth: ("hubtel", "pw"))
        var signed = request
        signed.headers["authorization"] = "Basic " + Data("hubtel:pw".utf8).base64EncodedString()
        #expect(auth.refusal(signed, remoteAddress: nil) == nil)
        #expect(auth.refusal(request, remoteAddress: nil)?.status == 401)
        signed.headers["authorization"] = "Basic " + Data("hubtel:pW".utf8).base64EncodedString()
        #expect(auth.refusal(signed, remoteAddress: nil)?.status == 403)
    }

    @Test(
        "the allow-list matches addresses and CIDR ranges, IPv4 and IPv6",
        arguments: [
            ("10.1.2.3", true), ("10.255.0.1", true), ("11.0.0.1", false), ("127.0.0.1", true), ("127.0.0.2", false),
            ("::1", true), ("2001:db8:1::5", true), ("2001:db9::1", false), ("::ffff:10.0.0.7", true), (nil, false), ("garbage", false),
        ])
    func allowList(address: String?, allowed: Bool) {
        let auth = WebhookAuth(allowedNetworks: ["10.0.0.0/8", "127.0.0.1", "::1", "2001:db8::/32"].compactMap(IPNetwork.init))
        #expect((auth.refusal(request, remoteAddress: address) == nil) == allowed)
    }

    @Test("malformed ranges are not networks")
    func badRanges() {
        for text in ["10.0.0.0/33", "300.1.1.1", "1.2.3", "::1/129", "abc", "1:2:3:4:5:6:7:8:9"] {
            #expect(IPNetwork(text) == nil, "\(text)")
        }
    }
}
