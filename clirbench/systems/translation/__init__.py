"""Query translation for translate-then-search baselines."""
