import Foundation
import HotlineDispatch
import Testing

@Suite("Escalation signature and backoff")
struct EscalationSignatureTests {
    @Test("the signature is HMAC-SHA256 over \"<t>.<body>\" in lower-case hex, as the README tells receivers")
    func knownVector() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
        let header = EscalationSignature.sign(body: Array(#"{"a":1}"#.utf8), secret: "secret", timestamp: 1_700_000_000)
        #expect(header == "t=1700000000,v1=\(expectedHex)")
    }

    let expectedHex = "49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"

    @Test("verification refuses another secret, an altered body and an old timestamp")
    func verification() {
        let body = Array(#"{"reference":"QN-7K3M9P"}"#.utf8)
        let header = EscalationSignature.sign(body: body, secret: "s3cret", timestamp: 1_700_000_000)
        #expect(EscalationSignature.verify(header: header, body: body, secret: "s3cret", now: 1_700_000_100))
        #expect(!EscalationSignature.verify(header: header, body: body, secret: "other", now: 1_700_000_100))
        #expect(!EscalationSignature.verify(header: header, body: body + [0x20], secret: "s3cret", now: 1_700_000_100))
        #expect(!EscalationSignature.verify(header: header, body: body, secret: "s3cret", now: 1_700_001_000))
        #expect(!EscalationSignature.verify(header: "t=1700000000,v1=zz", body: body, secret: "s3cret", now: 1_700_000_000))
    }

    @Test("backoff doubles from the first delay, stays within half to all of each step, and is capped")
    func backoff() {
        let backoff = Backoff(first: 2, max: 300)
        #expect(backoff.delay(afterAttempt: 1, unit: 0) == 1)
        #expect(backoff.delay(afterAttempt: 1, unit: 1) == 2)
        #expect(backoff.delay(afterAttempt: 4, unit: 0.5) == 12)
        #expect(backoff.delay(afterAttempt: 30, unit: 1) == 300)
        #expect(backoff.delay(afterAttempt: 30, unit: 0) == 150)
    }
}
