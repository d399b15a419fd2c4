#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be memory-mapped.
public enum MappedFileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// `open` failed.
    case cannotOpen(path: String, errno: Int32)
    /// `fstat` failed.
    case cannotStat(path: String, errno: Int32)
    /// `mmap` failed.
    case cannotMap(path: String, errno: Int32)
    /// The path names a directory or another non-regular file.
    case notARegularFile(path: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let code): "Cannot open \(path): \(String(cString: strerror(code)))."
        case .cannotStat(let path, let code): "Cannot read the size of \(path): \(String(cString: strerror(code)))."
        case .cannotMap(let path, let code): "Cannot memory-map \(path): \(String(cString: strerror(code)))."
        case .notARegularFile(let path): "\(path) is not a regular file."
        }
    }
}

/// A read-only memory mapping of a whole file, unmapped when the last reference goes away.
///
/// Weights are read straight from the mapping: the kernel pages them in on first use and shares
/// them between processes, so loading costs no copy and start-up does not grow with model size.
public final class MappedFile: @unchecked Sendable {
    // @unchecked: every stored property is immutable after init and the pages are mapped
    // PROT_READ, so concurrent reads from any thread are safe.

    /// The mapped bytes; empty for an empty file.
    public let bytes: UnsafeRawBufferPointer

    /// The path the file was opened from, for error messages.
    public let path: String

    /// Maps the whole file at `path` read-only.
    public init(path: String) throws(MappedFileError) {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        defer { close(descriptor) }  // the mapping stays valid after the descriptor is closed
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .cannotStat(path: path, errno: errno) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw .notARegularFile(path: path) }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw .cannotMap(path: path, errno: errno)
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }

    /// The file's size in bytes.
    public var count: Int { bytes.count }

    /// Reads a little-endian `UInt64` at any byte offset (no alignment assumed).
    ///
    /// - Precondition: `offset + 8 <= count`.
    public func uint64(at offset: Int) -> UInt64 {
        precondition(offset >= 0 && offset + 8 <= bytes.count, "offset \(offset) + 8 outside 0..<\(bytes.count)")
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Reads a little-endian `UInt32` at any byte offset (no alignment assumed).
    ///
    /// - Precondition: `offset + 4 <= count`.
    public func uint32(at offset: Int) -> UInt32 {
        precondition(offset >= 0 && offset + 4 <= bytes.count, "offset \(offset) + 4 outside 0..<\(bytes.count)")
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}
