import ArgumentParser
import Foundation
import HotlineCore

struct TextInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text-info",
        abstract: "How a text travels by SMS and USSD: encoding, length, segments and its unaccented form.",
        discussion: "Config authors use it to check a message before they ship it. With --json it prints exactly one JSON object.")

    @Flag(help: "Print one JSON object with the keys encoding, length, segments, unaccented.")
    var json = false

    @Argument(help: "The text (several arguments are joined with spaces).")
    var text: [String]

    struct Output: Encodable {
        var encoding: String
        var length: Int
        var segments: Int
        var unaccented: String
    }

    func run() throws {
        let text = self.text.joined(separator: " ").nfc
        let analysis = SMSText.analyze(text)
        let unaccented = text.unaccented
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let output = Output(
                encoding: analysis.encoding.rawValue, length: analysis.length, segments: analysis.segments, unaccented: unaccented)
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
            return
        }
        let enc = analysis.encoding
        var lines = ["text:       \(text)"]
        if enc == .ucs2, let culprit = text.unicodeScalars.first(where: { GSM7.septets($0) == nil }) {
            lines.append("encoding:   ucs2 ('\(culprit)' is outside GSM-7)")
        } else {
            lines.append("encoding:   \(enc.rawValue)")
        }
        lines.append("length:     \(analysis.length) \(enc == .gsm7 ? "GSM-7 septets" : "UCS-2 units")")
        lines.append(
            "segments:   \(analysis.segments) SMS (\(enc.singleSegmentCapacity) in one, \(enc.multipartSegmentCapacity) per part when split)"
        )
        let plain = SMSText.analyze(unaccented.gsm7Safe)
        lines.append("unaccented: \(unaccented)")
        lines.append("            as GSM-7: \(plain.length) septets, \(plain.segments) SMS")
        let ussd = USSDLimits.standard
        lines.append(
            "USSD:       \(analysis.length <= ussd.limit(for: enc) ? "fits" : "too long for") one screen as is (\(analysis.length) of \(ussd.limit(for: enc))); unaccented \(plain.length) of \(ussd.gsm7)"
        )
        lines.append("read as:    \(InputNormalizer().repaired(text))")
        print(lines.joined(separator: "\n"))
    }
}
