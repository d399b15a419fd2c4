import EmbedCore
import EmbedHub
import EmbedKit
import EmbedTestServer
import Foundation
import Testing

@Suite("Hub downloads: retries stop when the task is cancelled", .offThePool)
struct HubRetryTests {
    @Test("a download cancelled as it pauses before a retry throws CancellationError, without another attempt")
    func cancelAtRetryPause() async throws {
        // Nothing listens: every attempt fails with a transient error (once the HTTP client has
        // given up connecting, within the download timeout).
        let socket = try LoopbackSocket(.refusing)
        let configuration = try HubConfiguration(
            endpoint: "http://127.0.0.1:\(socket.port)", environment: [:], requestTimeout: .seconds(1),
            downloadTimeout: .seconds(1), maxAttempts: 3, retryDelay: .seconds(60))
        let client = HubClient(configuration: configuration)
        let destination = FileManager.default.temporaryDirectory.appendingPathComponent("hub-retry-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: destination.deletingLastPathComponent().appendingPathComponent(destination.lastPathComponent + ".incomplete")) }
        let events = EventLog()
        // The task cancels itself when it announces its first retry, just before the pause:
        // no waiting on the clock, so the test holds on a busy machine too.
        let download = Task {
            try await client.download(
                HubFile(path: "model.safetensors", size: 4), from: try HubRepositoryID("org/model"), commit: "c0ffee0",
                to: destination,
                progress: { event in
                    events.record(event)
                    if case .retrying = event { withUnsafeCurrentTask { $0?.cancel() } }
                })
        }
        await #expect(throws: CancellationError.self) { try await download.value }
        let attempts = events.all.filter { if case .downloading = $0 { true } else { false } }.count
        #expect(attempts == 1, "\(events.all)")
    }
}
