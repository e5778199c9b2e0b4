/// How fast a human must act, as the hotline's triage levels define it.
public enum Priority: String, Sendable, Codable, CaseIterable, Comparable {
    /// Nothing to act on (a question answered by the menus alone).
    case none
    /// Routine: advice, bullying without injury, questions.
    case p3 = "P3"
    /// Same day: abuse disclosed but not happening now, past sexual abuse, trafficking suspected.
    case p2 = "P2"
    /// Act now: a child in danger at this moment. 111 must be told at once and acknowledge.
    case p1 = "P1"

    private var rank: Int {
        switch self {
        case .none: 0
        case .p3: 1
        case .p2: 2
        case .p1: 3
        }
    }

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rank < rhs.rank }
}
