#!/usr/bin/env bash
# The cluster workflow for real: a small sweep (validation/small_run.toml at 2 rates, 1 day of
# consolidation) run here, then the same sweep submitted to Slurm as a 2-task job array with its
# merge job (`callus sweep --slurm --shards 2 --submit`); the merged sweep.csv must equal the local
# one byte for byte. Needs a running Slurm (`scripts/slurm-cluster.sh start`, which .ci/run calls);
# without one it says so and skips (fails if CALLUS_REQUIRE_SLURM=1, as in .ci/run). Usage: scripts/check_slurm.sh PATH/TO/callus
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
callus="$(realpath "$1")"
if ! command -v sbatch >/dev/null || ! timeout 20 sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "check_slurm: skipped: no Slurm cluster answers (start one with scripts/slurm-cluster.sh start)"
    [[ "${CALLUS_REQUIRE_SLURM:-0}" == 1 ]] && { echo "check_slurm: FAIL: CALLUS_REQUIRE_SLURM=1 and no cluster"; exit 1; }
    exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
study=(sweep validation/small_run.toml --rates 1,2 --set protocol.consolidation_days=1 --no-fields)
"$callus" "${study[@]}" --quiet --out "$work/local"
submitted="$("$callus" "${study[@]}" --out "$work/cluster" --slurm --shards 2 --submit)"
echo "$submitted"
merge_job="$(sed -n 's/.*merge job \([0-9]*\).*/\1/p' <<<"$submitted" | head -1)"
[[ -n "$merge_job" ]] || { echo "check_slurm: FAIL: no merge job id in the output above"; exit 1; }
for _ in $(seq 1 600); do
    squeue -h -j "$merge_job" 2>/dev/null | grep -q . || break
    sleep 1
done
if ! cmp "$work/local/sweep.csv" "$work/cluster/sweep.csv"; then
    echo "check_slurm: FAIL: the merged sweep.csv differs from the local one (or is missing)"
    tail -n 20 "$work"/cluster/slurm/*.log || true
    exit 1
fi
echo "check_slurm: ok: a 2-task Slurm job array and its merge job gave the local sweep.csv byte for byte"
