// Runs the normaliser on one of the benchmark's messages in a loop, for profilers:
// `perf record`, or callgrind, whose instruction counts do not move when this VM's speed does.
// Usage: TextProfile [message 0-2, or -1 for all] [iterations]
import Foundation
import HotlineCore

let messages = [
    "ko bit j lam j nua, bo em say ruou ve la danh me va em, hom qua danh em chay mau dau, em so lam, nha em o xa Hoanh Bo, giup em voi a, em ko biet lam sao ca",
    "Chú ơi cứu em với, bố em uống rượu về đánh mẹ và em, hôm qua em bị chảy máu đầu, em sợ lắm, nhà em ở Hoành Bồ, Quảng Ninh ạ, em phải làm sao bây giờ ạ???",
    "e bi 1 ng la nhan tin doa tung anh len mang neu ko gui them anh, e ko dam ns vs bme, xaam haji e tren mang, giupppp e vs ckj oi, e so qua k ngu dc",
]
let normalizer = InputNormalizer()
let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let which = arguments.first ?? -1
let iterations = arguments.dropFirst().first ?? 2_000_000
var total = 0
for (index, message) in messages.enumerated() where which < 0 || which == index {
    let start = Date()
    for _ in 0..<iterations { total &+= normalizer.matchKey(message).utf8.count }
    print("message \(index): \(Int(Double(iterations) / Date().timeIntervalSince(start))) matchKey/s")
}
print("checksum \(total)")
