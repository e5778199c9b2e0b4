import Benchmark
import HotlineCore

/// Typical 160-character messages children send: unaccented, accented, teencode with Telex residue.
let messages = [
    "ko bit j lam j nua, bo em say ruou ve la danh me va em, hom qua danh em chay mau dau, em so lam, nha em o xa Hoanh Bo, giup em voi a, em ko biet lam sao ca",
    "Chú ơi cứu em với, bố em uống rượu về đánh mẹ và em, hôm qua em bị chảy máu đầu, em sợ lắm, nhà em ở Hoành Bồ, Quảng Ninh ạ, em phải làm sao bây giờ ạ???",
    "e bi 1 ng la nhan tin doa tung anh len mang neu ko gui them anh, e ko dam ns vs bme, xaam haji e tren mang, giupppp e vs ckj oi, e so qua k ngu dc",
]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal], scalingFactor: .kilo, maxDuration: .seconds(3))

    Benchmark("analyze: NFC + encoding + length + segments (160 chars)") { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(SMSText.analyze(messages[i % messages.count]))
        }
    }

    Benchmark("unaccent (160 chars)") { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(messages[i % messages.count].unaccented)
        }
    }

    let normalizer = InputNormalizer()
    Benchmark("matchKey: teencode, Telex/VNI repair, folding (160 chars)") { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(normalizer.matchKey(messages[i % messages.count]))
        }
    }

    Benchmark("normalise and analyse a message (matchKey + analyze)") { benchmark in
        for i in benchmark.scaledIterations {
            let text = messages[i % messages.count]
            blackHole(normalizer.matchKey(text))
            blackHole(SMSText.analyze(text))
        }
    }
}
