#!/usr/bin/env bash
# Pack what bench/experiments/verifier_sweep.py needs on a GPU machine that has torch and transformers but not this
# project's virtual environment, its packaged models or ../shared/data, and that takes at most 64 MiB of files.
#   bash bench/gpu_sweep_pack.sh pack      # writes .devdata/ (git-ignored), un-tracks the shipped weights
#   bash bench/gpu_sweep_pack.sh restore   # tracks the shipped weights again (run it right after the GPU run)
# .devdata/minilm: the packaged all-MiniLM-L6-v2 in fp16 (45 MB); .devdata/data.tar.xz: ../shared/data's
# NLI and grounding files (3 MB). The shipped verifier's weights (45 MB) would not fit beside them, and the sweep
# does not read them: `pack` leaves them on disk and only stops git from tracking them until `restore`.
# On the GPU machine (from the repository root):
#   mkdir -p /tmp/d && tar -xJf .devdata/data.tar.xz -C /tmp/d &&
#   python3 bench/experiments/verifier_sweep.py --base .devdata/minilm --nli /tmp/d/data/nli \
#     --grounding /tmp/d/data/grounding --soft-overlap-model .devdata/minilm --work /tmp/work --out "$OUT" \
#     --device cuda --deadline 460
set -euo pipefail
cd "$(dirname "$0")/.."
WEIGHTS=assistant/checking/verifiers/minilm-nli/model.safetensors
case "${1:-}" in
  pack)
    grep -qx '/.devdata/' .git/info/exclude 2>/dev/null || echo '/.devdata/' >> .git/info/exclude
    rm -rf .devdata && mkdir -p .devdata/minilm .devdata/data/nli .devdata/data/grounding
    SRC=$(.venv/bin/python -c "from index.embed import packaged_embedder; print(packaged_embedder())")
    cp "$SRC"/{config.json,tokenizer.json,tokenizer_config.json,special_tokens_map.json,vocab.txt} .devdata/minilm/
    .venv/bin/python - "$SRC" <<'EOF'
import sys
from safetensors.torch import load_file, save_file
weights = load_file(f"{sys.argv[1]}/model.safetensors")
save_file({k: v.half().contiguous() for k, v in weights.items()}, ".devdata/minilm/model.safetensors",
          metadata={"format": "pt"})
EOF
    cp ../shared/data/grounding/*.jsonl .devdata/data/grounding/
    for f in snli_dev snli_test mnli_dev_matched fever_symmetric_dev fever_symmetric_test hans sick_test_annotated \
             anli_r1_dev anli_r2_dev anli_r3_dev; do cp "../shared/data/nli/$f.jsonl" .devdata/data/nli/; done
    chmod -R u+w .devdata && tar -C .devdata -cJf .devdata/data.tar.xz data && rm -rf .devdata/data
    git rm -q --cached "$WEIGHTS"
    grep -qx "/$WEIGHTS" .git/info/exclude || echo "/$WEIGHTS" >> .git/info/exclude
    du -sh .devdata/*
    echo "carry: [\".devdata/minilm\", \".devdata/data.tar.xz\"]; afterwards: bash $0 restore"
    ;;
  restore)
    git reset -q -- "$WEIGHTS"
    sed -i "\#^/$WEIGHTS\$#d" .git/info/exclude
    git status --short -- "$WEIGHTS"
    ;;
  *)
    echo "usage: bash $0 pack|restore" >&2
    exit 2
    ;;
esac
