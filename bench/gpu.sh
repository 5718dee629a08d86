#!/usr/bin/env bash
# The GPU benchmark, as run on a lent GPU machine (device tool): set up if needed, measure, write JSON.
#   bash bench/gpu.sh [extra arguments for bench/gpu.py]
# Writes bench/results/gpu.json (tokens/s at batch 1 and 16, checker pairs/s). Needs a CUDA GPU and torch
# with CUDA; the packaged models need no network.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
if ! "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  echo "error: $PY has no CUDA torch or there is no GPU (nvidia-smi: $(nvidia-smi -L 2>/dev/null | head -1))" >&2
  exit 2
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
exec "$PY" bench/gpu.py "$@"
