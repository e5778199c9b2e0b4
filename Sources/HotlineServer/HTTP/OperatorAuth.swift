import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Bearer tokens of the operators allowed to use `/api/v1`, read from the environment
/// variables `escalation.yaml` names (plus `HOTLINE_OPERATOR_TOKEN` as operator "dev").
public struct OperatorTokens: Sendable {
    /// SHA-256 of each token, so comparing costs the same whatever the token's length.
    private let digests: [(operatorID: String, digest: [UInt8])]
    /// Operators who may read the audit trail.
    public let supervisors: Set<String>
    /// Commune child-protection workers and the communes they serve: the console only, and
    /// only the cases referred to those communes; never the operator API.
    public let communeWorkers: [String: Set<String>]

    public init(
        _ tokens: [(operatorID: String, token: String)], supervisors: Set<String> = [], communeWorkers: [String: Set<String>] = [:]
    ) {
        digests = tokens.filter { !$0.token.isEmpty }.map { ($0.operatorID, Array(SHA256.hash(data: Data($0.token.utf8)))) }
        self.supervisors = supervisors
        self.communeWorkers = communeWorkers
    }

    /// The console role of someone signing in.
    public func role(of id: String) -> String {
        communeWorkers[id] != nil ? "commune" : supervisors.contains(id) ? "supervisor" : "operator"
    }

    public var isEmpty: Bool { digests.isEmpty }

    /// The operator a token belongs to. Every configured token is compared in full, in
    /// constant time, so timing does not reveal how much of a guess was right.
    public func operatorID(for token: String) -> String? {
        let candidate = Array(SHA256.hash(data: Data(token.utf8)))
        var found: String? = nil
        for entry in digests {
            var difference: UInt8 = 0
            for i in 0..<candidate.count { difference |= candidate[i] ^ entry.digest[i] }
            if difference == 0 { found = entry.operatorID }
        }
        return found
    }
}

/// Refuses `/api/v1` requests without a valid `Authorization: Bearer <token>`, and tells the
/// routes who the operator is (for the audit trail).
struct OperatorAuthMiddleware: RouterMiddleware {
    typealias Context = HotlineRequestContext
    let tokens: OperatorTokens

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw HTTPError(
                .unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "send Authorization: Bearer <operator token>")
        }
        guard let operatorID = tokens.operatorID(for: String(header.dropFirst("Bearer ".count))) else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""], message: "unknown token")
        }
        // The API lists every case; a commune worker sees only the cases referred to them.
        guard tokens.communeWorkers[operatorID] == nil else {
            throw HTTPError(.forbidden, message: "commune workers use the console (/console), which shows the cases referred to them")
        }
        var context = context
        context.operatorID = operatorID
        context.isSupervisor = tokens.supervisors.contains(operatorID)
        return try await next(request, context)
    }
}
