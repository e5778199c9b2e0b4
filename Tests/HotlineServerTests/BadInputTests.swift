import Foundation
import HTTPTypes
import HotlineServer
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Bad input gets a clear 4xx, never a 500")
struct BadInputTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// The reason in Hummingbird's error body `{"error":{"message":...}}`.
    func errorMessage(_ response: TestResponse) -> String {
        let json = try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: [String: String]]
        return json?["error"]?["message"] ?? "<no error message in \(String(buffer: response.body))>"
    }

    @Test("an unknown gateway id is 404 naming the configured ones")
    func unknownGateway() async throws {
        try await withApp { client, _ in
            let response = try await client.execute(
                uri: "/webhooks/nope", method: .post, headers: Self.form, body: ByteBuffer(string: "a=b"))
            #expect(response.status == .notFound)
            #expect(
                errorMessage(response).contains(
                    "no gateway 'nope' is configured here; configured: at-sms, at-ussd, clickatell, generic-sms, hubtel-ussd, infobip, infobip-ussd, jasmin, kannel, twilio, vonage"
                ))
        }
    }

    @Test("a missing field is 400 naming the field")
    func missingField() async throws {
        try await withApp { client, store in
            let response = try await client.execute(
                uri: "/webhooks/at-ussd", method: .post, headers: Self.form,
                body: ByteBuffer(string: "sessionId=x&phoneNumber=%2B84912345678&text="))
            #expect(response.status == .badRequest)
            #expect(errorMessage(response).contains("missing field 'serviceCode'"))
            #expect(try await store.messageCount() == 0)
        }
    }

    @Test("a body over 64 KiB is 413")
    func tooLarge() async throws {
        try await withApp { client, _ in
            let body = "sessionId=x&text=" + String(repeating: "a", count: 70 * 1024)
            let response = try await client.execute(
                uri: "/webhooks/at-ussd", method: .post, headers: Self.form, body: ByteBuffer(string: body))
            #expect(response.status == .contentTooLarge)
            #expect(errorMessage(response).contains("over 64 KiB"))
        }
    }

    @Test("a wrong content type is 415 saying what is expected")
    func wrongContentType() async throws {
        try await withApp { client, _ in
            let response = try await client.execute(
                uri: "/webhooks/at-ussd", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}"))
            #expect(response.status == .unsupportedMediaType)
            #expect(errorMessage(response).contains("expected application/x-www-form-urlencoded"))
        }
    }

    @Test("a phone number that is not one is 400 with the reason")
    func badPhone() async throws {
        try await withApp { client, _ in
            let response = try await client.execute(
                uri: "/webhooks/at-ussd", method: .post, headers: Self.form,
                body: ByteBuffer(string: "sessionId=x&serviceCode=*1%23&phoneNumber=hello&text="))
            #expect(response.status == .badRequest)
            #expect(errorMessage(response).contains("phoneNumber"))
        }
    }

    @Test("random bodies never produce a 500")
    func randomBodies() async throws {
        try await withApp { client, _ in
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<300 {
                let bytes = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let response = try await client.execute(
                    uri: "/webhooks/at-ussd", method: .post, headers: Self.form, body: ByteBuffer(bytes: bytes))
                #expect(response.status.code < 500)
            }
        }
    }
}
