import Foundation

extension FlowNode {
    /// The node's screen as a person sees it, before encoding: an optional hint line, the
    /// text, then one line per option, with `{name}` values filled in. The engine shows it;
    /// check-config measures it.
    func screenText(language: String, fallback: String, hint: String? = nil, variables: [String: String]) -> String {
        var lines: [String] = []
        if let hint, !hint.isEmpty { lines.append(hint) }
        lines.append(text.text(language, fallback: fallback))
        for option in options { lines.append("\(option.key). \(option.label.text(language, fallback: fallback))") }
        return lines.joined(separator: "\n").filling(variables)
    }
}

extension String {
    /// `{name}` placeholders replaced by their values.
    func filling(_ variables: [String: String]) -> String {
        var text = self
        for (name, value) in variables { text = text.replacingAll("{\(name)}", with: value) }
        return text
    }

    func replacingAll(_ target: String, with replacement: String) -> String {
        guard contains(target) else { return self }
        return components(separatedBy: target).joined(separator: replacement)
    }
}
