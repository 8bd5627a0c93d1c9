#!/usr/bin/env bash
# run-fuzz.sh BUILD_DIR SECONDS — runs every libFuzzer target in BUILD_DIR/tests/fuzz for SECONDS
# each, one after the other, seeded with its corpus from tests/fuzz/corpus/<target>/ (read only).
# New corpus entries and crash artifacts go to BUILD_DIR/fuzz-scratch/<target>/, never into the
# tree; a run that finds a crash prints how to reproduce it. Exits 1 if any target failed.
#
# To keep what a long run found: minimize it into the tree with libFuzzer's merge, e.g.
#   BUILD/tests/fuzz/fuzz_wire_tcp -merge=1 tests/fuzz/corpus/fuzz_wire_tcp \
#       BUILD/fuzz-scratch/fuzz_wire_tcp/corpus
# Extra libFuzzer flags can be passed in FUZZ_FLAGS (e.g. FUZZ_FLAGS="-jobs=4 -workers=4").
set -euo pipefail

build=${1:?usage: scripts/run-fuzz.sh BUILD_DIR SECONDS}
seconds=${2:?usage: scripts/run-fuzz.sh BUILD_DIR SECONDS}
root=$(cd "$(dirname "$0")/.." && pwd)
fuzz_dir=$build/tests/fuzz
scratch=$build/fuzz-scratch

if [ ! -d "$fuzz_dir" ]; then
    echo "run-fuzz: $fuzz_dir does not exist (build with -DWEIR_FUZZ=ON and clang first)" >&2
    exit 2
fi

targets=()
for bin in "$fuzz_dir"/fuzz_*; do
    if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
        continue
    fi
    # A libFuzzer binary understands -max_total_time; the gcc replayer does not.
    if ! grep -q -a -- "max_total_time" "$bin"; then
        echo "run-fuzz: $(basename "$bin") is not a libFuzzer binary (configure with CC=clang)" >&2
        exit 2
    fi
    targets+=("$bin")
done
if [ ${#targets[@]} -eq 0 ]; then
    echo "run-fuzz: no fuzz targets in $fuzz_dir" >&2
    exit 2
fi

failed=()
for bin in "${targets[@]}"; do
    name=$(basename "$bin")
    work=$scratch/$name
    mkdir -p "$work/corpus" "$work/artifacts"
    seeds=$root/tests/fuzz/corpus/$name
    dirs=("$work/corpus")
    [ -d "$seeds" ] && dirs+=("$seeds")
    echo "== $name: ${seconds}s (new inputs: $work/corpus)"
    # shellcheck disable=SC2086 # FUZZ_FLAGS is a list of flags
    if "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" ${FUZZ_FLAGS:-} "${dirs[@]}" \
        >"$work/log" 2>&1; then
        grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$work/log" | tail -2 || true
    else
        failed+=("$name")
        tail -40 "$work/log"
        echo "== $name FAILED; reproduce with: $bin $work/artifacts/<crash-file> (log: $work/log)"
    fi
done

if [ ${#failed[@]} -ne 0 ]; then
    echo "run-fuzz: failed: ${failed[*]}" >&2
    exit 1
fi
echo "run-fuzz: ${#targets[@]} targets, ${seconds}s each, no findings"
