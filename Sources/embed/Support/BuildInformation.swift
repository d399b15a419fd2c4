import CEmbedBuild
import EmbedLocal

/// What `embed --version` prints: the version, the commit a release was built from and the
/// kernels, so that a binary copied onto an air-gapped server can be identified there.
enum BuildInformation {
    /// The release version; `Scripts/package.sh` names its artifacts after it.
    static let version = "0.1.0"

    /// The commit stamped into a release build, or `nil` for a development build.
    static var commit: String? {
        let stamped = String(cString: embed_build_commit())
        return stamped.isEmpty ? nil : stamped
    }

    static var versionText: String {
        """
        embed \(version)
        commit: \(commit ?? "none (a development build; Scripts/package.sh stamps releases)")
        kernels: \(KernelInstructionSets.inUse) in use; built: \(KernelInstructionSets.built.joined(separator: ", "))
        int8 products: \(KernelInstructionSets.int8InUse) in use; built: \(KernelInstructionSets.int8Built.joined(separator: ", "))
        """
    }
}
