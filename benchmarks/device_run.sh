#!/usr/bin/env bash
# IMDB time to target on the accelerator machine (Keras 3 on JAX; no TensorFlow there).
#
# Prepare here, once (TensorFlow + seqkeras; .device/ is git-ignored, about 37 MiB):
#   .venv/bin/python -m benchmarks.device_keras_jax --prepare .device/imdb_ids.npz
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#     --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
#     --platform manylinux_2_17_x86_64 -d .device/wheels keras==3.15.1 namex==0.1.0 optree==0.20.0
# Run there (device tool): command "bash benchmarks/device_run.sh", carry [".device"],
# timeout_s 480. It writes $OUT/device_keras_jax.json, $OUT/device_keras_jax.md and
# $OUT/log.txt; each config is capped at MAX_SECONDS of training so the whole run stays
# under about 7 minutes, and the JSON and table are rewritten after every config.
set -uo pipefail
OUT="${OUT:-/tmp/device_out}"
mkdir -p "$OUT"
MAX_SECONDS="${MAX_SECONDS:-150}"
PY="$(command -v python3)"
{
  echo "start $(date -u +%FT%TZ) $(hostname)"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  test -f .device/imdb_ids.npz || { echo "missing .device/imdb_ids.npz: carry .device"; exit 3; }
  ls .device/wheels
  export PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false
  timeout 450 "$PY" benchmarks/device_keras_jax.py --data .device/imdb_ids.npz \
    --wheels .device/wheels --out "$OUT/device_keras_jax.json" \
    --table "$OUT/device_keras_jax.md" --max-seconds "$MAX_SECONDS" \
    --configs keras_io lstm min_gru "$@"
  echo "exit $? end $(date -u +%FT%TZ)"
} 2>&1 | grep -v "^WARNING: All log messages\|^I0000\|^W0000" | tee "$OUT/log.txt"
