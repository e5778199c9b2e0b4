import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A real HTTP server on loopback standing in for the 111 case system (`POST /escalations`)
/// and for Africa's Talking's send API (`POST /version1/messaging`). Records every request
/// and answers the webhook with whatever status the test sets.
final class LocalReceiver: Sendable {
    struct Received: Sendable {
        var path: String
        var headers: [String: String]
        var body: String
        var at: Date
    }

    private struct State {
        var received: [Received] = []
        var webhookStatus = 200
        var smsCounter = 0
        /// Runs before the webhook answers (a test breaking something mid-delivery).
        var beforeWebhookAnswer: (@Sendable () async throws -> Void)?
    }
    private let state = Mutex(State())
    private let task: Mutex<Task<Void, any Error>?> = Mutex(nil)
    private let boundPort = Mutex(0)
    var port: Int { boundPort.withLock { $0 } }

    /// Starts listening on `port` (0: any free port) and returns once it accepts connections.
    static func start(port: Int = 0) async throws -> LocalReceiver {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let receiver = LocalReceiver()
        let router = Router()
        router.post("/escalations") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let status = receiver.record(path: "/escalations", request: request, body: body)
            try await receiver.state.withLock { $0.beforeWebhookAnswer }?()
            return Response(status: .init(code: status))
        }
        router.post("/version1/messaging") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            _ = receiver.record(path: "/version1/messaging", request: request, body: body)
            let id = receiver.state.withLock { state in
                state.smsCounter += 1
                return "ATXid_sent_\(state.smsCounter)"
            }
            let json =
                #"{"SMSMessageData":{"Message":"Sent to 1/1","Recipients":[{"statusCode":101,"number":"x","status":"Success","cost":"VND 250","messageId":"\#(id)"}]}}"#
            return Response(
                status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        var logger = Logger(label: "receiver")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? port) }, logger: logger)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        let task = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        guard let bound = await iterator.next() else { throw CancellationError() }
        receiver.boundPort.withLock { $0 = bound }
        receiver.task.withLock { $0 = task }
        return receiver
    }

    private init() {}

    func record(path: String, request: Request, body: ByteBuffer) -> Int {
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        return state.withLock { state in
            state.received.append(Received(path: path, headers: headers, body: String(buffer: body), at: Date()))
            return path == "/escalations" ? state.webhookStatus : 201
        }
    }

    var webhookURL: String { "http://127.0.0.1:\(port)/escalations" }
    var smsURL: String { "http://127.0.0.1:\(port)/version1/messaging" }

    func setWebhookStatus(_ status: Int) {
        state.withLock { $0.webhookStatus = status }
    }

    func beforeWebhookAnswer(_ work: (@Sendable () async throws -> Void)?) {
        state.withLock { $0.beforeWebhookAnswer = work }
    }

    var escalations: [Received] { state.withLock { $0.received.filter { $0.path == "/escalations" } } }

    /// Texts sent through the fake Africa's Talking API: (to, message).
    var texts: [(to: String, message: String)] {
        state.withLock { state in
            state.received.filter { $0.path == "/version1/messaging" }.map { request in
                var fields: [String: String] = [:]
                for pair in request.body.split(separator: "&") {
                    let parts = pair.split(separator: "=", maxSplits: 1).map {
                        String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
                    }
                    if parts.count == 2 { fields[parts[0]] = parts[1] }
                }
                return (fields["to"] ?? "", fields["message"] ?? "")
            }
        }
    }

    func stop() async {
        let task = self.task.withLock { $0 }
        task?.cancel()
        _ = await task?.result
    }
}
