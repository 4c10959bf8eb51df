"""The contract every other layer builds on: plugins, metadata, progress, errors and small helpers. It imports nothing else from clirbench."""
