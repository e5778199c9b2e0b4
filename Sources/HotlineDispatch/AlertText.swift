import HotlineCore
import Storage

/// The SMS an on-call operator gets: priority, reference, area, the callback number only
/// when the person agreed, and how to acknowledge. Never a name or what the child wrote: an
/// operator's phone can be seen by others too. Unaccented so it stays one GSM-7 part.
enum AlertText {
    static func make(for detail: CaseDetail, nationalHotline: String) -> String {
        var parts = ["[\(nationalHotline)] \(detail.summary.priority.rawValue) \(detail.summary.reference)"]
        if let category = detail.summary.category { parts.append(category) }
        if let area = detail.answers["area"] ?? detail.answers["location"] {
            parts.append(String(area.unaccented.prefix(30)))
        }
        if let phone = detail.phone {
            parts.append("goi lai/call back \(phone.value)")
        } else {
            parts.append("khong lien lac lai/no contact")
        }
        return parts.joined(separator: ", ") + ". Tra loi/reply: OK \(detail.summary.reference)"
    }

    /// To supervisors when rows were set aside as unreadable: how many, the cases they belong
    /// to (references only), and where to look.
    static func quarantine(rows: Int, references: [String], nationalHotline: String) -> String {
        let cases = references.isEmpty ? "" : " " + references.prefix(3).joined(separator: " ") + (references.count > 3 ? " ..." : "")
        return "[\(nationalHotline)] CANH BAO/WARNING: \(rows) dong khong doc duoc/unreadable row(s) set aside\(cases). "
            + "Xem/see /readyz, audit"
    }

    /// To supervisors when a commune has not taken a referral's step in time: the reference,
    /// the commune's id and the step, nothing of the child.
    static func referralLate(reference: String, communeID: String, step: ReferralStep, nationalHotline: String) -> String {
        let what =
            switch step {
            case .accepted: "chua nhan/not accepted"
            case .measures: "chua co bien phap bao ve/no protective measures"
            case .plan: "chua co ke hoach ho tro/no support plan"
            default: step.rawValue
            }
        return "[\(nationalHotline)] QUA HAN/OVERDUE: chuyen xa/referral \(reference) (\(communeID)) \(what). Xem/see console"
    }
}
