#!/usr/bin/env bash
# IMDB time to target on the accelerator machine (Keras 3 on JAX; no TensorFlow there).
#
# The device tool sends the checkout its session started in, whatever commit that is, so
# this runs from a self-contained bundle: .device/ holds the data, the wheels and a copy
# of the four files the run needs (bundle/benchmarks/{device_run.sh,device_keras_jax.py},
# bundle/seqkeras/layers/{min_rnn.py,pooling.py}). Prepare it here, once (TensorFlow and
# seqkeras; about 37 MiB):
#   bash benchmarks/device_run.sh --prepare
# then copy .device/ into the root of the checkout the device tool sends, and run there
# (device tool): command "bash .device/bundle/benchmarks/device_run.sh", timeout_s 480;
# carry [".device"] where .device is git-ignored in that checkout (untracked files that
# are not ignored travel anyway). It writes $OUT/device_keras_jax.json,
# $OUT/device_keras_jax.md and $OUT/log.txt; each config is capped at MAX_SECONDS of
# training so the run stays under about 7 minutes, and the JSON and table are rewritten
# after every config. Extra arguments go to device_keras_jax.py (--limit 300 --epochs 1
# for a smoke run).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"      # .../benchmarks
if [ "${1:-}" = "--prepare" ]; then
  set -e
  cd "$HERE/.."
  D=.device
  [ -f "$D/imdb_ids.npz" ] || .venv/bin/python -m benchmarks.device_keras_jax --prepare "$D/imdb_ids.npz"
  [ -d "$D/wheels" ] || python3 -m pip download --no-deps --only-binary=:all: \
    --python-version 3.12 --implementation cp --platform manylinux_2_28_x86_64 \
    --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 -d "$D/wheels" \
    keras==3.15.1 namex==0.1.0 optree==0.20.0
  rm -rf "$D/bundle"; mkdir -p "$D/bundle/benchmarks" "$D/bundle/seqkeras/layers"
  cp benchmarks/device_run.sh benchmarks/device_keras_jax.py "$D/bundle/benchmarks/"
  cp seqkeras/layers/min_rnn.py seqkeras/layers/pooling.py "$D/bundle/seqkeras/layers/"
  du -sh "$D"
  exit 0
fi
DATA="$(cd "$HERE/.." && pwd)"
[ -f "$DATA/imdb_ids.npz" ] || DATA="$(pwd)/.device"   # run from the repository itself
OUT="${OUT:-/tmp/device_out}"
mkdir -p "$OUT"
MAX_SECONDS="${MAX_SECONDS:-90}"
{
  echo "start $(date -u +%FT%TZ) $(hostname)"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  test -f "$DATA/imdb_ids.npz" || { echo "missing imdb_ids.npz: bash $0 --prepare"; exit 3; }
  ls "$DATA/wheels"
  export PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false
  timeout 440 python3 "$HERE/device_keras_jax.py" --data "$DATA/imdb_ids.npz" \
    --wheels "$DATA/wheels" --out "$OUT/device_keras_jax.json" \
    --table "$OUT/device_keras_jax.md" --max-seconds "$MAX_SECONDS" \
    --configs keras_io lstm min_gru "$@"
  echo "exit $? end $(date -u +%FT%TZ)"
} 2>&1 | grep -v "^WARNING: All log messages\|^I0000\|^W0000" | tee "$OUT/log.txt"
