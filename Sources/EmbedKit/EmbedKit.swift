// The EmbedKit module. See README.md for the layer's role.
