import Foundation

/// Nearest-rank percentiles of durations, as the province's report states them.
enum Percentile {
    /// The value at `fraction` (0.5 median, 0.9 the 90th) of `values`; nil when there are none.
    static func of(_ values: [Double], _ fraction: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
