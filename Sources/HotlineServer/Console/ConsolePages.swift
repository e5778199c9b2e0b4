import Foundation
import Hummingbird
import Mustache

/// The console's templates and static files, read once from the resources folder
/// (`Sources/HotlineServer/Console/Resources`, copied beside the binary by the build).
struct ConsolePages: Sendable {
    let library: MustacheLibrary
    let assets: [String: (contentType: String, body: ByteBuffer)]

    enum LoadError: Error, CustomStringConvertible {
        case missing(String)
        var description: String {
            switch self {
            case .missing(let path):
                "the console's templates are not at \(path): copy hotline-gateway_HotlineServer.resources beside the binary"
            }
        }
    }

    static func load() throws -> ConsolePages {
        guard let root = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw LoadError.missing(Bundle.module.bundlePath)
        }
        var library = MustacheLibrary()
        let templates = root.appendingPathComponent("templates")
        for name in try FileManager.default.contentsOfDirectory(atPath: templates.path) where name.hasSuffix(".mustache") {
            let text = try String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)
            try library.register(text, named: String(name.dropLast(".mustache".count)))
        }
        var assets: [String: (String, ByteBuffer)] = [:]
        let folder = root.appendingPathComponent("assets")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let type =
                switch (name as NSString).pathExtension {
                case "js": "text/javascript; charset=utf-8"
                case "css": "text/css; charset=utf-8"
                case "svg": "image/svg+xml"
                case "png": "image/png"
                default: "application/octet-stream"
                }
            assets[name] = (type, ByteBuffer(bytes: try Data(contentsOf: folder.appendingPathComponent(name))))
        }
        return ConsolePages(library: library, assets: assets)
    }

    /// A page: `template` filled from `values`, as HTML.
    func render(_ template: String, _ values: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(values, withTemplate: template) ?? "template \(template) is missing"
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func asset(_ name: String) -> Response? {
        guard let asset = assets[name] else { return nil }
        return Response(
            status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: asset.body))
    }
}
