"""clirbench's version, recorded in every results file. A leaf module, so that the runner reads
it without importing the package's front (`clirbench/__init__.py`, which reaches the api)."""

__version__ = "0.1.0"
