import EmbedCore
import Logging

/// Coalesces concurrent requests into shared model calls through a bounded queue.
///
/// Each request becomes a *job*: its inputs, an estimated cost (tokens) per input, and a
/// continuation. ``run()`` takes inputs from the queue in arrival order into batches of at most
/// ``Limits/maxBatchSize`` inputs and ``Limits/maxBatchTokens`` tokens, makes one engine call per
/// batch and scatters the vectors back to their jobs, so a request may share a batch with others
/// or, when large, span several. A batch only mixes inputs with the same kind and options.
///
/// - Coalescing: when the queue holds less than a full batch, the batch waits until its oldest
///   input has waited ``Limits/maxWait``, so requests arriving together share one call. Under
///   load no wait happens: inputs queue up while the previous batch runs.
/// - Back-pressure: a job that would push the queue past ``Limits/queueCapacity`` inputs is
///   rejected at once with ``APIError/Kind/overloaded`` (an empty queue admits any job).
/// - Isolation: when a batch that mixes several requests fails, each request's part is retried
///   alone, so one request's bad input fails only that request.
/// - Cancellation: a cancelled request leaves the queue; its inputs already in a batch are
///   computed and dropped.
/// - Shutdown: after ``beginShutdown()`` new jobs get ``APIError/shuttingDown`` while queued ones
///   still complete; ``run()`` returns once the queue is empty.
actor EmbeddingBatcher {
    /// The batching limits: a model's own (``ServedModel``), else the server's (``ServerConfiguration``).
    struct Limits: Sendable {
        var maxBatchSize: Int
        var maxBatchTokens: Int
        var maxWait: Duration
        var queueCapacity: Int
        var maxConcurrentBatches: Int

        init(_ configuration: ServerConfiguration, model: ServedModel? = nil) {
            maxBatchSize = max(1, model?.maxBatchSize ?? configuration.maxBatchSize)
            maxBatchTokens = max(1, model?.maxBatchTokens ?? configuration.maxBatchTokens)
            maxWait = max(.zero, model?.maxBatchWait ?? configuration.maxBatchWait)
            queueCapacity = max(1, model?.queueCapacity ?? configuration.queueCapacity)
            maxConcurrentBatches = max(1, model?.maxConcurrentBatches ?? configuration.maxConcurrentBatches)
        }
    }

    /// What the inputs of one batch must share.
    private struct BatchKey: Hashable, Sendable {
        let kind: EmbeddingInput.Kind
        let options: EmbeddingOptions
    }

    private struct Job {
        let key: BatchKey
        let inputs: [EmbeddingInput]
        let costs: [Int]
        let enqueuedAt: ContinuousClock.Instant
        let continuation: CheckedContinuation<[Embedding], any Error>
        /// Inputs before this index are in a batch already.
        var handedOut = 0
        var results: [Embedding?]
        var remaining: Int
    }

    private struct Batch: Sendable {
        struct Item: Sendable {
            let job: UInt64
            let index: Int
        }
        let key: BatchKey
        let items: [Item]
        let inputs: [EmbeddingInput]
    }

    private let engine: EmbeddingEngine
    private let limits: Limits
    private let metrics: ModelMetrics
    private let logger: Logger

    private var jobs: [UInt64: Job] = [:]
    /// Jobs with inputs not yet in a batch, oldest first.
    private var order: [UInt64] = []
    private var queuedInputs = 0
    private var queuedCost = 0
    private var nextJobID: UInt64 = 0
    private var waiter: CheckedContinuation<Void, Never>?
    private var isShuttingDown = false

    init(engine: EmbeddingEngine, limits: Limits, metrics: ModelMetrics, logger: Logger) {
        self.engine = engine
        self.limits = limits
        self.metrics = metrics
        self.logger = logger
    }

    // MARK: Submitting

    /// Embeds `inputs` as part of shared batches and returns their embeddings in input order.
    ///
    /// - Parameter costs: the estimated tokens of each input, for the batch token budget.
    /// - Throws: ``APIError`` when the queue is full or the server is shutting down, the engine's
    ///   error when the model call fails, `CancellationError` when the calling task is cancelled.
    func embed(_ inputs: [EmbeddingInput], costs: [Int], options: EmbeddingOptions) async throws -> [Embedding] {
        precondition(costs.count == inputs.count, "one cost per input")  // internal contract of EmbeddingService
        guard !inputs.isEmpty else { return [] }
        guard !isShuttingDown else { throw APIError.shuttingDown }
        if queuedInputs > 0, queuedInputs + inputs.count > limits.queueCapacity {
            metrics.recordRejection()
            throw APIError.overloaded(queued: queuedInputs, capacity: limits.queueCapacity)
        }
        try Task.checkCancellation()
        let id = nextJobID
        nextJobID &+= 1  // wraps after 2^64 jobs, long after older ids are gone
        let key = BatchKey(kind: inputs.first?.kind ?? .text, options: options)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                jobs[id] = Job(
                    key: key, inputs: inputs, costs: costs, enqueuedAt: .now, continuation: continuation,
                    results: Array(repeating: nil, count: inputs.count), remaining: inputs.count
                )
                order.append(id)
                queuedInputs += inputs.count
                queuedCost += costs.reduce(0, +)
                metrics.setQueueDepth(queuedInputs)
                wakeRunner()
            }
        } onCancel: {
            Task { await self.cancel(job: id) }
        }
    }

    /// The number of inputs waiting for a batch.
    var queueDepth: Int { queuedInputs }

    /// Stops admitting jobs; queued ones still complete and ``run()`` then returns.
    func beginShutdown() {
        isShuttingDown = true
        wakeRunner()
    }

    // MARK: Running

    /// Forms and runs batches until shutdown (after draining the queue) or cancellation (failing
    /// what is left).
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            while true {
                if running >= limits.maxConcurrentBatches {
                    await group.next()
                    running -= 1
                }
                guard let batch = await nextBatch() else { break }
                running += 1
                group.addTask { await self.execute(batch) }
            }
            await group.waitForAll()
        }
        isShuttingDown = true
        for id in Array(jobs.keys) {
            fail(job: id, with: APIError.shuttingDown)
        }
    }

    private func nextBatch() async -> Batch? {
        while true {
            if Task.isCancelled { return nil }
            guard let oldest = order.first.flatMap({ jobs[$0] }) else {
                if isShuttingDown { return nil }
                await withTaskCancellationHandler {
                    await withCheckedContinuation { waiter = $0 }
                } onCancel: {
                    Task { await self.wakeRunner() }
                }
                continue
            }
            let batchIsFull = queuedInputs >= limits.maxBatchSize || queuedCost >= limits.maxBatchTokens
            if !batchIsFull, !isShuttingDown, limits.maxWait > .zero {
                let deadline = oldest.enqueuedAt.advanced(by: limits.maxWait)
                if deadline > .now {
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    continue
                }
            }
            return takeBatch(key: oldest.key)
        }
    }

    /// Moves the oldest queued inputs with `key` into a batch, within the limits. A single input
    /// costlier than the token budget still forms a batch of its own.
    private func takeBatch(key: BatchKey) -> Batch {
        var items: [Batch.Item] = []
        var inputs: [EmbeddingInput] = []
        var cost = 0
        scan: for id in order {
            guard let job = jobs[id], job.key == key else { continue }
            var index = job.handedOut
            defer { jobs[id]?.handedOut = index }
            while index < job.inputs.count {
                let inputCost = job.costs[index]
                if !items.isEmpty, items.count >= limits.maxBatchSize || cost + inputCost > limits.maxBatchTokens {
                    break scan
                }
                items.append(Batch.Item(job: id, index: index))
                inputs.append(job.inputs[index])
                cost += inputCost
                index += 1
            }
        }
        order.removeAll { id in jobs[id].map { $0.handedOut == $0.inputs.count } ?? true }
        queuedInputs -= items.count
        queuedCost -= cost
        metrics.setQueueDepth(queuedInputs)
        return Batch(key: key, items: items, inputs: inputs)
    }

    private func execute(_ batch: Batch) async {
        let jobIDs = batch.items.reduce(into: [UInt64]()) { ids, item in
            if ids.last != item.job { ids.append(item.job) }
        }
        do {
            let embeddings = try await call(batch.inputs, key: batch.key)
            scatter(embeddings, to: batch.items)
            logger.trace("Embedded a batch", metadata: ["inputs": "\(batch.items.count)", "requests": "\(jobIDs.count)"])
        } catch where jobIDs.count > 1 {
            logger.debug("A shared batch failed; retrying each request alone", metadata: ["error": "\(error)"])
            for id in jobIDs {
                guard jobs[id] != nil else { continue }  // cancelled or failed meanwhile
                let positions = batch.items.indices.filter { batch.items[$0].job == id }
                do {
                    let embeddings = try await call(positions.map { batch.inputs[$0] }, key: batch.key)
                    scatter(embeddings, to: positions.map { batch.items[$0] })
                } catch {
                    fail(job: id, with: error)
                }
            }
        } catch {
            for id in jobIDs { fail(job: id, with: error) }
        }
    }

    /// One engine call, timed and checked.
    private func call(_ inputs: [EmbeddingInput], key: BatchKey) async throws -> [Embedding] {
        let start = ContinuousClock.now
        do {
            let embeddings: [Embedding]
            switch key.kind {
            case .tokenIDs:
                let ids = inputs.compactMap { if case .tokenIDs(let ids) = $0 { ids } else { nil } }
                embeddings = try await engine.embed(tokenIDs: ids, options: key.options)
            case .prepared:
                let prepared = inputs.compactMap { if case .prepared(let text) = $0 { text } else { nil } }
                embeddings = try await engine.embed(prepared: prepared, options: key.options)
            case .text:
                let texts = inputs.compactMap { if case .text(let text) = $0 { text } else { nil } }
                embeddings = try await engine.embed(texts, options: key.options)
            }
            guard embeddings.count == inputs.count else {
                throw APIError(.engineFailure, "The engine returned \(embeddings.count) embeddings for \(inputs.count) inputs.")
            }
            metrics.recordBatch(size: inputs.count, seconds: start.duration(to: .now).seconds, failed: false)
            return embeddings
        } catch {
            metrics.recordBatch(size: inputs.count, seconds: start.duration(to: .now).seconds, failed: true)
            throw error
        }
    }

    private func scatter(_ embeddings: [Embedding], to items: [Batch.Item]) {
        for (item, embedding) in zip(items, embeddings) {
            guard jobs[item.job] != nil else { continue }  // cancelled or failed meanwhile
            jobs[item.job]?.results[item.index] = embedding
            jobs[item.job]?.remaining -= 1
            if jobs[item.job]?.remaining == 0, let job = jobs.removeValue(forKey: item.job) {
                job.continuation.resume(returning: job.results.compactMap { $0 })
            }
        }
    }

    /// Removes a job, with its inputs not yet batched, and resumes its caller with `error`.
    private func fail(job id: UInt64, with error: any Error) {
        guard let job = jobs.removeValue(forKey: id) else { return }
        let unbatched = job.inputs.count - job.handedOut
        if unbatched > 0 {
            queuedInputs -= unbatched
            queuedCost -= job.costs[job.handedOut...].reduce(0, +)
            order.removeAll { $0 == id }
            metrics.setQueueDepth(queuedInputs)
        }
        job.continuation.resume(throwing: error)
    }

    private func cancel(job id: UInt64) {
        fail(job: id, with: CancellationError())
    }

    private func wakeRunner() {
        waiter?.resume()
        waiter = nil
    }
}
