// The EmbedServer module. See README.md for the layer's role.
