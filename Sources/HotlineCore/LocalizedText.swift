/// One text in every language of the service, keyed by language code (`vi`, `en`).
/// The unaccented form is derived when a screen is rendered, never written twice.
public struct LocalizedText: Sendable, Equatable, Codable {
    public var translations: [String: String]

    public init(_ translations: [String: String]) { self.translations = translations }

    public init(from decoder: any Decoder) throws {
        translations = try decoder.singleValueContainer().decode([String: String].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(translations)
    }

    /// The text in `language`, else in `fallback`, else any, so a missing translation never
    /// leaves a person with an empty screen (check-config reports it).
    public func text(_ language: String, fallback: String) -> String {
        translations[language] ?? translations[fallback] ?? translations.values.sorted().first ?? ""
    }
}
