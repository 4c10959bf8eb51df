"""The weight store: installing the weights systems run on into <cache>/models with a manifest, and
offline builders. (The package was `clirbench.models`; the folder on disk keeps its name.)"""
