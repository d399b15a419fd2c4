import CEmbedKernels
import Dispatch
import Foundation
import Synchronization

/// The calling thread plus `size − 1` helper threads that split each step of one text's forward
/// pass between them.
///
/// A lone short text has about 40 steps (products, attention, LayerNorms) of 50–300 µs each.
/// Handing each to `DispatchQueue.concurrentPerform` cost about 55 µs of wake-up per step on the
/// reference machine, a third of the text's time; these helpers instead spin on a generation
/// counter for a short while (50 µs) after each step, so the next one starts within a microsecond, and
/// sleep on a semaphore when no step follows (between texts).
final class WorkerTeam: Sendable {
    /// Threads taking part in each step, the caller included.
    let size: Int
    private let state: TeamState

    /// Starts `size − 1` helper threads (none for a size of 1).
    init(size: Int) {
        self.size = Swift.max(1, size)
        state = TeamState(helperCount: self.size - 1)
        for part in 1..<self.size {
            let state = state
            let thread = Thread { state.serve(part: part) }
            thread.name = "embed.worker-\(part)"
            thread.start()
        }
    }

    deinit { state.stop() }

    /// Runs `body(part)` for every part in `0..<size`, part 0 on the calling thread, and returns
    /// when all have finished. Not reentrant: one caller at a time (a team belongs to one
    /// workspace, which belongs to one thread at a time).
    func forEach(_ body: (Int) -> Void) {
        guard size > 1 else { return body(0) }
        withoutActuallyEscaping(body) { body in state.run(body) }
    }
}

/// What the caller and the helpers share.
private final class TeamState: @unchecked Sendable {
    // @unchecked: `job` is written by the caller only while every helper is idle — before it
    // bumps `generation` (release) and after `remaining` has dropped to 0 (acquire) — and read by
    // helpers only between seeing a new generation (acquire) and decrementing `remaining`
    // (release). Everything else is atomic or immutable.
    private var job: ((Int) -> Void)?
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let helpers: [Helper]

    /// How long a helper spins for the next step before it sleeps: a lone text's steps follow
    /// each other within microseconds, while the next text may be far off.
    private static let spinNanoseconds: UInt64 = 50_000

    /// One helper's way to sleep: it sets `sleeping` and waits on `wake`; whoever clears
    /// `sleeping` must signal `wake` once.
    private final class Helper: Sendable {
        let sleeping = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
    }

    init(helperCount: Int) {
        helpers = (0..<helperCount).map { _ in Helper() }
    }

    func run(_ body: @escaping (Int) -> Void) {
        job = body
        remaining.store(helpers.count, ordering: .relaxed)
        generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
        wakeSleepers()
        body(0)
        var spins = 0
        while remaining.load(ordering: .acquiring) > 0 {
            spins += 1
            // A helper that is not running (a busy machine) must get the core rather than
            // watch it spin: yield after a short while.
            if spins < 256 { embed_spin_pause() } else { sched_yield() }
        }
        job = nil
    }

    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
        wakeSleepers()
    }

    private func wakeSleepers() {
        for helper in helpers where helper.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
            helper.wake.signal()
        }
    }

    /// A helper thread's life: wait for a generation, run its part, report, repeat.
    func serve(part: Int) {
        let helper = helpers[part - 1]
        var seen = 0
        while true {
            var current = generation.load(ordering: .acquiring)
            var spins = 0
            var spinStart: UInt64 = 0
            while current == seen {
                spins += 1
                if spins == 1 { spinStart = DispatchTime.now().uptimeNanoseconds }
                if spins % 64 != 0 {
                    embed_spin_pause()
                } else if DispatchTime.now().uptimeNanoseconds - spinStart < Self.spinNanoseconds {
                    // Let other runnable threads of an oversubscribed machine have the core
                    // now and then; nearly free when there are none.
                    sched_yield()
                } else {
                    sleep(helper, seen: seen)
                    spins = 0
                }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            if stopping.load(ordering: .acquiring) { return }
            job?(part)
            remaining.subtract(1, ordering: .releasing)
        }
    }

    /// Sleeps until the generation moves past `seen`, without missing a bump that races with
    /// falling asleep.
    private func sleep(_ helper: Helper, seen: Int) {
        helper.sleeping.store(true, ordering: .sequentiallyConsistent)
        if generation.load(ordering: .sequentiallyConsistent) != seen {
            // A step was published meanwhile. If its publisher already cleared our flag it will
            // signal: consume that signal; otherwise cancel the sleep ourselves.
            if !helper.sleeping.exchange(false, ordering: .sequentiallyConsistent) { helper.wake.wait() }
            return
        }
        helper.wake.wait()
    }
}
