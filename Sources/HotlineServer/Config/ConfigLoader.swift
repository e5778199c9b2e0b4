import Foundation
import Gateways
import HotlineCore
import HotlineDispatch
import Synchronization
import Yams

/// Everything in `gateway-config/`, loaded and checked.
public struct HotlineConfig: Sendable {
    public var directory: String
    public var service: ServiceConfig
    /// Sorted by id.
    public var gateways: [GatewayConfig]
    public var flows: [String: Flow]
    /// The built-in text rules extended by `text-rules.yaml`.
    public var textRules: TextRules { didSet { judge = JudgeCache() } }
    /// What makes a message urgent (`triage.yaml`).
    public var triage: TriageRules { didSet { judge = JudgeCache() } }
    /// The learned half of triage (`triage-model.json`), when there is one.
    public var triageModel: TriageModel? = nil { didSet { judge = JudgeCache() } }
    /// The triage built from the three above, shared by every engine made from this value:
    /// building it reads the match key of every phrase, which costs seconds in a debug build
    /// and is the same work for every router. A change to any of the three starts a new cache.
    fileprivate var judge = JudgeCache()
    /// Where urgent cases go and who is chased (`escalation.yaml`).
    public var escalation: EscalationConfig
    /// Problems that do not stop the service (an unreachable node, say).
    public var warnings: [ConfigIssue]

    public var startFlow: Flow { flows[service.flow]! }

    /// The longest values a screen may show, for checking that every screen fits.
    public var sampleScreenVariables: [String: String] { service.sampleScreenVariables }

    /// Every category a case can carry: triage's categories, the values menus save as
    /// `category`, and the flows' `category:` actions. An operator's correction names one.
    public var caseCategories: Set<String> {
        var names = Set(triage.categories.map(\.category))
        for flow in flows.values {
            for node in flow.nodes.values {
                if node.field == "category" { names.formUnion(node.options.compactMap(\.value)) }
                for case .category(let name) in node.actions + node.options.flatMap(\.actions) { names.insert(name) }
            }
        }
        return names
    }

    /// The conversation engine this configuration describes: its start flow, reader and triage.
    public func makeEngine() -> ConversationEngine {
        let triage = judge.value.withLock { cached in
            if let cached { return cached }
            let built = Triage(rules: self.triage, normalizer: InputNormalizer(rules: textRules), model: triageModel)
            cached = built
            return built
        }
        return ConversationEngine(
            flow: startFlow, defaultLanguage: service.defaultLanguage, normalizer: triage.normalizer, triage: triage,
            areas: service.areas)
    }
}

/// Holds one configuration's triage once built; copies of the configuration share it.
final class JudgeCache: Sendable {
    let value = Mutex<Triage?>(nil)
}

public enum ConfigLoader {
    /// Loads and validates every file; throws every problem found (not just the first).
    /// `withModel: false` skips the learned model, for `hotline triage train`, which replaces it.
    public static func load(directory: String, withModel: Bool = true) throws(ConfigErrors) -> HotlineConfig {
        var issues: [ConfigIssue] = []
        let root = URL(fileURLWithPath: directory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigErrors(issues: [
                ConfigIssue(
                    file: directory, message: "no such folder; pass --config DIR or set HOTLINE_CONFIG to the gateway-config folder")
            ])
        }

        let servicePath = root.appendingPathComponent("service.yaml").path
        let service: ServiceConfig? = decodeFile(servicePath, displayName: display(directory, "service.yaml"), issues: &issues)

        var textRules = TextRules.standard
        let rulesPath = root.appendingPathComponent("text-rules.yaml").path
        if FileManager.default.fileExists(atPath: rulesPath),
            let extra: TextRules = decodeFile(rulesPath, displayName: display(directory, "text-rules.yaml"), issues: &issues)
        {
            // Words are matched one at a time, so a key of several words could never match.
            for key in extra.teencode.keys.sorted() where key.contains(where: { !$0.isLetter && !$0.isNumber }) {
                issues.append(
                    ConfigIssue(
                        file: display(directory, "text-rules.yaml"), line: line(in: rulesPath, path: ["teencode", key]),
                        key: "teencode.\(key)", message: "a teencode key is one word of letters or digits; '\(key)' would never match"))
            }
            textRules = textRules.extended(with: extra)
        }

        let triagePath = root.appendingPathComponent("triage.yaml").path
        var triage: TriageRules? = nil
        if FileManager.default.fileExists(atPath: triagePath) {
            triage = decodeFile(triagePath, displayName: display(directory, "triage.yaml"), issues: &issues)
            for (i, rule) in (triage?.categories ?? []).enumerated() where rule.p1.isEmpty && rule.p2.isEmpty && rule.p3.isEmpty {
                issues.append(
                    ConfigIssue(
                        file: display(directory, "triage.yaml"), line: line(in: triagePath, path: ["categories", "\(i)"]),
                        key: "categories.\(i)", message: "category '\(rule.category)' has no phrases; give it P1, P2 or P3 phrases"))
            }
            if let triage {
                issues += triageRuleIssues(triage, textRules: textRules, path: triagePath, name: display(directory, "triage.yaml"))
            }
        } else {
            issues.append(
                ConfigIssue(
                    file: display(directory, "triage.yaml"),
                    message: "is missing; without it no message is judged urgent. Copy the bundled gateway-config/triage.yaml"))
        }

        var gateways: [GatewayConfig] = []
        var gatewayFiles: [String: String] = [:]
        var gatewayPaths: [String: String] = [:]
        for file in yamlFiles(in: root.appendingPathComponent("gateways")) {
            let name = display(directory, "gateways/\(file.lastPathComponent)")
            guard let gateway: GatewayConfig = decodeFile(file.path, displayName: name, issues: &issues) else { continue }
            if gateway.id.isEmpty || !gateway.id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
                issues.append(
                    ConfigIssue(
                        file: name, key: "id", message: "'\(gateway.id)' must be letters, digits, - or _ (it is part of the webhook URL)"))
            } else if let other = gatewayFiles[gateway.id] {
                issues.append(
                    ConfigIssue(file: name, key: "id", message: "'\(gateway.id)' is already used by \(other); ids must be unique"))
            } else {
                gatewayFiles[gateway.id] = name
                gatewayPaths[gateway.id] = file.path
                gateways.append(gateway)
            }
        }
        if gateways.isEmpty && issues.isEmpty {
            issues.append(
                ConfigIssue(file: display(directory, "gateways/"), message: "no gateway is configured; add at least one gateways/<id>.yaml")
            )
        }

        var warnings: [ConfigIssue] = []
        let escalationPath = root.appendingPathComponent("escalation.yaml").path
        let escalationName = display(directory, "escalation.yaml")
        var escalation = EscalationConfig()
        if FileManager.default.fileExists(atPath: escalationPath) {
            if let loaded: EscalationConfig = decodeFile(escalationPath, displayName: escalationName, issues: &issues) {
                escalation = loaded
            }
        } else {
            warnings.append(
                ConfigIssue(
                    file: escalationName, message: "is missing: urgent cases wait in the outbox and nobody is alerted by SMS",
                    severity: .warning))
        }
        if let id = escalation.alerts.gateway {
            if let gateway = gateways.first(where: { $0.id == id }) {
                if !gateway.kind.canSendSMS {
                    issues.append(
                        ConfigIssue(
                            file: escalationName, line: line(in: escalationPath, path: ["alerts", "gateway"]), key: "alerts.gateway",
                            message: "'\(id)' is a \(gateway.kind.displayName) gateway and cannot send SMS; name an SMS gateway"))
                }
            } else if !gateways.isEmpty {
                issues.append(
                    ConfigIssue(
                        file: escalationName, line: line(in: escalationPath, path: ["alerts", "gateway"]), key: "alerts.gateway",
                        message: "no gateway has id '\(id)'; configured: \(gateways.map(\.id).sorted().joined(separator: ", "))"))
            }
        }
        if escalation.alerts.ladder.isEmpty {
            warnings.append(
                ConfigIssue(
                    file: escalationName, key: "alerts.ladder",
                    message: "no on-call phones: an unacknowledged P1 alerts nobody by SMS", severity: .warning))
        }
        // An empty webhook URL is normal here (production sets HOTLINE_ESCALATION_URL); `serve`
        // warns at start when neither is set.
        for gateway in gateways {
            let name = gatewayFiles[gateway.id] ?? gateway.id
            if gateway.kind.canSendSMS && gateway.reply == .api && gateway.send == nil {
                issues.append(
                    ConfigIssue(
                        file: name, key: "send",
                        message: "replies go through the send API (reply: api), which needs `send:` (url, username, api_key_env)"))
            }
            if escalation.alerts.gateway == gateway.id && gateway.send == nil {
                issues.append(
                    ConfigIssue(
                        file: escalationName, key: "alerts.gateway",
                        message: "'\(gateway.id)' has no `send:` section, so it cannot send alerts"))
            }
            if let target = gateway.smsGateway, !gateways.contains(where: { $0.id == target && $0.kind.canSendSMS }) {
                issues.append(
                    ConfigIssue(file: name, key: "sms_gateway", message: "'\(target)' is not a configured SMS gateway"))
            }
            issues += Self.gatewayIssues(gateway, file: name).map { issue in
                var located = issue
                if located.line == nil, let key = issue.key, let path = gatewayPaths[gateway.id] {
                    // The key's own line, or its section's when the key is missing.
                    let parts = key.split(separator: ".").map(String.init)
                    located.line = Self.line(in: path, path: parts) ?? Self.line(in: path, path: Array(parts.dropLast()))
                }
                return located
            }
        }

        var flows: [String: Flow] = [:]
        var flowFiles: [String: (name: String, path: String)] = [:]
        for file in yamlFiles(in: root.appendingPathComponent("flows")) {
            let name = display(directory, "flows/\(file.lastPathComponent)")
            guard let flow: Flow = decodeFile(file.path, displayName: name, issues: &issues) else { continue }
            if let other = flowFiles[flow.id] {
                issues.append(ConfigIssue(file: name, key: "id", message: "flow '\(flow.id)' is already defined in \(other.name)"))
                continue
            }
            flows[flow.id] = flow
            flowFiles[flow.id] = (name, file.path)
        }

        if let service {
            if !service.languages.contains(service.defaultLanguage) {
                issues.append(
                    ConfigIssue(
                        file: display(directory, "service.yaml"), line: line(in: servicePath, path: ["default_language"]),
                        key: "default_language", message: "'\(service.defaultLanguage)' is not in languages \(service.languages)"))
            }
            if flows[service.flow] == nil {
                issues.append(
                    ConfigIssue(
                        file: display(directory, "service.yaml"), line: line(in: servicePath, path: ["flow"]), key: "flow",
                        message: "no flow has id '\(service.flow)'; flows found: \(flows.keys.sorted().joined(separator: ", "))"))
            }
            let targets = gateways.filter(\.kind.isUSSD).map {
                ScreenTarget(gatewayID: $0.id, policy: $0.encoding, limits: service.ussdLimits)
            }
            let variables = service.sampleScreenVariables
            for (id, flow) in flows.sorted(by: { $0.key < $1.key }) {
                let file = flowFiles[id]!
                for problem in FlowValidator.validate(flow, languages: service.languages, targets: targets, variables: variables) {
                    let issue = ConfigIssue(
                        file: file.name, line: line(in: file.path, path: problem.path), key: problem.path.joined(separator: "."),
                        message: problem.message, severity: problem.severity == .error ? .error : .warning)
                    if issue.severity == .error { issues.append(issue) } else { warnings.append(issue) }
                }
            }
        }

        if let service {
            issues += communeIssues(service, escalation: escalation, path: servicePath, name: display(directory, "service.yaml"))
        }

        let triageModel =
            withModel ? loadTriageModel(directory: directory, rules: triage, issues: &issues, warnings: &warnings) : nil
        guard issues.isEmpty, let service, let triage else { throw ConfigErrors(issues: issues + warnings) }
        var config = HotlineConfig(
            directory: directory, service: service, gateways: gateways.sorted { $0.id < $1.id }, flows: flows,
            textRules: textRules, triage: triage, escalation: escalation, warnings: warnings)
        config.triageModel = triageModel
        return config
    }

    static func yamlFiles(in folder: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { folder.appendingPathComponent($0) }
    }

    static func display(_ directory: String, _ file: String) -> String {
        (directory as NSString).appendingPathComponent(file)
    }

    /// Decodes one file, turning every failure into an issue with its line.
    static func decodeFile<T: Decodable>(_ path: String, displayName: String, issues: inout [ConfigIssue]) -> T? {
        guard let data = FileManager.default.contents(atPath: path) else {
            issues.append(ConfigIssue(file: displayName, message: "cannot be read (missing, or not readable by this user)"))
            return nil
        }
        guard let yaml = String(data: data, encoding: .utf8) else {
            issues.append(ConfigIssue(file: displayName, message: "is not UTF-8 text; save it as UTF-8"))
            return nil
        }
        let node: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else {
                issues.append(ConfigIssue(file: displayName, message: "is empty"))
                return nil
            }
            node = composed
        } catch let error as YamlError {
            issues.append(yamlIssue(error, file: displayName))
            return nil
        } catch {
            issues.append(ConfigIssue(file: displayName, message: "is not valid YAML: \(error)"))
            return nil
        }
        do {
            return try YAMLDecoder().decode(T.self, from: node)
        } catch {
            issues.append(decodingIssue(error, file: displayName, root: node))
            return nil
        }
    }

    static func yamlIssue(_ error: YamlError, file: String) -> ConfigIssue {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            return ConfigIssue(file: file, line: mark.line, message: "YAML syntax: \(detail) (check indentation and quoting)")
        default:
            return ConfigIssue(file: file, message: "is not valid YAML: \(error)")
        }
    }

    /// What a gateway file must hold for its kind to work.
    static func gatewayIssues(_ gateway: GatewayConfig, file name: String) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        issues += gateway.kind.setupIssues(gateway.settings).map {
            ConfigIssue(file: name, key: $0.key, message: $0.message, severity: $0.isWarning ? .warning : .error)
        }
        if gateway.send != nil && gateway.sendURL == nil {
            issues.append(
                ConfigIssue(file: name, key: "send.url", message: "\(gateway.kind.displayName) has no public send API; set its URL"))
        }
        if let auth = gateway.auth {
            for entry in auth.allowIPs where IPNetwork(entry) == nil {
                issues.append(
                    ConfigIssue(file: name, key: "auth.allow_ips", message: "'\(entry)' is not an address or CIDR range (10.0.0.0/8)"))
            }
            if (auth.basicUsername == nil) != (auth.basicPasswordEnv == nil) {
                issues.append(
                    ConfigIssue(file: name, key: "auth", message: "Basic authentication needs both basic_username and basic_password_env"))
            }
        }
        for (key, value) in [
            ("dedupe_window_seconds", gateway.dedupeWindowSeconds), ("multipart_timeout_seconds", gateway.multipartTimeoutSeconds),
            ("max_parts", gateway.maxParts),
        ]
        where value < 1 {
            issues.append(ConfigIssue(file: name, key: key, message: "must be at least 1"))
        }
        return issues
    }

    /// Expected values for keys whose type is a closed set, so the message can list them.
    static let choices: [String: [String]] = [
        "encoding": EncodingPolicy.allCases.map(\.rawValue),
        "kind": GatewayCatalog.kinds,
        "reply": ReplyMode.allCases.map(\.rawValue),
        "signature_method": VonageSignature.Method.allCases.map(\.rawValue),
        "role": EscalationConfig.Operator.Role.allCases.map(\.rawValue),
        "body": GenericFormat.BodyType.allCases.map(\.rawValue),
        "send_body": GenericFormat.BodyType.allCases.map(\.rawValue),
        "type": FlowNode.Kind.allCases.map(\.rawValue),
        "priority": Priority.allCases.map(\.rawValue),
    ]

    static func decodingIssue(_ error: any Error, file: String, root: Node) -> ConfigIssue {
        func names(_ path: [any CodingKey]) -> [String] {
            path.map { $0.intValue.map(String.init) ?? $0.stringValue }
        }
        func issue(_ path: [String], _ message: String, lineOf: [String]? = nil) -> ConfigIssue {
            ConfigIssue(
                file: file, line: Self.node(at: lineOf ?? path, in: root)?.mark?.line,
                key: path.isEmpty ? nil : path.joined(separator: "."),
                message: message)
        }
        switch error {
        case let error as UnknownKeyError:
            let path = names(error.codingPath)
            return issue(path, "unknown key; expected one of: \(error.expected.joined(separator: ", ")) (a typo?)", lineOf: path)
        case DecodingError.keyNotFound(let key, let context):
            let parent = names(context.codingPath)
            return issue(parent + [key.stringValue], "is required but missing", lineOf: parent)
        case DecodingError.typeMismatch(let type, let context):
            return issue(names(context.codingPath), "expected \(describe(type))")
        case DecodingError.valueNotFound(let type, let context):
            return issue(names(context.codingPath), "has no value; expected \(describe(type))")
        case DecodingError.dataCorrupted(let context):
            let path = names(context.codingPath)
            // A commune worker's `role` has its own rule (commune only), said by its decoder.
            if let last = path.last, let allowed = choices[last], path.first != "areas" {
                let found = Self.node(at: path, in: root, valueOfLast: true)?.scalar?.string ?? "?"
                return issue(path, "'\(found)' is not allowed; expected one of: \(allowed.joined(separator: ", "))")
            }
            return issue(path, context.debugDescription)
        default:
            return ConfigIssue(file: file, message: "\(error)")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Int.Type: "a whole number"
        case is Bool.Type: "true or false"
        case is [String].Type: "a list of texts"
        default:
            "\(type)".contains("Dictionary") ? "a mapping (key: value lines)" : ("\(type)".contains("Array") ? "a list" : "\(type)")
        }
    }

    /// The node at a key path, for its line; the deepest existing node when the path runs out.
    static func node(at path: [String], in root: Node, valueOfLast: Bool = false) -> Node? {
        var current = root
        for (i, component) in path.enumerated() {
            if let sequence = current.sequence, let index = Int(component), sequence.indices.contains(index) {
                current = sequence[index]
            } else if let mapping = current.mapping, let pair = mapping.first(where: { $0.key.string == component }) {
                // For the last component the key's own line is where an author looks.
                current = i == path.count - 1 && !valueOfLast ? pair.key : pair.value
            } else {
                return current
            }
        }
        return current
    }

    /// The line of a key path in a file (for problems found after decoding).
    static func line(in path: String, path keyPath: [String]) -> Int? {
        guard let data = FileManager.default.contents(atPath: path), let yaml = String(data: data, encoding: .utf8),
            let root = try? Yams.compose(yaml: yaml)
        else { return nil }
        return node(at: keyPath, in: root)?.mark?.line
    }
}

extension ConfigLoader {
    /// Communes and their workers: ids unique, and a worker never shares an id or a token
    /// variable with an operator (a worker signing in must never become an operator).
    static func communeIssues(_ service: ServiceConfig, escalation: EscalationConfig, path: String, name: String) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        let operatorIDs = Set(escalation.operators.map(\.id) + ["dev"])
        let operatorVariables = Set(escalation.operators.map(\.tokenEnv) + ["HOTLINE_OPERATOR_TOKEN"])
        var communeIDs: Set<String> = []
        var workerIDs: Set<String> = []
        for commune in service.communes {
            let areaIndex = service.areas.firstIndex(of: commune.area) ?? 0
            let communeIndex = service.communes.filter { $0.area == commune.area }.firstIndex(of: commune) ?? 0
            let at = ["areas", "\(areaIndex)", "communes", "\(communeIndex)"]
            if !communeIDs.insert(commune.id).inserted {
                issues.append(
                    ConfigIssue(
                        file: name, line: line(in: path, path: at + ["id"]), key: at.joined(separator: ".") + ".id",
                        message: "commune id '\(commune.id)' is listed twice; give each commune its own id"))
            }
            if commune.workers.isEmpty {
                issues.append(
                    ConfigIssue(
                        file: name, line: line(in: path, path: at), key: at.joined(separator: "."),
                        message:
                            "commune '\(commune.id)' has no worker; a case referred there would reach nobody. Add its child-protection worker"
                    ))
            }
            for (w, worker) in commune.workers.enumerated() {
                let key = at + ["workers", "\(w)"]
                if operatorIDs.contains(worker.id) || !workerIDs.insert(worker.id).inserted {
                    issues.append(
                        ConfigIssue(
                            file: name, line: line(in: path, path: key + ["id"]), key: key.joined(separator: ".") + ".id",
                            message: "'\(worker.id)' is already an operator's or another worker's id; ids sign in, so each is one person's")
                    )
                }
                if operatorVariables.contains(worker.tokenEnv) {
                    issues.append(
                        ConfigIssue(
                            file: name, line: line(in: path, path: key + ["token_env"]), key: key.joined(separator: ".") + ".token_env",
                            message: "\(worker.tokenEnv) holds an operator's token; give the worker a variable of their own"))
                }
            }
        }
        return issues
    }
}
