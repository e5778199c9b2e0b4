/// One problem in `gateway-config/`, located to the file and line, with what was expected.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }
    public var file: String
    public var line: Int?
    /// The key path inside the file (`nodes.main_menu.options.2.next`).
    public var key: String?
    public var message: String
    public var severity: Severity

    public init(file: String, line: Int? = nil, key: String? = nil, message: String, severity: Severity = .error) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
        self.severity = severity
    }

    public var description: String {
        var where_ = file
        if let line { where_ += ":\(line)" }
        let keyPart = key.map { " key '\($0)':" } ?? ""
        return "\(where_): \(severity.rawValue):\(keyPart) \(message)"
    }
}

/// Every problem found while loading, so an author fixes them all in one pass.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigIssue]

    public var description: String {
        let errors = issues.filter { $0.severity == .error }.count
        return (["configuration has \(errors) error\(errors == 1 ? "" : "s"):"] + issues.map { "  " + $0.description })
            .joined(separator: "\n")
    }
}
