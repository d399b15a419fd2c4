import EmbedCore
import EmbedLocal
import Foundation
import Testing

/// Damaged, truncated and foreign files: every one must be refused with a `ModelFileError` that
/// says what is wrong — never a crash, never a successful open with changed data.
@Suite("Model file: corrupt, truncated and foreign files are refused", .offThePool)
struct ModelFileCorruptionTests {
    typealias Field = ModelFileLayout.Field

    /// A valid sample file and the facts about it the mutations need.
    struct Sample {
        let bytes: [UInt8]
        let dataOffset: Int
        let tableOffset: Int
        /// The byte offset of every tensor table entry.
        let entryOffsets: [Int]

        init(storage: ModelFileStorage, in directory: ModelFileTestDirectory) throws {
            bytes = try ModelFileSample.write(to: directory.file("valid-\(storage).embed"), storage: storage)
            dataOffset = Int(bytes.fieldUInt64(at: Field.dataOffset))
            tableOffset = Int(bytes.fieldUInt64(at: Field.tableOffset))
            var offsets: [Int] = []
            var cursor = tableOffset
            for _ in 0..<Int(bytes.fieldUInt64(at: Field.tensorCount)) {
                offsets.append(cursor)
                let rank = Int(bytes.fieldUInt32(at: cursor + 20))
                let nameLength = Int(bytes.fieldUInt32(at: cursor + 24))
                cursor += (32 + 8 * rank + nameLength + 7) / 8 * 8
            }
            entryOffsets = offsets
        }

        /// `bytes` with a valid header checksum again, as a forger (or a buggy writer) would
        /// leave it: the structural checks, not the checksum, must catch what follows.
        func resealed(_ mutated: [UInt8]) -> [UInt8] {
            var copy = mutated
            let checksum = copy.withUnsafeBytes { ModelFileLayout.headerChecksum($0, prefixLength: dataOffset) }
            copy.setField(checksum, at: Field.headerChecksum)
            return copy
        }
    }

    static func isChecksumError(_ error: ModelFileError) -> Bool {
        switch error {
        case .headerChecksumMismatch, .weightsChecksumMismatch: true
        default: false
        }
    }

    // MARK: (a) Truncation

    @Test("every truncation is refused, with the right reason", arguments: ModelFileStorage.allCases)
    func truncation(storage: ModelFileStorage) async throws {
        let directory = try ModelFileTestDirectory()
        let sample = try Sample(storage: storage, in: directory)
        let size = sample.bytes.count
        // Every length through the header, metadata and table; then a spread through the data.
        let lengths = Array(0..<sample.dataOffset) + Array(stride(from: sample.dataOffset, to: size, by: 13)) + [size - 1]
        for length in lengths {
            guard let error = try modelFileOpeningError(Array(sample.bytes.prefix(length)), in: directory, "truncated to \(length)")
            else { continue }
            switch length {
            case 0: #expect(error == .notAModelFile(path: directory.path("case.embed"), leadingBytes: []))
            case 1..<ModelFileLayout.headerSize:
                #expect(error == .headerTruncated(path: directory.path("case.embed"), size: length, headerSize: 128))
            default:
                #expect(error == .sizeMismatch(path: directory.path("case.embed"), actualSize: length, recordedSize: UInt64(size)))
                #expect(error.description.contains("truncated"))
            }
        }
        let appended = try modelFileOpeningError(sample.bytes + [0], in: directory, "one byte appended")
        #expect(appended == .sizeMismatch(path: directory.path("case.embed"), actualSize: size + 1, recordedSize: UInt64(size)))
        #expect(appended?.description.contains("appended") == true)
    }

    // MARK: (b) Bit flips and byte changes

    @Test("single bit flips and byte changes anywhere are detected", arguments: ModelFileStorage.allCases)
    func bitFlips(storage: ModelFileStorage) async throws {
        let directory = try ModelFileTestDirectory()
        let sample = try Sample(storage: storage, in: directory)
        var generator = SeededGenerator(seed: storage == .float32 ? 1 : 2)
        var mutations: [(position: Int, mask: UInt8)] = []
        for _ in 0..<300 {
            mutations.append((Int.random(in: 0..<sample.bytes.count, using: &generator), 1 << UInt8.random(in: 0...7, using: &generator)))
        }
        for _ in 0..<100 {
            mutations.append((Int.random(in: 0..<sample.bytes.count, using: &generator), UInt8.random(in: 1...255, using: &generator)))
        }
        // Every header byte once, too.
        mutations += (0..<ModelFileLayout.headerSize).map { ($0, 0x10) }

        var headerCount = 0, dataCount = 0
        for (position, mask) in mutations {
            var mutated = sample.bytes
            mutated[position] ^= mask
            guard let error = try modelFileOpeningError(mutated, in: directory, "byte \(position) ^ \(mask)") else { continue }
            if position >= sample.dataOffset {
                dataCount += 1
                guard case .weightsChecksumMismatch = error else {
                    Issue.record("byte \(position) (data): unexpected \(error)")
                    continue
                }
            } else {
                headerCount += 1
                // The header, metadata and table stay protected without the weights check.
                let unverified = try modelFileOpeningError(mutated, in: directory, verifyChecksum: false, "byte \(position) ^ \(mask), unverified")
                #expect(unverified != nil)
            }
            #expect(error.description.contains(directory.path("case.embed")))
        }
        #expect(headerCount > 150 && dataCount > 150, "both regions are exercised: \(headerCount), \(dataCount)")
    }

    @Test("without weight verification a damaged weight goes unnoticed, as documented")
    func unverifiedWeights() async throws {
        let directory = try ModelFileTestDirectory()
        let sample = try Sample(storage: .float32, in: directory)
        var mutated = sample.bytes
        mutated[sample.dataOffset] ^= 0x01
        let url = directory.file("flipped.embed")
        try Data(mutated).write(to: url)
        let file = try ModelFile(path: url.path(percentEncoded: false), verifyChecksum: false)
        #expect(!file.weightsVerified)
        let first = try file.elementsCopy(ModelFileSample.names[0])[0]
        #expect(first != ModelFileSample.tensors().values(ModelFileSample.names[0])[0])
    }

    // MARK: (c) Extreme values in header and table fields

    static func extremeValues(original: UInt64, fileSize: Int) -> [UInt64] {
        let size = UInt64(fileSize)
        let values: [UInt64] = [
            0, 1, 7, 8, 63, 64, 127, 128, original &- 1, original &+ 1, original &- 8, original &+ 8, original &- 64,
            original &+ 64, size - 1, size, size + 1, UInt64(UInt32.max), UInt64(UInt32.max) + 1,
            UInt64(Int64.max), 1 << 63, UInt64.max - 7, UInt64.max,
        ]
        return values.filter { $0 != original }
    }

    static func extremeValues(original: UInt32) -> [UInt32] {
        let values: [UInt32] = [0, 1, 2, 3, 8, 9, 255, original &- 1, original &+ 1, 0x7FFF_FFFF, 0x8000_0000, .max]
        return values.filter { $0 != original }
    }

    @Test("extreme header field values are refused by the structural checks")
    func extremeHeaderFields() async throws {
        let directory = try ModelFileTestDirectory()
        let sample = try Sample(storage: .float32, in: directory)
        var cases = 0
        for (name, offset) in [("version", Field.version), ("flags", Field.flags)] {
            // Every version from 1 to the current one is readable: those are not damage.
            let readable: Set<UInt32> = name == "version" ? Set(1...ModelFile.currentFormatVersion) : []
            for value in Self.extremeValues(original: sample.bytes.fieldUInt32(at: offset)) where !readable.contains(value) {
                var mutated = sample.bytes
                mutated.setField(value, at: offset)
                cases += 1
                if let error = try modelFileOpeningError(sample.resealed(mutated), in: directory, "\(name) = \(value)") {
                    #expect(!Self.isChecksumError(error), "\(name) = \(value): \(error)")
                }
            }
        }
        let fields = [
            ("file length", Field.fileLength), ("metadata offset", Field.metadataOffset),
            ("metadata length", Field.metadataLength), ("table offset", Field.tableOffset),
            ("table length", Field.tableLength), ("tensor count", Field.tensorCount), ("data offset", Field.dataOffset),
            ("data length", Field.dataLength), ("reserved 96", Field.reserved), ("reserved 120", 120),
        ]
        for (name, offset) in fields {
            for value in Self.extremeValues(original: sample.bytes.fieldUInt64(at: offset), fileSize: sample.bytes.count) {
                var mutated = sample.bytes
                mutated.setField(value, at: offset)
                cases += 1
                if let error = try modelFileOpeningError(sample.resealed(mutated), in: directory, "\(name) = \(value)") {
                    #expect(!Self.isChecksumError(error), "\(name) = \(value): \(error)")
                }
            }
        }
        // The weights checksum field itself: only the weights check can catch it.
        var mutated = sample.bytes
        mutated.setField(sample.bytes.fieldUInt64(at: Field.weightsChecksum) ^ 1, at: Field.weightsChecksum)
        if let error = try modelFileOpeningError(sample.resealed(mutated), in: directory, "weights checksum changed") {
            guard case .weightsChecksumMismatch = error else { Issue.record("unexpected \(error)"); return }
        }
        #expect(cases > 200)
    }

    @Test("specific header damage gets a specific message")
    func specificHeaderErrors() async throws {
        let directory = try ModelFileTestDirectory()
        let sample = try Sample(storage: .float32, in: directory)
        let path = directory.path("case.embed")
        func damaged(_ change: (inout [UInt8]) -> Void) throws -> ModelFileError? {
            var mutated = sample.bytes
            change(&mutated)
            return try modelFileOpeningError(sample.resealed(mutated), in: directory, "specific damage")
        }
        let newer = try damaged { $0.setField(UInt32(7), at: Field.version) }
        #expect(newer == .unsupportedVersion(path: path, found: 7, supported: ModelFile.currentFormatVersion))
        #expect(newer?.description.contains("format version 7 is newer than this build supports (\(ModelFile.currentFormatVersion))") == true)
        #expect(try damaged { $0.setField(UInt32(0), at: Field.version) }
            == .invalidHeader(path: path, field: "format version", value: 0, reason: "versions start at 1"))
        #expect(try damaged { $0.setField(UInt32(6), at: Field.flags) }
            == .unsupportedFlags(path: path, flags: 6, known: 1))
        // The int8 flag exists from version 3 on: a version 2 file with it is refused as such.
        #expect(try damaged { $0.setField(UInt32(2), at: Field.flags) } == .unsupportedFlags(path: path, flags: 2, known: 1))
        #expect(try damaged {
            $0.setField(UInt32(3), at: Field.version)
            $0.setField(UInt32(2), at: Field.flags)
        } == .invalidHeader(path: path, field: "flags", value: 2, reason: "int8 storage is declared, but no tensor is stored as int8"))
        #expect(try damaged {
            $0.setField(UInt32(3), at: Field.version)
            $0.setField(UInt32(3), at: Field.flags)
        } == .invalidHeader(path: path, field: "flags", value: 3, reason: "float16 and int8 storage exclude each other"))
        #expect(try damaged { $0.setField(UInt32(1), at: Field.flags) }
            == .storageMismatch(path: path, tensor: ModelFileSample.names[0], found: .float32, storage: .float16))
        let huge = try damaged { $0.setField(UInt64.max, at: Field.metadataLength) }
        guard case .invalidHeader(_, "metadata length", UInt64.max, _) = huge else {
            Issue.record("unexpected \(String(describing: huge))")
            return
        }
        let count = try damaged { $0.setField(UInt64(1) << 62, at: Field.tensorCount) }
        guard case .invalidHeader(_, "tensor count", _, _) = count else {
            Issue.record("unexpected \(String(describing: count))")
            return
        }
        // Without resealing, any header change is a checksum mismatch that names both values.
        var unsealed = sample.bytes
        unsealed[ModelFileLayout.headerSize + 30] ^= 0x01  // a letter inside the metadata JSON
        let checksum = try modelFileOpeningError(unsealed, in: directory, "unsealed")
        guard case .headerChecksumMismatch(_, let recorded, let computed) = checksum else {
            Issue.record("unexpected \(String(describing: checksum))")
            return
        }
        #expect(recorded != computed)
    }

    @Test("extreme tensor table values are refused by the structural checks", arguments: ModelFileStorage.allCases)
    func extremeTableFields(storage: ModelFileStorage) async throws {
        let directory = try ModelFileTestDirectory()
        let sample = try Sample(storage: storage, in: directory)
        var cases = 0
        for entry in [sample.entryOffsets[0], sample.entryOffsets[sample.entryOffsets.count - 1]] {
            for (name, offset) in [("offset", 0), ("byte length", 8), ("first dimension", 32)] {
                for value in Self.extremeValues(original: sample.bytes.fieldUInt64(at: entry + offset), fileSize: sample.bytes.count) {
                    var mutated = sample.bytes
                    mutated.setField(value, at: entry + offset)
                    cases += 1
                    if let error = try modelFileOpeningError(sample.resealed(mutated), in: directory, "entry at \(entry): \(name) = \(value)") {
                        #expect(!Self.isChecksumError(error), "\(name) = \(value): \(error)")
                    }
                }
            }
            for (name, offset) in [("type", 16), ("rank", 20), ("name length", 24), ("reserved", 28)] {
                for value in Self.extremeValues(original: sample.bytes.fieldUInt32(at: entry + offset)) {
                    var mutated = sample.bytes
                    mutated.setField(value, at: entry + offset)
                    cases += 1
                    if let error = try modelFileOpeningError(sample.resealed(mutated), in: directory, "entry at \(entry): \(name) = \(value)") {
                        #expect(!Self.isChecksumError(error), "\(name) = \(value): \(error)")
                    }
                }
            }
        }
        #expect(cases > 200)
    }

    @Test("specific table damage gets a specific message")
    func specificTableErrors() async throws {
        let directory = try ModelFileTestDirectory()
        let sample = try Sample(storage: .float32, in: directory)
        let path = directory.path("case.embed")
        let first = sample.entryOffsets[0], second = sample.entryOffsets[1]
        func damaged(_ change: (inout [UInt8]) -> Void) throws -> ModelFileError? {
            var mutated = sample.bytes
            change(&mutated)
            return try modelFileOpeningError(sample.resealed(mutated), in: directory, "specific damage")
        }
        let name = ModelFileSample.names[0]
        #expect(try damaged { $0.setField(UInt32(9), at: first + 16) } == .unknownDataType(path: path, tensor: name, code: 9))
        #expect(try damaged { $0.setField(UInt64(31), at: first + 32) } == .tensorSizeMismatch(
            path: path, tensor: name, shape: [31, 16], dataType: .float32, expectedBytes: 31 * 16 * 4, recordedBytes: 30 * 16 * 4))
        // An empty tensor whose other dimension is absurd: refused, not converted to a trapping Int.
        #expect(try damaged {
            $0.setField(UInt64(0), at: first + 32)
            $0.setField(UInt64.max, at: first + 40)
            $0.setField(UInt64(0), at: first + 8)
        } == .tensorSizeMismatch(
            path: path, tensor: name, shape: [0, .max], dataType: .float32, expectedBytes: .max, recordedBytes: 0))
        let offset = sample.bytes.fieldUInt64(at: first)
        #expect(try damaged { $0.setField(offset + 4, at: first) }
            == .tensorMisaligned(path: path, tensor: name, offset: offset + 4, alignment: 64))
        #expect(try damaged { $0.setField(UInt64.max - 63, at: first) } == .tensorOutOfBounds(
            path: path, tensor: name, offset: UInt64.max - 63, length: 30 * 16 * 4,
            dataStart: UInt64(sample.dataOffset), dataEnd: UInt64(sample.bytes.count)))
        // The second tensor moved onto the first.
        #expect(try damaged { $0.setField(offset, at: second) }
            == .tensorsOverlap(path: path, first: name, second: ModelFileSample.names[1]))
        // A name that is not UTF-8.
        let invalidName = try damaged { bytes in
            let rank = Int(bytes.fieldUInt32(at: first + 20))
            bytes[first + 32 + 8 * rank] = 0xFF
        }
        #expect(invalidName == .invalidTensorEntry(path: path, index: 0, tensor: nil, reason: "has a name that is not valid UTF-8"))
    }

    @Test("two entries with one name are refused")
    func duplicateNames() async throws {
        let directory = try ModelFileTestDirectory()
        var source = ModelFileTestTensors()
        source.add("a.x", shape: [2], values: [1, 2])
        source.add("a.y", shape: [2], values: [3, 4])
        let url = directory.file("model.embed")
        try ModelFileWriter.write(metadata: Data("{}".utf8), tensors: source, names: ["a.x", "a.y"], to: url)
        var bytes = try Array(Data(contentsOf: url))
        let tableOffset = Int(bytes.fieldUInt64(at: Field.tableOffset))
        let secondEntry = tableOffset + (32 + 8 + 3 + 7) / 8 * 8
        bytes[secondEntry + 32 + 8 + 2] = UInt8(ascii: "x")
        let dataOffset = Int(bytes.fieldUInt64(at: Field.dataOffset))
        let checksum = bytes.withUnsafeBytes { ModelFileLayout.headerChecksum($0, prefixLength: dataOffset) }
        bytes.setField(checksum, at: Field.headerChecksum)
        let error = try modelFileOpeningError(bytes, in: directory, "duplicate names")
        #expect(error == .duplicateTensor(path: directory.path("case.embed"), tensor: "a.x"))
    }

    @Test("metadata that is not a UTF-8 JSON object is refused")
    func invalidMetadata() async throws {
        let directory = try ModelFileTestDirectory()
        let sample = try Sample(storage: .float32, in: directory)
        let path = directory.path("case.embed")
        let start = ModelFileLayout.headerSize
        var notUTF8 = sample.bytes
        notUTF8[start + 1] = 0xC3  // a lead byte without its continuation
        #expect(try modelFileOpeningError(sample.resealed(notUTF8), in: directory, "not UTF-8")
            == .invalidMetadata(path: path, reason: "it is not valid UTF-8"))
        var notJSON = sample.bytes
        notJSON[start + ModelFileSample.metadata.count - 1] = UInt8(ascii: " ")  // drop the closing brace
        let error = try modelFileOpeningError(sample.resealed(notJSON), in: directory, "not JSON")
        guard case .invalidMetadata(_, let reason) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(reason.hasPrefix("it is not valid JSON: "), "\(reason)")
    }

    // MARK: Foreign files

    struct Foreign: CustomTestStringConvertible, Sendable {
        let label: String
        let content: [UInt8]
        let fragments: [String]
        var testDescription: String { label }
    }

    static let foreignFiles: [Foreign] = [
        Foreign(label: "a JSON file", content: Array("{\n  \"hidden_size\": 384\n}\n".utf8),
                fragments: ["not an embed model file (magic 7B 0A 20 20", "looks like a JSON file"]),
        Foreign(label: "a safetensors file", content: {
            let header = Array(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#.utf8)
            var bytes: [UInt8] = []
            Swift.withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
            return bytes + header + [0, 0, 128, 63]
        }(), fragments: ["not an embed model file", "safetensors", "embed convert"]),
        Foreign(label: "an empty file", content: [], fragments: ["is empty, not an embed model file"]),
        Foreign(label: "a text file", content: Array("hello world, this is not a model".utf8),
                fragments: ["not an embed model file (magic 68 65 6C 6C 6F 20 77 6F \"hello wo\""]),
        Foreign(label: "random bytes", content: {
            var generator = SeededGenerator(seed: 9)
            return (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }(), fragments: ["not an embed model file"]),
        Foreign(label: "the magic alone", content: Array("EMBEDMDL".utf8),
                fragments: ["truncated: it is 8 bytes, shorter than the 128-byte model file header"]),
        Foreign(label: "a newer version's header",
                content: Array("EMBEDMDL".utf8) + [UInt8(ModelFile.currentFormatVersion + 1), 0, 0, 0] + Array(repeating: 0, count: 200),
                fragments: ["format version \(ModelFile.currentFormatVersion + 1) is newer than this build supports (\(ModelFile.currentFormatVersion))"]),
        Foreign(label: "a zip archive", content: [0x50, 0x4B, 0x03, 0x04] + Array(repeating: 0, count: 60),
                fragments: ["zip archive"]),
        Foreign(label: "a GGUF file", content: Array("GGUF".utf8) + [3, 0, 0, 0] + Array(repeating: 0, count: 120),
                fragments: ["not an embed model file", "it is a GGUF file", "embed convert FILE OUT.embed"]),
    ]

    @Test("a foreign file gets a clear error", arguments: foreignFiles)
    func foreign(_ file: Foreign) async throws {
        let directory = try ModelFileTestDirectory()
        guard let error = try modelFileOpeningError(file.content, in: directory, file.label) else { return }
        for fragment in file.fragments {
            #expect(error.description.contains(fragment), "\(error)")
        }
        #expect(error.description.contains(directory.path("case.embed")))
    }

    @Test("a directory or a missing path is unreadable, with the reason")
    func notAFile() async throws {
        let directory = try ModelFileTestDirectory()
        let folder = directory.path("")
        let notAFile = #expect(throws: ModelFileError.self) { try ModelFile(path: folder) }
        if let notAFile {
            guard case .unreadable(_, let reason) = notAFile else { Issue.record("unexpected \(notAFile)"); return }
            #expect(reason.contains("not a regular file"))
        }
        let missing = directory.path("missing.embed")
        let error = try #require(throws: ModelFileError.self, "opened a missing file") { try ModelFile(path: missing) }
        guard case .unreadable(missing, let reason) = error else { Issue.record("unexpected \(error)"); return }
        #expect(reason.contains("No such file or directory"))
        #expect(error.description.hasPrefix("Cannot read model file \(missing)"))
    }
}
