/// The text of elements in a small XML body (a SOAP `moRequest`, a USSD XML hit), found by
/// a path of element names. Deliberately minimal: no DTDs (refused, so no entity expansion),
/// namespaces ignored by prefix, attributes ignored. Gateways post a few hundred bytes.
public struct XMLBody: Sendable {
    /// Each element that holds text, with the names of its ancestors, in document order.
    private var texts: [(path: [Substring], text: String)] = []

    public init(_ bytes: [UInt8]) throws(GatewayError) {
        guard let source = String(validating: bytes, as: UTF8.self) else {
            throw GatewayError(status: 400, reason: "the XML body is not valid UTF-8")
        }
        var stack: [Substring] = []
        var text = ""
        var rest = Substring(source)
        var sawElement = false
        func flush() {
            let trimmed = text.trimmingCharacters(in: " \t\r\n")
            if !trimmed.isEmpty, !stack.isEmpty { texts.append((stack, trimmed)) }
            text = ""
        }
        while let open = rest.firstIndex(of: "<") {
            text += try Self.unescape(rest[..<open])
            rest = rest[open...]
            if rest.hasPrefix("<?") {
                rest = try Self.after("?>", in: rest)
            } else if rest.hasPrefix("<!--") {
                rest = try Self.after("-->", in: rest)
            } else if rest.hasPrefix("<![CDATA[") {
                let body = rest.dropFirst(9)
                guard let end = body.firstRange(of: "]]>") else { throw Self.malformed("an unterminated CDATA section") }
                text += body[..<end.lowerBound]
                rest = body[end.upperBound...]
            } else if rest.hasPrefix("<!") {
                throw GatewayError(status: 400, reason: "XML with a DOCTYPE or declarations is refused")
            } else {
                guard let close = rest.firstIndex(of: ">") else { throw Self.malformed("an unterminated tag") }
                let tag = rest[rest.index(after: open)..<close]
                rest = rest[rest.index(after: close)...]
                if tag.hasPrefix("/") {
                    flush()
                    let name = Self.localName(tag.dropFirst())
                    guard stack.last == name else { throw Self.malformed("'</\(name)>' closes '\(stack.last ?? "nothing")'") }
                    stack.removeLast()
                } else {
                    flush()
                    let selfClosing = tag.hasSuffix("/")
                    let name = Self.localName(selfClosing ? tag.dropLast() : tag)
                    guard !name.isEmpty else { throw Self.malformed("an element without a name") }
                    guard stack.count < 32 else { throw Self.malformed("elements nested over 32 deep") }
                    sawElement = true
                    if !selfClosing { stack.append(name) }
                }
            }
        }
        guard stack.isEmpty else { throw Self.malformed("'<\(stack.last!)>' is never closed") }
        guard sawElement else { throw GatewayError(status: 400, reason: "the body is not XML") }
    }

    /// The text of the first element whose ancestry ends with `path` (`moRequest/content`
    /// matches inside a SOAP envelope too).
    public func string(_ path: String) -> String? {
        let wanted = path.split(separator: "/").map { Self.localName($0) }
        guard !wanted.isEmpty else { return nil }
        return texts.first { $0.path.count >= wanted.count && Array($0.path.suffix(wanted.count)) == wanted }?.text
    }

    public func required(_ path: String) throws(GatewayError) -> String {
        guard let value = string(path) else { throw .missingField(path) }
        return value
    }

    private static func localName(_ tag: Substring) -> Substring {
        let name = tag.prefix { !" \t\r\n/".contains($0) }
        return name.split(separator: ":").last ?? name
    }

    private static func after(_ terminator: String, in text: Substring) throws(GatewayError) -> Substring {
        guard let end = text.firstRange(of: terminator) else { throw malformed("an unterminated '\(text.prefix(4))'") }
        return text[end.upperBound...]
    }

    private static func malformed(_ what: String) -> GatewayError {
        GatewayError(status: 400, reason: "malformed XML: \(what)")
    }

    static func unescape(_ raw: Substring) throws(GatewayError) -> String {
        guard raw.contains("&") else { return String(raw) }
        var out = ""
        var rest = raw
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                throw malformed("a bare '&'")
            }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "lt": out += "<"
            case "gt": out += ">"
            case "amp": out += "&"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let number: UInt32? =
                    entity.hasPrefix("#x")
                    ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                guard let number, let scalar = Unicode.Scalar(number) else { throw malformed("unknown entity '&\(entity);'") }
                out.unicodeScalars.append(scalar)
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }

    /// Text escaped for an XML element (TwiML replies).
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}
