@testable import EmbedCore
import Foundation
import Testing

@Suite("Available cores: affinity and cgroup quotas", .offThePool)
struct AvailableCoresTests {
    @Test("Cpus_allowed_list is counted", arguments: [
        ("0-1", 2), ("0", 1), ("0-3,8,10-11", 7), ("3,5", 2), (" 0-63 ", 64),
    ])
    func allowedList(list: String, count: Int) async {
        let status = "Name:\tembed\nCpus_allowed:\tff\nCpus_allowed_list:\t\(list)\nMems_allowed:\t1\n"
        #expect(AvailableCores.allowedProcessorCount(status: status) == count)
    }

    @Test("A missing or unreadable Cpus_allowed_list does not limit", arguments: [
        "Name:\tembed\n", "Cpus_allowed_list:\t\n", "Cpus_allowed_list:\t3-1\n", "Cpus_allowed_list:\tx\n",
    ])
    func unreadableAllowedList(status: String) async {
        #expect(AvailableCores.allowedProcessorCount(status: status) == nil)
    }

    @Test func quotaFiles() async {
        #expect(AvailableCores.quotaV2(cpuMax: "150000 100000\n") == 1.5)
        #expect(AvailableCores.quotaV2(cpuMax: "max 100000\n") == nil)
        #expect(AvailableCores.quotaV2(cpuMax: "") == nil)
        #expect(AvailableCores.quotaV1(quota: "200000\n", period: "100000\n") == 2)
        #expect(AvailableCores.quotaV1(quota: "-1\n", period: "100000\n") == nil)
        #expect(AvailableCores.quotaV1(quota: nil, period: "100000") == nil)
    }

    @Test("cgroup v2: the tightest cpu.max from the process's cgroup up to the root")
    func cgroupV2() async throws {
        try withFakeRoot { root in
            try write(root, "proc/self/status", "Cpus_allowed_list:\t0-15\n")
            try write(root, "proc/self/cgroup", "0::/system.slice/embed.service\n")
            try write(root, "sys/fs/cgroup/system.slice/cpu.max", "250000 100000\n")
            try write(root, "sys/fs/cgroup/system.slice/embed.service/cpu.max", "max 100000\n")
            #expect(AvailableCores.read(root: root, onlineProcessors: 64) == 3)  // 2.5 rounded up
            #expect(AvailableCores.read(root: root, onlineProcessors: 2) == 2)
        }
    }

    @Test("cgroup v2 in a container: its own cgroup is the root, the path named does not exist")
    func cgroupV2Container() async throws {
        try withFakeRoot { root in
            try write(root, "proc/self/cgroup", "0::/kubepods/pod1/abc\n")
            try write(root, "sys/fs/cgroup/cpu.max", "100000 100000\n")
            #expect(AvailableCores.read(root: root, onlineProcessors: 32) == 1)
        }
    }

    @Test("cgroup v1 (hybrid): cpu.cfs_quota_us over cpu.cfs_period_us, and the affinity")
    func cgroupV1() async throws {
        try withFakeRoot { root in
            try write(root, "proc/self/status", "Cpus_allowed_list:\t0-5\n")
            try write(root, "proc/self/cgroup", "4:memory:/x\n3:cpu,cpuacct:/docker/abc\n0::/\n")
            try write(root, "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "400000\n")
            try write(root, "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n")
            try write(root, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n")
            try write(root, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n")
            #expect(AvailableCores.read(root: root, onlineProcessors: 64) == 4)
            try write(root, "proc/self/status", "Cpus_allowed_list:\t2,4\n")
            #expect(AvailableCores.read(root: root, onlineProcessors: 64) == 2)
        }
    }

    @Test("Nothing readable: every online processor")
    func nothingReadable() async throws {
        try withFakeRoot { root in
            #expect(AvailableCores.read(root: root, onlineProcessors: 8) == 8)
            #expect(AvailableCores.read(root: root, onlineProcessors: 0) == 1)
        }
    }

    private func withFakeRoot(_ body: (URL) throws -> Void) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("embed-cores-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try body(root)
    }

    private func write(_ root: URL, _ path: String, _ text: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }
}
