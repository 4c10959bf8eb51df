"""clirbench: an evaluation harness and leaderboard for cross-lingual retrieval."""

__version__ = "0.1.0"
