// The EmbedProviders module. See README.md for the layer's role.
