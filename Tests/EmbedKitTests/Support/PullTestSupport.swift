import EmbedCore
import EmbedHub
import EmbedKit
import EmbedTestSupport
import Foundation
import Synchronization

/// The repository id the tests pull.
let tinyRepositoryID = "fixtures/tiny-cls-normalize"

/// The tiny model folder as a Hub repository, with the files a real repository carries besides
/// the model (which a pull must skip).
func tinyRepository(commit: String = "0123456789abcdef0123456789abcdef01234567") throws -> FixtureRepository {
    try FixtureRepository.from(
        folder: Fixtures.url("tiny/tiny-cls-normalize"), id: tinyRepositoryID, commit: commit,
        extra: [
            "README.md": Data("# tiny\n".utf8),
            ".gitattributes": Data("*.safetensors filter=lfs\n".utf8),
            "onnx/model.onnx": Data(repeating: 7, count: 3000),
            "pytorch_model.bin": Data(repeating: 9, count: 5000),
            "openvino/openvino_model.xml": Data("<xml/>".utf8),
        ])
}

/// A fresh EMBED_HOME, removed by the caller.
func temporaryHome() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("embed-home-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A puller for a fixture Hub, with fast retries.
func makePuller(_ server: HubFixtureServer, home: URL, token: String? = nil, maxAttempts: Int = 3) throws -> ModelPuller {
    let configuration = try HubConfiguration(
        endpoint: server.endpoint, token: token, environment: [:], requestTimeout: .seconds(10),
        downloadTimeout: .seconds(30), maxAttempts: maxAttempts, retryDelay: .milliseconds(10))
    return ModelPuller(home: EmbedHome(url: home), hub: HubClient(configuration: configuration))
}

/// Collects pull events.
final class EventLog: Sendable {
    private let events = Mutex<[PullEvent]>([])

    var all: [PullEvent] { events.withLock { $0 } }

    func record(_ event: PullEvent) { events.withLock { $0.append(event) } }
}

/// Every regular file under `folder`, as paths relative to it.
func relativeFiles(under folder: URL) -> [String] {
    let base = folder.standardizedFileURL.path
    var result: [String] = []
    let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
    while let url = enumerator?.nextObject() as? URL {
        if (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
            result.append(String(url.standardizedFileURL.path.dropFirst(base.count + 1)))
        }
    }
    return result.sorted()
}
