import Foundation

/// One line of a golden file: the text, the ids sentence-transformers fed the model, and the
/// final embedding it returned (7 decimals).
package struct GoldenRecord: Decodable, Sendable {
    package let text: String
    package let ids: [Int32]
    package let embedding: [Float]

    package init(text: String, ids: [Int32], embedding: [Float]) {
        self.text = text
        self.ids = ids
        self.embedding = embedding
    }
}

/// Compares vectors with reference vectors and records the first failures.
package struct ParityReport: CustomStringConvertible {
    package var worstCosine = 1.0
    package var worstCosineText = ""
    package var worstDifference: Float = 0
    package var worstDifferenceText = ""
    package var count = 0

    package init() {}

    package mutating func add(_ vector: [Float], _ reference: GoldenRecord) {
        count += 1
        // Cosine in Double: in Float every value here would round to 1.
        var ab = 0.0, aa = 0.0, bb = 0.0
        var difference: Float = 0
        for (x, y) in zip(vector, reference.embedding) {
            ab += Double(x) * Double(y)
            aa += Double(x) * Double(x)
            bb += Double(y) * Double(y)
            difference = max(difference, abs(x - y))
        }
        let cosine = ab / (aa * bb).squareRoot()
        if cosine < worstCosine {
            worstCosine = cosine
            worstCosineText = reference.text
        }
        if difference > worstDifference {
            worstDifference = difference
            worstDifferenceText = reference.text
        }
    }

    package var description: String {
        "\(count) texts: worst cosine \(worstCosine) (\(worstCosineText.debugDescription.prefix(50))), "
            + "worst max |Δ| \(worstDifference) (\(worstDifferenceText.debugDescription.prefix(50)))"
    }
}

