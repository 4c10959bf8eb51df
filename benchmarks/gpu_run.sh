#!/usr/bin/env bash
# The GPU figures of benchmarks/results/encode_gpu*.json (and train_steps_gpu.json, not measured
# yet), on a machine with a CUDA GPU, its own Python (torch, transformers, sentence-transformers)
# and no network. The committed encode_gpu.json came from a shorter run, for the 15 minutes of GPU
# time a task is lent: `--repeats 1 --sides clirbench-float32 st-bfloat16 clirbench-float16
# st-float16-batch256 clirbench-float16-batch256 forward-only-float16-batch256
# forward-only-bfloat16-batch256`; the full run below was cut off at 330 s, after 10 sides
# (results/encode_gpu_first_run.log).
# Here, first:
#   python -m benchmarks.encode_gpu pack            # .device/: model, tokenizer, texts, XQuAD-R
#   pip download --no-deps (Python 3.12 wheels) -d .whl pydantic pydantic-core annotated-types \
#       typing-inspection ir-datasets ir-measures    # what that machine lacks
# then copy the checkout with .device/ and .whl/ there and run this from its root.
# Usage: bash benchmarks/gpu_run.sh OUT_DIR
set -uo pipefail
out=${1:?usage: gpu_run.sh OUT_DIR}
mkdir -p "$out"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
rm -rf /tmp/site/test  # ir_datasets' wheel ships a top-level `test` that hides the standard library's
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 TRANSFORMERS_VERBOSITY=error HF_HUB_OFFLINE=1
export CLIRBENCH_LOCAL_DATA=$PWD/.device/data CLIRBENCH_MODELS=/tmp/clirbench-models CLIRBENCH_CACHE=/tmp/clirbench-cache
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$out/gpu.txt"
# Speed (all sides, best of 2: about 6 minutes on an H200), then RR@10 of three precisions.
timeout "${ENCODE_TIMEOUT:-540}" python3 -m benchmarks.encode_gpu run --pack .device --repeats 2 \
    --json "$out/encode_gpu.json" 2>&1 | grep -v "Loading weights" | tee "$out/encode_gpu.log"
timeout "${ACCURACY_TIMEOUT:-150}" python3 -m benchmarks.encode_gpu run --pack .device --accuracy-only --batch-size 256 \
    --json "$out/encode_gpu_accuracy.json" 2>&1 | grep -v "Loading weights" | tee "$out/encode_gpu_accuracy.log"
# Training steps: the recipes that have a device field (OPTICAL's trains on the CPU only).
python3 -m benchmarks.encode_gpu install --pack .device 2>&1 | tail -1
timeout "${TRAIN_TIMEOUT:-300}" python3 -m benchmarks.train_steps --device cuda --json "$out/train_steps_gpu.json" 2>&1 \
    | tee "$out/train_steps_gpu.log"
