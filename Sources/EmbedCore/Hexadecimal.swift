extension Sequence<UInt8> {
    /// The bytes as lower-case hexadecimal, two digits each: how digests are written in file
    /// names, model records and messages.
    package var hexString: String {
        let digits = Array("0123456789abcdef")
        var result = ""
        for byte in self {
            result.append(digits[Int(byte >> 4)])
            result.append(digits[Int(byte & 0x0F)])
        }
        return result
    }
}
