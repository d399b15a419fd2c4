import CZlib
import Foundation

extension Fixtures {
    /// The bytes of a file below `Tests/Fixtures/` (or anywhere); a `.gz` file is inflated. The golden
    /// JSON Lines files are stored gzip-compressed (`Tests/Fixtures/generate/golden_files.py`).
    package static func data(_ url: URL) throws -> Data {
        let data = try Data(contentsOf: url)
        return url.pathExtension == "gz" ? try gunzip(data, path: url.path) : data
    }

    /// The text (UTF-8) of a file; a `.gz` file is inflated.
    package static func text(_ url: URL) throws -> String {
        let data = try data(url)
        guard let text = String(data: data, encoding: .utf8) else { throw FixtureFileError(path: url.path, detail: "not UTF-8") }
        return text
    }

    /// Inflates one gzip member with zlib, which checks the trailer's CRC-32 and length: a golden
    /// file reads back exactly as its generator wrote it, or not at all.
    package static func gunzip(_ compressed: Data, path: String = "<data>") throws -> Data {
        var stream = z_stream()
        // 15 + 16: the largest window, gzip header and trailer only.
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FixtureFileError(path: path, detail: "zlib refused to start")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var status = Z_OK
        try compressed.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            while status != Z_STREAM_END {
                let produced = chunk.withUnsafeMutableBufferPointer { buffer -> Int in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return buffer.count - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END else {
                    let reason = stream.msg.map { String(cString: $0) } ?? (status == Z_BUF_ERROR ? "truncated" : "zlib error \(status)")
                    throw FixtureFileError(path: path, detail: reason)
                }
                output.append(contentsOf: chunk[..<produced])
            }
        }
        guard stream.avail_in == 0 else { throw FixtureFileError(path: path, detail: "data after the gzip stream") }
        return output
    }
}

/// A fixture file that is missing, or not the gzip stream (or the UTF-8) it should be.
package struct FixtureFileError: Error, CustomStringConvertible {
    package var path: String
    package var detail: String
    package var description: String { "\(path): \(detail)" }
}

extension Fixtures {
    /// Copies a fixture file or folder to `destination`, following symbolic links. A file stored
    /// once and linked from several model folders (a shared `tokenizer.json`) arrives as an
    /// ordinary file, so that the copy stands on its own (a copied relative link would dangle).
    package static func copy(_ source: URL, to destination: URL) throws {
        let manager = FileManager.default
        let resolved = source.resolvingSymlinksInPath()
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: resolved.path, isDirectory: &isDirectory) else {
            throw FixtureFileError(path: source.path, detail: "no such file")
        }
        guard isDirectory.boolValue else {
            try manager.copyItem(at: resolved, to: destination)
            return
        }
        try manager.createDirectory(at: destination, withIntermediateDirectories: true)
        for name in try manager.contentsOfDirectory(atPath: resolved.path) {
            try copy(resolved.appendingPathComponent(name), to: destination.appendingPathComponent(name))
        }
    }

    /// The contents of every file below `folder`, keyed by its path relative to the folder, symbolic
    /// links followed: a model folder's files as a Hub repository would serve them.
    package static func files(under folder: URL) throws -> [String: Data] {
        let base = folder.standardizedFileURL.path
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            let target = url.resolvingSymlinksInPath()
            guard (try target.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            files[String(url.standardizedFileURL.path.dropFirst(base.count + 1))] = try Data(contentsOf: target)
        }
        return files
    }
}
