/// The random id a database is given when it is created, kept in its `deployment` table.
/// Escalation keys carry it, so two databases never hand 111 the same key.
public enum DeploymentID {
    /// 128 random bits as 32 hexadecimal digits: unguessable, so two deployments do not meet
    /// by chance, and safe in any header.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let word = UInt64.random(in: .min ... .max, using: &generator)
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
