#!/usr/bin/env bash
# run-tidy.sh BUILD_DIR — clang-tidy (checks in .clang-tidy) over every .c file of src/, port/,
# drivers/ and tools/, with the flags CMake exported to BUILD_DIR/compile_commands.json. Exits
# non-zero on any finding. Set CLANG_TIDY to pick a binary (default: clang-tidy, then
# clang-tidy-14); JOBS for parallelism (default: nproc).
set -euo pipefail

build=${1:?usage: scripts/run-tidy.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
if [ ! -f "$build/compile_commands.json" ]; then
    echo "run-tidy: $build/compile_commands.json missing (configure with CMake first)" >&2
    exit 2
fi
tidy=${CLANG_TIDY:-$(command -v clang-tidy || command -v clang-tidy-14 || true)}
if [ -z "$tidy" ]; then
    echo "run-tidy: clang-tidy not found (apt-get install clang-tidy)" >&2
    exit 2
fi

cd "$root"
# Only files the build knows: a .c outside compile_commands.json has no flags to check it with.
mapfile -t files < <(find src port drivers tools -name '*.c' 2>/dev/null | sort |
    while read -r f; do grep -q "\"$root/$f\"" "$build/compile_commands.json" && echo "$f"; done)
if [ ${#files[@]} -eq 0 ]; then
    echo "run-tidy: no source files found in $build/compile_commands.json" >&2
    exit 2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
printf '%s\n' "${files[@]}" |
    xargs -P "${JOBS:-$(nproc 2>/dev/null || echo 2)}" -n 1 \
        "$tidy" -p "$build" --quiet --warnings-as-errors='*' >"$log" 2>&1 || status=$?
# clang-tidy prints "N warnings generated" noise to stderr even when clean; show only findings.
noise='^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.?$|^Suppressed [0-9]+ warnings'
noise+='|^Use -header-filter|^Error while processing'
grep -v -E "$noise" "$log" || true
if [ "$status" -ne 0 ] || grep -q -E ': (warning|error):' "$log"; then
    echo "run-tidy: findings above" >&2
    exit 1
fi
