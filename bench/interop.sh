#!/usr/bin/env bash
# bench/interop.sh — bulk TCP throughput across a TUN device, weir against the kernel, in one run.
#
#   bench/interop.sh [MEGABYTES]        (default 512 per transfer)
#
# Row 1, weir ⇄ kernel: `weir nc` on a TUN device in a fresh network namespace, the kernel's socat
# on the other side of the device, one transfer each way.
# Row 2, the ceiling: the kernel's TCP on both ends, across two TUN devices joined by a userspace
# relay (bench/tun_relay.c: one read() and one write() per packet, as any TUN user pays). weir
# cannot beat the relay by construction; the ratio says how close it gets.
# Everything runs in namespaces this script creates and deletes; nothing touches the root
# namespace. A benchmark, not a test: it prints numbers and asserts nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
weir=${WEIR:-$root/build/weir}
mb=${1:-512}
[[ $mb =~ ^[0-9]+$ && $mb -ge 1 && $mb -le 8192 ]] || { echo "usage: $0 [MEGABYTES 1..8192]" >&2; exit 2; }
[[ -x $weir ]] || { echo "$0: $weir not built (make first)" >&2; exit 1; }
command -v socat >/dev/null || { echo "$0: needs socat (make deps)" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "$0: needs root (network namespaces, TUN)" >&2; exit 1; }

tag=$$
ns=weir-bench-$tag
nsa=weir-bench-a-$tag
nsb=weir-bench-b-$tag
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for n in "$ns" "$nsa" "$nsb"; do ip netns del "$n" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

bytes=$((mb * 1024 * 1024))
now_ns() { date +%s%N; }
gbits() { awk -v b="$bytes" -v t="$1" 'BEGIN { printf "%.2f", b * 8 / (t / 1e9) / 1e9 }'; }

# wait_for CMD...: until it succeeds, 10 s at most.
wait_for() {
    for _ in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "$0: timed out waiting for: $*" >&2
    exit 1
}

# ---- weir ⇄ kernel --------------------------------------------------------------------------
ip netns add "$ns"
ip -n "$ns" link set lo up
in_ns() { ip netns exec "$ns" "$@"; }

# kernel → weir
in_ns timeout 300 "$weir" nc -q -l 5001 </dev/null >/dev/null &
pids+=($!)
wait_for in_ns ip -4 addr show dev weir0 up
sleep 0.3 # the device is up; weir listens right after creating it
t0=$(now_ns)
head -c "$bytes" /dev/zero | in_ns timeout 300 socat -u - TCP:198.18.0.2:5001,retry=20,interval=0.05
wait "${pids[-1]}"
k2w=$(( $(now_ns) - t0 ))

# weir → kernel
in_ns timeout 300 socat -u TCP-LISTEN:5002,reuseaddr - >/dev/null &
pids+=($!)
sleep 0.2
t0=$(now_ns)
head -c "$bytes" /dev/zero | in_ns timeout 300 "$weir" nc -q 198.18.0.1 5002
wait "${pids[-1]}"
w2k=$(( $(now_ns) - t0 ))

# ---- kernel ⇄ kernel through the relay --------------------------------------------------------
cc -O2 -pthread -o "$tmp/tun_relay" "$root/bench/tun_relay.c"
ip netns add "$nsa"
ip netns add "$nsb"
"$tmp/tun_relay" "$nsa" ra "$nsb" rb >"$tmp/relay.out" &
pids+=($!)
wait_for grep -q ready "$tmp/relay.out"
ip -n "$nsa" link set lo up
ip -n "$nsb" link set lo up
ip -n "$nsa" addr add 10.201.0.1/24 dev ra
ip -n "$nsb" addr add 10.202.0.1/24 dev rb
ip -n "$nsa" link set ra up txqueuelen 10000
ip -n "$nsb" link set rb up txqueuelen 10000
ip -n "$nsa" route add 10.202.0.0/24 dev ra
ip -n "$nsb" route add 10.201.0.0/24 dev rb

relay_run() { # FROM_NS TO_NS TO_ADDR PORT
    ip netns exec "$2" timeout 300 socat -u "TCP-LISTEN:$4,reuseaddr" - >/dev/null &
    local l=$!
    sleep 0.2
    local t=$(now_ns)
    head -c "$bytes" /dev/zero | ip netns exec "$1" timeout 300 socat -u - "TCP:$3:$4"
    wait "$l"
    echo $(( $(now_ns) - t ))
}
r_ab=$(relay_run "$nsa" "$nsb" 10.202.0.1 5003)
r_ba=$(relay_run "$nsb" "$nsa" 10.201.0.1 5004)

# ---- the table ---------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b / a }'; } # time ratio = speed ratio
echo "bulk TCP across a TUN device, MTU 1500, ${mb} MB per transfer ($(nproc) cores, $(uname -r))"
printf '%-16s %16s %26s %8s\n' direction "weir ⇄ kernel" "kernel ⇄ kernel via relay" ratio
printf '%-16s %11s Gbit/s %21s Gbit/s %8s\n' "kernel → weir" "$(gbits "$k2w")" "$(gbits "$r_ab")" "$(ratio "$k2w" "$r_ab")"
printf '%-16s %11s Gbit/s %21s Gbit/s %8s\n' "weir → kernel" "$(gbits "$w2k")" "$(gbits "$r_ba")" "$(ratio "$w2k" "$r_ba")"
