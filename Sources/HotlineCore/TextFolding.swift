extension String {
    /// A form for matching what people type against menu keys and phrases: lower case, no
    /// marks, punctuation as spaces, single spaces, trimmed. "Hạ Long!!" and "ha  long" meet.
    public var folded: String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in unaccented.lowercased().unicodeScalars {
            let props = scalar.properties
            if props.isAlphabetic || props.numericType != nil {
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(scalar)
            } else if scalar == "*" || scalar == "#" {
                // Keys on a phone pad are answers, not punctuation.
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(scalar)
            } else {
                pendingSpace = true
            }
        }
        return String(out)
    }
}
