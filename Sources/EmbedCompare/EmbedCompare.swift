// The EmbedCompare module: comparing two embedders' vectors.
