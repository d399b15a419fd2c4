/// The models a server answers for, and which one a request's `model` names.
///
/// Names are matched in tiers, the first tier with a match deciding: a model's own names (its
/// served name and aliases), then its engine's model name, then the last path component of
/// either (`ORG/NAME` and `NAME` meet there). Case and an Ollama `:latest` tag are ignored in
/// every tier. Two models may not share a name or an alias (``problems`` says so); a name that
/// only a lower tier shares between models (two engines both called `all-MiniLM-L6-v2` but
/// served under names of their own) names neither and is answered as ambiguous.
struct ModelCatalog: Sendable {
    /// The served models in the order given; the first is the default.
    let services: [EmbeddingService]
    /// The model TEI's routes (`/embed`, `/info`) use, which have no `model` field.
    let teiService: EmbeddingService
    /// Whether a single model answers to any name (see ``ServerConfiguration/requiresMatchingModelName``).
    let answersToAnyName: Bool
    /// Problems found while indexing the names, one sentence each.
    let problems: [String]

    private let tiers: [[String: [Int]]]

    init(services: [EmbeddingService], configuration: ServerConfiguration) {
        precondition(!services.isEmpty, "a server serves at least one model")  // buildApplication's contract
        self.services = services
        answersToAnyName = services.count == 1 && !configuration.requiresMatchingModelName

        var own: [String: [Int]] = [:]
        var engine: [String: [Int]] = [:]
        var ownBase: [String: [Int]] = [:]
        var engineBase: [String: [Int]] = [:]
        func add(_ name: String, _ index: Int, to tier: inout [String: [Int]]) {
            let key = Self.key(name)
            if tier[key]?.contains(index) != true { tier[key, default: []].append(index) }
        }
        for (index, service) in services.enumerated() {
            for name in [service.modelName] + service.aliases {
                add(name, index, to: &own)
                add(Self.lastComponent(name), index, to: &ownBase)
            }
            add(service.engine.modelName, index, to: &engine)
            add(Self.lastComponent(service.engine.modelName), index, to: &engineBase)
        }
        tiers = [own, engine, ownBase, engineBase]

        var problems: [String] = []
        for (key, indices) in own.sorted(by: { $0.key < $1.key }) where indices.count > 1 {
            let names = indices.map { "'\(services[$0].modelName)'" }.joined(separator: " and ")
            problems.append("Models \(names) both answer to '\(key)'; give each a name or alias of its own.")
        }

        if let teiName = configuration.teiModelName {
            let match = Self.lookup(teiName, tiers: tiers)
            if case .found(let index) = match {
                teiService = services[index]
            } else {
                teiService = services[0]
                problems.append("The TEI model '\(teiName)' is not one of the served models (\(services.map(\.modelName).joined(separator: ", "))).")
            }
        } else {
            teiService = services[0]
        }
        self.problems = problems
    }

    /// The model a request asks for: the default when it names none, the only model under any
    /// name when the server has one (unless configured otherwise).
    ///
    /// - Throws: ``APIError`` `notFound` (param `model`) naming the served models.
    func service(for requested: String?) throws -> EmbeddingService {
        guard let requested, !requested.isEmpty else { return services[0] }
        switch Self.lookup(requested, tiers: tiers) {
        case .found(let index):
            return services[index]
        case .ambiguous(let indices) where !answersToAnyName:
            throw APIError.modelNotFound(requested, served: services.map(\.modelName), ambiguousAmong: indices.map { services[$0].modelName })
        case .ambiguous, .missing:
            if answersToAnyName { return services[0] }
            throw APIError.modelNotFound(requested, served: services.map(\.modelName))
        }
    }

    /// Whether `requested` names one of the models (whatever ``answersToAnyName`` says).
    func names(_ requested: String) -> EmbeddingService? {
        if case .found(let index) = Self.lookup(requested, tiers: tiers) { return services[index] }
        return nil
    }

    private enum Match {
        case found(Int)
        case ambiguous([Int])
        case missing
    }

    private static func lookup(_ requested: String, tiers: [[String: [Int]]]) -> Match {
        for key in Set([key(requested), key(lastComponent(requested))]).sorted(by: { $0.count > $1.count }) {
            for tier in tiers {
                guard let indices = tier[key] else { continue }
                return indices.count == 1 ? .found(indices[0]) : .ambiguous(indices)
            }
        }
        return .missing
    }

    /// A name as compared: lower case, without Ollama's default `:latest` tag.
    static func key(_ name: String) -> String {
        let lowered = name.lowercased()
        return lowered.hasSuffix(":latest") ? String(lowered.dropLast(7)) : lowered
    }

    /// The last `/`-separated component of a name (`all-MiniLM-L6-v2` of
    /// `sentence-transformers/all-MiniLM-L6-v2`).
    static func lastComponent(_ name: String) -> String {
        name.split(separator: "/").last.map(String.init) ?? name
    }
}
