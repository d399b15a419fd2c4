#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP socket on 127.0.0.1, on a port the system picks, for tests of servers that do not
/// answer: bound but not listening, connections to it are refused; listening but never
/// accepting, the kernel completes connections into its backlog, so a client connects, sends its
/// request and never hears back.
///
/// Only 127.0.0.1 is ever bound, so tests using it contact nothing beyond this machine.
public final class LoopbackSocket: Sendable {
    /// What a client connecting to the socket meets.
    public enum Mode: Sendable {
        /// The connection is refused: nothing listens.
        case refusing
        /// The connection is made and the request is taken, but nothing ever answers.
        case silent
    }

    /// A system call that failed while setting the socket up.
    public struct Failure: Error, CustomStringConvertible {
        let call: String
        let code: Int32
        public var description: String { "\(call) failed: \(String(cString: strerror(code)))" }
    }

    /// The port, bound for the socket's lifetime so that nothing else takes it meanwhile.
    public let port: Int
    private let descriptor: Int32

    /// Binds a socket on 127.0.0.1 behaving as `mode` says.
    ///
    /// - Throws: ``Failure`` when the socket cannot be created or bound.
    public init(_ mode: Mode) throws {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw Failure(call: "socket", code: errno) }
        var address = sockaddr_in()
        #if canImport(Darwin)
        address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(descriptor)
            throw Failure(call: "bind", code: code)
        }
        if mode == .silent, listen(descriptor, 64) != 0 {
            let code = errno
            close(descriptor)
            throw Failure(call: "listen", code: code)
        }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    deinit { close(descriptor) }
}
