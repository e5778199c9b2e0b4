/// Case references people read aloud to an operator: a prefix and six characters from an
/// alphabet without look-alikes (no 0/O, 1/I/L, 5/S, 2/Z).
public enum CaseReference {
    static let alphabet = Array("346789ABCDEFGHJKMNPQRTUVWXY")
    static let length = 6

    public static func random<G: RandomNumberGenerator>(prefix: String, using generator: inout G) -> String {
        var code = ""
        for _ in 0..<length { code.append(alphabet.randomElement(using: &generator)!) }
        return prefix.isEmpty ? code : "\(prefix)-\(code)"
    }

    public static func random(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        return random(prefix: prefix, using: &generator)
    }

    /// A reference of the longest form, for checking that screens fit.
    public static func example(prefix: String) -> String {
        let code = String(repeating: "W", count: length)
        return prefix.isEmpty ? code : "\(prefix)-\(code)"
    }
}
