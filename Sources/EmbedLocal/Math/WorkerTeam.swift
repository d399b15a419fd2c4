import CEmbedKernels
import Dispatch
import Foundation
import Synchronization

/// The calling thread plus `size − 1` helper threads that split each step of one text's forward
/// pass between them.
///
/// A lone short text has some forty short steps (products, attention, LayerNorms). Handing each
/// to `DispatchQueue.concurrentPerform` paid a thread wake-up per step, which is a large share of
/// a step that short; these helpers instead spin on the step counter for a short while after
/// each step, so that the next one starts at once, and sleep on a semaphore when no step
/// follows (between texts).
///
/// A step's parts are not assigned to threads: every thread, the caller first, claims the next
/// unclaimed part until none is left. A helper that is not running yet — asleep since the last
/// text, still waking, or put by the scheduler on the caller's own core — so leaves its part to
/// the caller instead of making it wait, and a helper that finds itself on the caller's CPU
/// moves off it. With fixed parts, a text arriving after a pause ran no faster on two threads
/// than on one, as the caller spun, waiting for a helper that shared its core
/// (Benchmarks/README.md has the figures).
final class WorkerTeam: Sendable {
    /// Threads taking part in each step, the caller included, and the number of parts a step
    /// is cut into.
    let size: Int
    private let state: TeamState

    /// Starts `size − 1` helper threads (none for a size of 1).
    init(size: Int) {
        self.size = Swift.max(1, size)
        state = TeamState(partCount: self.size)
        for part in 1..<self.size {
            let state = state
            let thread = Thread { state.serve(helper: part - 1) }
            thread.name = "embed.worker-\(part)"
            thread.start()
        }
    }

    deinit { state.stop() }

    /// Runs `body(part)` for every part in `0..<size` — each exactly once, on whichever thread
    /// claims it first, the calling thread included — and returns when all have finished. Not
    /// reentrant: one caller at a time (a team belongs to one workspace, which belongs to one
    /// thread at a time).
    func forEach(_ body: (Int) -> Void) {
        guard size > 1 else { return body(0) }
        withoutActuallyEscaping(body) { body in state.run(body) }
    }
}

/// What the caller and the helpers share.
private final class TeamState: @unchecked Sendable {
    // @unchecked: `job` is written by the caller only while no part of a step is claimed and
    // unfinished — before it publishes the step in `ticket` (release) and after `finished` has
    // reached `partCount` (acquire) — and read only by a thread that has just claimed a part of
    // that step (an acquiring compare-exchange on `ticket`) and before it counts the part as
    // finished (release). Everything else is atomic or immutable.
    private var job: ((Int) -> Void)?
    /// The current step and its next unclaimed part: `step << partBits | part`. One word, so a
    /// claim can never take a part of a step other than the one its thread saw.
    private let ticket = Atomic<Int>(0)
    /// Parts of the current step that have finished.
    private let finished = Atomic<Int>(0)
    /// The CPU the caller ran on when it published the current step (-1: unknown).
    private let callerCPU = Atomic<Int>(-1)
    private let stopping = Atomic<Bool>(false)
    private let helpers: [Helper]
    private let partCount: Int

    private static let partBits = 16
    private static let partMask = (1 << partBits) - 1
    /// Steps wrap well before the sign bit.
    private static let stepMask = (1 << 46) - 1

    /// How long a helper spins for the next step before it sleeps: a lone text's steps follow
    /// each other within microseconds, while the next text may be far off.
    private static let spinNanoseconds: UInt64 = 50_000

    /// One helper's way to sleep: it sets `sleeping` and waits on `wake`; whoever clears
    /// `sleeping` must signal `wake` once.
    private final class Helper: Sendable {
        let sleeping = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
    }

    init(partCount: Int) {
        precondition(partCount <= Self.partMask, "too many parts for the ticket")
        self.partCount = partCount
        helpers = (0..<partCount - 1).map { _ in Helper() }
    }

    func run(_ body: @escaping (Int) -> Void) {
        job = body
        finished.store(0, ordering: .relaxed)
        callerCPU.store(Int(embed_current_cpu()), ordering: .relaxed)
        runParts(of: publishNextStep(firstPart: 0))
        var spins = 0
        while finished.load(ordering: .acquiring) < partCount {
            spins += 1
            // A helper that claimed a part but is not running (a busy machine) must get the
            // core rather than watch it spin: yield after a short while.
            if spins < 256 { embed_spin_pause() } else { sched_yield() }
        }
        job = nil
    }

    /// Claims and runs parts of `step` until none is left (or a later step has begun, which a
    /// helper that fell behind may see).
    private func runParts(of step: Int) {
        var current = ticket.load(ordering: .acquiring)
        while Self.step(of: current) == step, current & Self.partMask < partCount {
            let (claimed, found) = ticket.compareExchange(
                expected: current, desired: current + 1, successOrdering: .acquiring, failureOrdering: .acquiring)
            if claimed {
                job.unsafelyUnwrapped(current & Self.partMask)
                finished.add(1, ordering: .releasing)
                current = ticket.load(ordering: .acquiring)
            } else {
                current = found
            }
        }
    }

    private static func step(of ticket: Int) -> Int { ticket >> partBits }

    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        // A step with no parts to claim: helpers see it, then `stopping`.
        publishNextStep(firstPart: Self.partMask)
    }

    /// Publishes the step after the current one, whose next unclaimed part is `firstPart`, wakes
    /// the sleeping helpers, and returns the step. Only the caller (or `stop`) publishes.
    @discardableResult
    private func publishNextStep(firstPart: Int) -> Int {
        let step = (Self.step(of: ticket.load(ordering: .relaxed)) + 1) & Self.stepMask
        ticket.store(step << Self.partBits | firstPart, ordering: .sequentiallyConsistent)
        wakeSleepers()
        return step
    }

    private func wakeSleepers() {
        for helper in helpers where helper.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
            helper.wake.signal()
        }
    }

    /// A helper thread's life: wait for a new step, claim what is left of it, repeat.
    func serve(helper index: Int) {
        let helper = helpers[index]
        var seen = 0
        while true {
            var current = Self.step(of: ticket.load(ordering: .acquiring))
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
                current = Self.step(of: ticket.load(ordering: .acquiring))
            }
            seen = current
            if stopping.load(ordering: .acquiring) { return }
            // Sharing the caller's CPU, a helper only takes turns with it: move to another
            // (woken after a pause, the scheduler put a helper there 98 times in 100 here).
            let cpu = Int(embed_current_cpu())
            if cpu >= 0, cpu == callerCPU.load(ordering: .relaxed) { _ = embed_leave_cpu(Int32(cpu)) }
            runParts(of: current)
        }
    }

    /// Sleeps until the step moves past `seen`, without missing a step published while falling
    /// asleep.
    private func sleep(_ helper: Helper, seen: Int) {
        helper.sleeping.store(true, ordering: .sequentiallyConsistent)
        if Self.step(of: ticket.load(ordering: .sequentiallyConsistent)) != seen {
            // A step was published meanwhile. If its publisher already cleared our flag it will
            // signal: consume that signal; otherwise cancel the sleep ourselves.
            if !helper.sleeping.exchange(false, ordering: .sequentiallyConsistent) { helper.wake.wait() }
            return
        }
        helper.wake.wait()
    }
}
