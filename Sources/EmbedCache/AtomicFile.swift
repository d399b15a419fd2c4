import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers see the old contents or the new, never a mix: the bytes go to a
/// uniquely named temporary file in the same folder, which is then renamed over the target
/// (`rename(2)` is atomic within a file system).
///
/// There is no `fsync`: a cache entry lost or torn by a power cut is caught by its checksum
/// and recomputed, so a flush to disk per entry, which `Data.write(to:options: .atomic)` pays
/// when writing thousands of entries, buys nothing here.
enum AtomicFile {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func write(_ bytes: [UInt8], to url: URL) throws(Failure) {
        let path = url.path
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { throw Failure(description: "cannot create a temporary file: \(errorText())") }
        var written = 0
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                // Invariant: written < buffer.count, so the pointer and length stay inside the buffer.
                let result = Glue.write(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written)
                if result > 0 {
                    written += result
                } else if result < 0, errno == EINTR {
                    continue
                } else {
                    failure = "writing failed: \(errorText())"
                    return
                }
            }
        }
        if close(descriptor) != 0, failure == nil { failure = "closing failed: \(errorText())" }
        if failure == nil, rename(temporary, path) != 0 { failure = "renaming into place failed: \(errorText())" }
        if let failure {
            unlink(temporary)
            throw Failure(description: failure)
        }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }

    /// The C `write`, named apart from this type's own `write`.
    private enum Glue {
        static func write(_ descriptor: Int32, _ pointer: UnsafeRawPointer?, _ count: Int) -> Int {
            #if canImport(Glibc)
            Glibc.write(descriptor, pointer, count)
            #elseif canImport(Musl)
            Musl.write(descriptor, pointer, count)
            #else
            Darwin.write(descriptor, pointer, count)
            #endif
        }
    }
}
