#!/usr/bin/env bash
# Dry-run open-r1's own recipes, unchanged, under the r1-trl stage each maps to, and print one line per recipe.
#   benchmarks/open_r1_recipes.sh [OPEN_R1_GIT_DIR]   (default: the search tool's mirror of huggingface/open-r1)
# The recipes are read from the git history (config_simple_rl.yaml was removed in 33f84de), never copied here.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=${1:-/work/.mirror/huggingface+open-r1/repo}
BIN=${BIN:-.venv/bin}
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# stage  processes  revision  path
cat > "$tmp/list" <<'LIST'
r1_zero 8 HEAD recipes/Qwen2.5-1.5B-Instruct/grpo/config_demo.yaml
r1_zero 8 HEAD recipes/DeepSeek-R1-Distill-Qwen-1.5B/grpo/config_demo.yaml
r1_zero 7 33f84de^ recipes/Qwen2.5-Math-7B/grpo/config_simple_rl.yaml
sft 8 HEAD recipes/OpenR1-Distill-7B/sft/config_distill.yaml
LIST
status=0
while read -r stage procs rev path; do
  file="$tmp/$(echo "$path" | tr / _)"
  git -C "$REPO" show "$rev:$path" > "$file" || { echo "MISSING $rev:$path"; status=1; continue; }
  if out=$("$BIN/r1-trl" "$stage" --config "$file" --dry-run --num_processes "$procs" 2>&1); then
    echo "OK    r1-trl $stage --dry-run --num_processes $procs  <- open-r1 $path@$rev"
  else
    echo "FAIL  r1-trl $stage --dry-run --num_processes $procs  <- open-r1 $path@$rev: $(echo "$out" | grep 'error:' | tail -1)"
    status=1
  fi
done < "$tmp/list"
exit $status
