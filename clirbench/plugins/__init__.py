"""Systems clirbench can score: the plugin contract, the registry and the built-in plugins."""
