import Foundation

/// How many cores this process can keep busy: the online processors, narrowed by its CPU
/// affinity (`taskset`, `docker --cpuset-cpus`) and by any cgroup CPU quota on its way to the
/// root (`docker --cpus`, Kubernetes CPU limits, systemd `CPUQuota=`), a fractional quota rounded
/// up.
///
/// Why not `ProcessInfo.activeProcessorCount`: on Linux it counts every online processor. In a
/// container limited to 2 CPUs on a 64-core host, a forward pass would start 64 threads whose
/// helpers spin between steps, and the quota would throttle them all to a crawl. Everything in
/// this package that runs work in parallel (the forward pass, the tokenizer's batches, the
/// comparison's neighbour search) sizes it from here.
public enum AvailableCores {
    /// The cores of this process, read once (affinity and quotas rarely change while a process
    /// runs, and the encoders size their thread teams from it).
    public static let count: Int = read(
        root: URL(fileURLWithPath: "/"), onlineProcessors: ProcessInfo.processInfo.activeProcessorCount)

    /// Reads the limits under `root` (a stand-in for `/` in tests): `proc/self/status`'s
    /// `Cpus_allowed_list`, `proc/self/cgroup`, and the quotas under `sys/fs/cgroup`.
    /// Anything missing or unreadable does not limit.
    static func read(root: URL, onlineProcessors: Int) -> Int {
        var cores = Swift.max(1, onlineProcessors)
        if let status = contents(root, "proc/self/status"), let allowed = allowedProcessorCount(status: status) {
            cores = Swift.min(cores, allowed)
        }
        if let membership = contents(root, "proc/self/cgroup"),
            let quota = cgroupQuota(membership: membership, cgroupRoot: root.appendingPathComponent("sys/fs/cgroup"))
        {
            cores = Swift.min(cores, Swift.max(1, Int(quota.rounded(.up))))
        }
        return cores
    }

    /// The number of processors in `Cpus_allowed_list` (e.g. `0-3,8,10-11` → 7), or nil.
    static func allowedProcessorCount(status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else {
            return nil
        }
        let list = line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces)
        var count = 0
        for range in list.split(separator: ",") {
            let bounds = range.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            switch bounds.count {
            case 1:
                guard bounds[0] != nil else { return nil }
                count += 1
            case 2:
                guard let low = bounds[0], let high = bounds[1], high >= low else { return nil }
                count += high - low + 1
            default:
                return nil
            }
        }
        return count > 0 ? count : nil
    }

    /// The tightest CPU quota, in cores, of the cgroups in `membership` (`/proc/self/cgroup`) and
    /// of their ancestors, for cgroup v2 (`cpu.max`) and v1 (`cpu.cfs_quota_us` over
    /// `cpu.cfs_period_us`); nil when none sets one.
    ///
    /// A container usually sees its own cgroup as the root, so folders named by `membership` that
    /// do not exist are skipped and the walk still reaches the mount's root.
    static func cgroupQuota(membership: String, cgroupRoot: URL) -> Double? {
        var tightest: Double?
        func consider(_ quota: Double?) {
            if let quota { tightest = Swift.min(tightest ?? quota, quota) }
        }
        for line in membership.split(separator: "\n") {
            // "hierarchy-id:controllers:path"; the path may itself hold colons.
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let controllers = fields[1].split(separator: ",").map(String.init)
            let path = String(fields[2])
            if fields[0] == "0" && controllers.isEmpty {
                // v2: the unified hierarchy at the root, or under `unified` on hybrid systems.
                for mount in [cgroupRoot, cgroupRoot.appendingPathComponent("unified")] {
                    for folder in folders(from: mount, along: path) {
                        consider(contents(folder, "cpu.max").flatMap(quotaV2(cpuMax:)))
                    }
                }
            } else if controllers.contains("cpu") {
                // v1: mounted as e.g. `cpu,cpuacct` (often with a `cpu` link to it).
                for name in Set([fields[1].description, "cpu"]) {
                    for folder in folders(from: cgroupRoot.appendingPathComponent(name), along: path) {
                        consider(quotaV1(quota: contents(folder, "cpu.cfs_quota_us"), period: contents(folder, "cpu.cfs_period_us")))
                    }
                }
            }
        }
        return tightest
    }

    /// `cpu.max` (`"150000 100000"` → 1.5 cores; `"max 100000"` → no quota).
    static func quotaV2(cpuMax: String) -> Double? {
        let fields = cpuMax.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let quota = Double(fields[0]), let period = Double(fields[1]), quota > 0, period > 0 else {
            return nil
        }
        return quota / period
    }

    /// `cpu.cfs_quota_us` over `cpu.cfs_period_us` (`-1` → no quota).
    static func quotaV1(quota: String?, period: String?) -> Double? {
        guard let quota = quota.flatMap({ Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }),
            let period = period.flatMap({ Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }),
            quota > 0, period > 0
        else { return nil }
        return quota / period
    }

    /// `mount/a/b`, `mount/a`, `mount` for the path `/a/b`, keeping those that exist.
    private static func folders(from mount: URL, along path: String) -> [URL] {
        let components = path.split(separator: "/").map(String.init).filter { $0 != "." && $0 != ".." }
        return (0...components.count).reversed().map { depth in
            components.prefix(depth).reduce(mount) { $0.appendingPathComponent($1) }
        }.filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    private static func contents(_ folder: URL, _ name: String) -> String? {
        try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }
}
