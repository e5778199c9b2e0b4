import Testing

@testable import HotlineCore

@Suite("Phone numbers")
struct PhoneNumberTests {
    @Test(
        "every common form of a number is one person",
        arguments: [
            ("0912345678", "+84912345678"), ("0912 345 678", "+84912345678"), ("84912345678", "+84912345678"),
            ("+84912345678", "+84912345678"), ("+84 912.345.678", "+84912345678"), ("+84 (0) 912-345-678", "+84912345678"),
            ("0084912345678", "+84912345678"), ("912345678", "+84912345678"), ("0203 3825 111", "+842033825111"),
            ("+254711082300", "+254711082300"), ("111", "111"), ("18001769", "18001769"), (" 111 ", "111"),
        ])
    func normalises(_ pair: (String, String)) throws {
        #expect(try PhoneNumber(parsing: pair.0).value == pair.1)
    }

    @Test(
        "garbage is refused with a reason",
        arguments: [
            ("", PhoneNumber.ParseError.empty), ("abc", .invalidCharacter("a")), ("12", .tooShort("12")),
            ("09123", .unknownVietnameseForm("09123")), ("+1234567890123456", .tooLong("1234567890123456")),
            ("091234567890", .unknownVietnameseForm("091234567890")), ("+84 912 345 678 x", .invalidCharacter("x")),
        ])
    func refuses(_ pair: (String, PhoneNumber.ParseError)) {
        #expect(throws: pair.1) { try PhoneNumber(parsing: pair.0) }
    }

    @Test("masking hides the middle of a number and keeps short codes")
    func masking() throws {
        #expect(try PhoneNumber(parsing: "0912345678").masked == "+8491****678")
        #expect(try PhoneNumber(parsing: "111").masked == "111")
        #expect("\(try PhoneNumber(parsing: "0912345678"))" == "+8491****678")
    }
}
