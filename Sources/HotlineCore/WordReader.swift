extension InputNormalizer {
    /// Longer words are passed through as typed: no rule applies to them.
    static let maxWordBytes = 64

    /// Splits `text` into words (runs of letters, digits and marks; `*` and `#` stand alone,
    /// as phone keys are answers) and hands each, lower case, to `emitWord`. Works on the
    /// UTF-8 bytes with a fixed word buffer: every inbound message passes through here.
    ///
    /// The position and the word's length stay in locals that are never passed by
    /// reference: kept in a struct handed `inout` to the per-word call, the compiler had to
    /// assume each byte stored into the buffer might overwrite them, and reloaded them from
    /// memory on every byte.
    func scan<Sink: PieceSink>(_ text: String, into sink: inout Sink) {
        var text = text
        text.makeContiguousUTF8()
        let isWord = ScalarTables.isWord
        let lowercase = ScalarTables.lowercase
        let classes = ASCIIClass.table
        let max = Self.maxWordBytes
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * max) { buffers in
            // Word keys read whole 8-byte words past a short word's end.
            buffers.initialize(repeating: 0)
            let word = buffers.baseAddress!
            let scratch = UnsafeMutableBufferPointer(rebasing: buffers[max...])
            var overflow: [UInt8] = []  // only for a word longer than the buffer
            text.utf8.withContiguousStorageIfAvailable { bytes in
                var length = 0
                var shape = WordShape()
                var previous: UInt8 = 0  // the last ASCII byte of the word, to see a letter held down
                var run = 0
                var i = 0
                let end = bytes.count
                while i < end {
                    if length == 0, let next = emitASCIIWord(bytes, at: i, classes, word, scratch, &sink) {
                        i = next
                        continue
                    }
                    let b0 = bytes[i]
                    if b0 < 0x80 {
                        i += 1
                        // ORing in 0x20 lower-cases A-Z and leaves a-z and 0-9 as they are.
                        let lower = b0 | 0x20
                        let isLetter = lower &- 0x61 < 26
                        if isLetter || b0 &- 0x30 < 10 {
                            shape.kinds |= isLetter ? WordShape.letter : WordShape.digit
                            if lower == previous {
                                run += 1
                                if run >= 3, isLetter { shape.isStretched = true }
                            } else {
                                previous = lower
                                run = 1
                            }
                            if length < max {
                                word[length] = lower
                                shape.add(lower, at: length)
                                length += 1
                            } else {
                                Self.spill(lower, word: word, into: &overflow)
                            }
                            continue
                        }
                        if length > 0 {
                            emitWord(UnsafeBufferPointer(start: word, count: length), shape, &overflow, scratch, &sink)
                            length = 0
                            shape = WordShape()
                            previous = 0
                        }
                        if b0 == 0x2A || b0 == 0x23 {  // * #
                            word[0] = b0
                            var key = WordShape()
                            key.kinds = WordShape.other
                            key.add(b0, at: 0)
                            emitWord(UnsafeBufferPointer(start: word, count: 1), key, &overflow, scratch, &sink)
                        }
                        continue
                    }
                    var v: UInt32
                    if b0 < 0xE0 {
                        v = UInt32(b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
                        i += 2
                    } else if b0 < 0xF0 {
                        v = UInt32(b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
                        i += 3
                    } else {
                        v =
                            UInt32(b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
                            | UInt32(bytes[i + 3] & 0x3F)
                        i += 4
                    }
                    if v < ScalarTables.end {
                        if isWord[Int(v)] == 1 {
                            v = lowercase[Int(v)]
                        } else {
                            v = 0
                        }
                    } else if let scalar = Unicode.Scalar(v), scalar.properties.isAlphabetic {
                        // kept as typed
                    } else {
                        v = 0
                    }
                    if v == 0 {
                        if length > 0 {
                            emitWord(UnsafeBufferPointer(start: word, count: length), shape, &overflow, scratch, &sink)
                            length = 0
                            shape = WordShape()
                        }
                        previous = 0
                        continue
                    }
                    shape.kinds |= WordShape.nonASCII
                    previous = 0
                    if length <= max - 4 {
                        let start = length
                        length += Self.encode(v, at: word + length)
                        for k in start..<length { shape.add(word[k], at: k) }
                    } else {
                        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4) { encoded in
                            for k in 0..<Self.encode(v, at: encoded.baseAddress!) {
                                if length < max {
                                    word[length] = encoded[k]
                                    length += 1
                                } else {
                                    Self.spill(encoded[k], word: word, into: &overflow)
                                }
                            }
                        }
                    }
                }
                if length > 0 { emitWord(UnsafeBufferPointer(start: word, count: length), shape, &overflow, scratch, &sink) }
            }
        }
    }

    /// The common case, read in one go: a word of ASCII letters and digits that ends before
    /// any non-ASCII byte and fits the buffer. Returns where the word ends, or nil when the
    /// byte at `start` does not begin such a word and the general byte loop must read it.
    /// Lower-case words long enough before the text's end are looked at where they lie.
    @inline(__always)
    private func emitASCIIWord<Sink: PieceSink>(
        _ bytes: UnsafeBufferPointer<UInt8>, at start: Int, _ classes: UnsafePointer<UInt8>, _ buffer: UnsafeMutablePointer<UInt8>,
        _ scratch: UnsafeMutableBufferPointer<UInt8>, _ sink: inout Sink
    ) -> Int? {
        let wordBits = WordShape.letter | WordShape.digit
        var c = classes[Int(bytes[start])]
        if c == 0 { return start + 1 }  // a space or punctuation between words
        guard c & wordBits != 0 else { return nil }
        let end = bytes.count
        var j = start
        var kinds: UInt8 = 0
        repeat {
            kinds |= c
            j += 1
            c = j < end ? classes[Int(bytes[j])] : 0
        } while c & wordBits != 0
        let count = j - start
        guard c & WordShape.nonASCII == 0, count <= Self.maxWordBytes else { return nil }
        let source = bytes.baseAddress! + start
        let word: UnsafePointer<UInt8>
        if kinds & ASCIIClass.upper != 0 || start + 16 > end {
            // ORing in 0x20 lower-cases A-Z and leaves a-z and 0-9 as they are.
            for k in 0..<count { buffer[k] = source[k] | 0x20 }
            word = UnsafePointer(buffer)
        } else {
            word = source
        }
        var shape = WordShape(kinds: kinds & ~ASCIIClass.upper, word: word, count: count)
        if count >= 3, kinds & WordShape.letter != 0 {
            for k in 2..<count where word[k] >= 0x61 && word[k] == word[k - 1] && word[k] == word[k - 2] {
                shape.isStretched = true
                break
            }
        }
        emitRepaired(UnsafeBufferPointer(start: word, count: count), shape: shape, scratch: scratch, into: &sink)
        return j
    }

    /// Appends to a word that outgrew the buffer, starting the overflow with the buffer's bytes.
    private static func spill(_ byte: UInt8, word: UnsafeMutablePointer<UInt8>, into overflow: inout [UInt8]) {
        if overflow.isEmpty { overflow = Array(UnsafeBufferPointer(start: word, count: maxWordBytes)) }
        overflow.append(byte)
    }

    /// Writes `v` as UTF-8 and returns how many bytes it took.
    @inline(__always)
    private static func encode(_ v: UInt32, at out: UnsafeMutablePointer<UInt8>) -> Int {
        if v < 0x800 {
            out[0] = UInt8(truncatingIfNeeded: 0xC0 | (v >> 6))
            out[1] = UInt8(truncatingIfNeeded: 0x80 | (v & 0x3F))
            return 2
        } else if v < 0x10000 {
            out[0] = UInt8(truncatingIfNeeded: 0xE0 | (v >> 12))
            out[1] = UInt8(truncatingIfNeeded: 0x80 | ((v >> 6) & 0x3F))
            out[2] = UInt8(truncatingIfNeeded: 0x80 | (v & 0x3F))
            return 3
        } else {
            out[0] = UInt8(truncatingIfNeeded: 0xF0 | (v >> 18))
            out[1] = UInt8(truncatingIfNeeded: 0x80 | ((v >> 12) & 0x3F))
            out[2] = UInt8(truncatingIfNeeded: 0x80 | ((v >> 6) & 0x3F))
            out[3] = UInt8(truncatingIfNeeded: 0x80 | (v & 0x3F))
            return 4
        }
    }

    /// Hands one finished word to `sink`: as typed when it outgrew the buffer, else repaired.
    private func emitWord<Sink: PieceSink>(
        _ word: UnsafeBufferPointer<UInt8>, _ shape: WordShape, _ overflow: inout [UInt8],
        _ scratch: UnsafeMutableBufferPointer<UInt8>, _ sink: inout Sink
    ) {
        if overflow.isEmpty {
            emitRepaired(word, shape: shape, scratch: scratch, into: &sink)
        } else {
            overflow.withUnsafeBufferPointer { sink.emit(.typed($0)) }
            overflow.removeAll()
        }
    }
}

/// What each byte adds to a word's shape when read by `emitASCIIWord`: 0 ends the word.
enum ASCIIClass {
    /// Set for A-Z besides the letter bit: the word must be lower-cased before it is used.
    static let upper: UInt8 = 16

    /// Never freed: a pointer, as an array would be retained and bounds-checked on every byte.
    nonisolated(unsafe) static let table: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for b in 0..<256 {
            switch b {
            case 0x61...0x7A: table[b] = WordShape.letter
            case 0x41...0x5A: table[b] = WordShape.letter | upper
            case 0x30...0x39: table[b] = WordShape.digit
            case 0x2A, 0x23: table[b] = WordShape.other  // * and # are words of their own
            case 0x80...: table[b] = WordShape.nonASCII
            default: table[b] = 0
            }
        }
        return UnsafePointer(table)
    }()
}
