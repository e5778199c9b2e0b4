import Foundation

/// A signed-in console session. Only a hash of the id the browser holds is stored, so a copy
/// of the database signs nobody in.
public struct ConsoleSession: Sendable, Equatable {
    /// SHA-256 of the cookie's value, hex.
    public var idHash: String
    public var operatorID: String
    /// `operator` or `supervisor`.
    public var role: String
    /// The token every state-changing request of this session carries.
    public var csrf: String
    public var createdAt: Date
    public var lastSeenAt: Date
    /// The absolute end, whatever the activity.
    public var expiresAt: Date

    public init(
        idHash: String, operatorID: String, role: String, csrf: String, createdAt: Date, lastSeenAt: Date, expiresAt: Date
    ) {
        self.idHash = idHash
        self.operatorID = operatorID
        self.role = role
        self.csrf = csrf
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
    }
}

/// One entry of a case's history as the live console hears of it: no personal data, only
/// what happened to which case, with the history row's increasing id.
public struct CaseChange: Sendable, Equatable, Codable {
    public var id: Int64
    public var kind: String
    public var reference: String

    public init(id: Int64, kind: String, reference: String) {
        self.id = id
        self.kind = kind
        self.reference = reference
    }
}

/// Failed console sign-ins within a window, counted per operator id and per address.
public struct SignInFailures: Sendable, Equatable {
    public var forOperator: Int
    public var fromAddress: Int
    /// The oldest failure counted, so the caller can say when the next try is allowed.
    public var oldest: Date?

    public init(forOperator: Int, fromAddress: Int, oldest: Date?) {
        self.forOperator = forOperator
        self.fromAddress = fromAddress
        self.oldest = oldest
    }
}
