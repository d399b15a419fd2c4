extension TensorBuffer {
    /// Returns a copy of the elements.
    ///
    /// Prefer this to `Array(buffer.pointer)` on a temporary buffer: the copy happens while the
    /// buffer (and so the memory its pointer refers to) is guaranteed alive.
    public var elements: [Float] {
        withExtendedLifetime(self) { Array(pointer) }
    }
}
