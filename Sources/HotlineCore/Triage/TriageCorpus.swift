/// Labelled messages, one per line: `PRIORITY<TAB>CATEGORY<TAB>TEXT`. Lines starting with `#`
/// and blank lines are skipped, so staff can annotate a file.
public enum TriageCorpus {
    public struct Example: Sendable, Equatable {
        public var line: Int
        public var priority: Priority
        public var category: String
        public var text: String

        public init(line: Int, priority: Priority, category: String, text: String) {
            self.line = line
            self.priority = priority
            self.category = category
            self.text = text
        }
    }

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public struct Problems: Error, Sendable, CustomStringConvertible {
        public var all: [Problem]
        public var description: String { all.map(\.description).joined(separator: "\n") }
    }

    /// Every example, or every problem found (with its line), never half of each.
    public static func parse(_ contents: String) -> Result<[Example], Problems> {
        var examples: [Example] = []
        var problems: [Problem] = []
        var seen: [String: Int] = [:]
        for (index, raw) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let text = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if text.allSatisfy({ $0 == " " || $0 == "\t" }) || text.hasPrefix("#") { continue }
            let fields = text.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3 else {
                problems.append(Problem(line: line, message: "expected PRIORITY<TAB>CATEGORY<TAB>TEXT, found \(fields.count) field(s)"))
                continue
            }
            guard let priority = Priority(rawValue: String(fields[0])) else {
                problems.append(Problem(line: line, message: "priority '\(fields[0])' is not one of none, P3, P2, P1"))
                continue
            }
            let category = String(fields[1])
            guard !category.isEmpty, category.allSatisfy({ $0.isLetter || $0 == "_" }) else {
                problems.append(Problem(line: line, message: "category '\(category)' must be a word such as physical or chat"))
                continue
            }
            let message = String(fields[2]).trimmingSpaces
            guard !message.isEmpty else {
                problems.append(Problem(line: line, message: "the message is empty"))
                continue
            }
            if let first = seen[message] {
                problems.append(Problem(line: line, message: "the same message as line \(first)"))
                continue
            }
            seen[message] = line
            examples.append(Example(line: line, priority: priority, category: category, text: message))
        }
        return problems.isEmpty ? .success(examples) : .failure(Problems(all: problems))
    }

    /// A stable digest of a corpus file's bytes (FNV-1a 64, hex), so a model can say what it
    /// was trained from without a crypto dependency in the core.
    public static func digest(_ contents: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in contents.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
