"""clirbench's speed and memory benchmarks: one module each, run from the repository's root as
`python -m benchmarks.NAME` (the Makefile's `bench*` targets). What they share (timing, the
host, peers and ratios, expected figures, results files) is in `benchmarks.common`; MLQA-R's
texts and the RR@10 of encoder settings against float32 in `benchmarks.mlqa`. Each one's
targets are in `benchmarks/expected/NAME.yaml`, checked at the end of its run; what the figures
mean is in docs/performance.md."""
