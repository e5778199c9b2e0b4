import Foundation
import HTTPTypes
import HotlineServer
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Health and readiness")
struct HealthTests {
    @Test("healthz says the process is alive; readyz that config is loaded and the database takes writes")
    func health() async throws {
        try await withApp { client, _ in
            let alive = try await client.execute(uri: "/healthz", method: .get)
            #expect(alive.status == .ok)
            #expect(String(buffer: alive.body) == #"{"status":"ok"}"#)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: ready.body)) as? [String: Any]
            #expect(json?["status"] as? String == "ready")
            #expect(json?["database"] as? String == "writable")
            #expect(json?["config"] as? String == "loaded")
        }
    }
}
