/// Bytes written into caller-provided (stack) space, moving to the heap only when a text
/// outgrows it, so building a match key allocates nothing but the resulting String.
/// The owner calls `release()` when done.
struct OutputBytes {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0
    private var onHeap = false

    init(_ space: UnsafeMutableBufferPointer<UInt8>) {
        base = space.baseAddress!
        capacity = space.count
    }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    var isEmpty: Bool { count == 0 }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if count == capacity { grow(toFit: 1) }
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let start = bytes.baseAddress else { return }
        if bytes.count > capacity - count { grow(toFit: bytes.count) }
        (base + count).update(from: start, count: bytes.count)
        count += bytes.count
    }

    /// `append(_:)` for bytes followed by readable memory up to 16 bytes from their start:
    /// a short word is copied as two 8-byte moves instead of a call to memmove.
    @inline(__always)
    mutating func append(padded bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= 16, capacity - count >= 16, let start = bytes.baseAddress else { return append(bytes) }
        let source = UnsafeRawPointer(start)
        let target = UnsafeMutableRawPointer(base + count)
        target.storeBytes(of: source.loadUnaligned(as: UInt64.self), as: UInt64.self)
        target.storeBytes(of: source.loadUnaligned(fromByteOffset: 8, as: UInt64.self), toByteOffset: 8, as: UInt64.self)
        count += bytes.count
    }

    /// Lets `write` fill up to `maxCount` bytes through a plain pointer and keeps the count
    /// it returns: stores through the pointer cannot be taken to alter `count` midway.
    @inline(__always)
    mutating func append(atMost maxCount: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        if maxCount > capacity - count { grow(toFit: maxCount) }
        count += write(base + count)
    }

    @inline(never)
    private mutating func grow(toFit extra: Int) {
        let newCapacity = max(2 * capacity, count + extra)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        release()
        base = newBase
        capacity = newCapacity
        onHeap = true
    }

    func release() {
        if onHeap { base.deallocate() }
    }
}
