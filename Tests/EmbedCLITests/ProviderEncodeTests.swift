import EmbedTestServer
import EmbedTestSupport
import Foundation
import Hummingbird
import Synchronization
import Testing

@Suite("embed encode with a provider, against a loopback server speaking OpenAI's wire format")
struct ProviderEncodeTests {
    /// What the server saw: requests in flight now, the most at once, and each request's size.
    struct Traffic { var inFlight = 0, peak = 0, sizes: [Int] = [] }

    @Test("texts go in calls of 4096, each sent as parallel requests of 2048, and come back in input order")
    func callsKeepRequestsInFlight() async throws {
        let traffic = Mutex(Traffic())
        let server = try await LoopbackServer.start { request, _ in
            let body = try await request.body.collect(upTo: 64 << 20)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
            let inputs = json?["input"] as? [String] ?? []
            traffic.withLock {
                $0.inFlight += 1
                $0.peak = max($0.peak, $0.inFlight)
                $0.sizes.append(inputs.count)
            }
            // Long enough that the requests of one call overlap if they are sent together.
            try await Task.sleep(for: .milliseconds(300))
            traffic.withLock { $0.inFlight -= 1 }
            // Text "t<N>" gets the vector [N, 1], so the output order can be read back.
            let data: [[String: Any]] = inputs.enumerated().map { index, text in
                let number: Double = Double(text.dropFirst()) ?? -1
                return ["object": "embedding", "index": index, "embedding": [number, 1.0]]
            }
            let answer: [String: Any] = [
                "object": "list", "data": data, "model": "test-model",
                "usage": ["prompt_tokens": inputs.count, "total_tokens": inputs.count],
            ]
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(data: try JSONSerialization.data(withJSONObject: answer))))
        }
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.jsonl")
        let count = 5000
        try Data((0..<count).map { "{\"text\":\"t\($0)\"}\n" }.joined().utf8).write(to: input)

        let result = try await CLIRunner.run(
            ["encode", "-q", "--provider", "openai", "--model", "test-model", "-i", input.path],
            environment: ["OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": server.baseURL + "/v1"])
        await server.stop()
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let vectors = try result.lines.map { try JSONDecoder().decode(EncodedLine.self, from: Data($0.utf8)).embedding }
        try #require(vectors.count == count)
        #expect(vectors.enumerated().allSatisfy { index, vector in vector.count == 2 && vector[0] / vector[1] == Float(index) })
        let seen = traffic.withLock { $0 }
        // 5000 texts: a call of 4096 (two requests of 2048 at once), then one of 904.
        #expect(seen.sizes.sorted() == [904, 2048, 2048])
        #expect(seen.peak == 2)
    }
}
