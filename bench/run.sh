#!/usr/bin/env bash
# bench/run.sh BUILD_DIR — the benchmarks of issue 5, weir and the Linux kernel side by side,
# measured in the same run (`make bench` builds, then runs this).
#
#   1. bulk throughput, one connection: weir ⇄ weir over the in-memory link (real clock), one
#      thread running both stacks and a thread per stack, against the kernel between two network
#      namespaces over a veth pair, offloads off and on
#   2. connection churn (connect, 100-byte request, 100-byte answer, close) at 1/16/64 concurrent
#   3. idle established connections: resident memory per socket, against the kernel's slab
#   4. goodput under random loss at 10 ms RTT in virtual time: NewReno and CUBIC, ± SACK
#   5. instructions per delivered segment on the send and receive paths (callgrind)
#
# Prints progress, then one markdown table, also written to BUILD_DIR/bench.md. A benchmark, not a
# test: it asserts nothing and exits 0 whatever the figures; a program that fails leaves "failed"
# in its cell and its messages in BUILD_DIR/bench.log. The kernel side needs root (network
# namespaces, ethtool and sysctl inside them): every namespace is created here, named
# weir-bench-PID-*, and deleted on exit; nothing is configured in the root namespace. Without root
# the kernel cells say so.
#
# Knobs (environment), with their defaults:
#   WEIR_BENCH_REPEAT=3            runs per cell of benchmarks 1 and 2; the table shows the median
#   WEIR_BENCH_BULK_BYTES=2G       bytes per bulk transfer (each also stops after 30 s)
#   WEIR_BENCH_BUFFER=4M           weir's send and receive buffers in benchmarks 1, 4 and 5
#   WEIR_BENCH_STRETCH_MTU=65000   the in-memory link's MTU in the stretch row
#   WEIR_BENCH_CHURN_SECONDS=3     per churn measurement
#   WEIR_BENCH_CONNS="10000 50000 100000 1000000"   connection counts of benchmark 3
#   WEIR_BENCH_CONNS_SECONDS=90    wall-time limit of one weir connection-count run: a run that
#                                  hits it reports the count it reached, and larger counts are
#                                  skipped (they cannot finish sooner)
#   WEIR_BENCH_KERNEL_CONNS_MAX=100000   the kernel's count is min(N, this): a million kernel
#                                  sockets would hold about 10 GB of slab
#   WEIR_BENCH_LOSS_BYTES=20M WEIR_BENCH_LOSS_SEEDS=3   per loss cell: seeds × bytes
#   WEIR_BENCH_CG_BYTES=64M        bytes of the callgrind run
#   WEIR_BENCH_RING_SLOTS=256      the two-thread rows' ring, frames per direction
#   WEIR_BENCH_ONLY="1 2 3 4 5"    which benchmarks to run (the table has only their rows)
set -uo pipefail

build=$(cd "${1:?usage: bench/run.sh BUILD_DIR}" && pwd)
bin=$build/bench
md=$build/bench.md
log=$build/bench.log

repeat=${WEIR_BENCH_REPEAT:-3}
bulk_bytes=${WEIR_BENCH_BULK_BYTES:-2G}
buffer=${WEIR_BENCH_BUFFER:-4M}
stretch_mtu=${WEIR_BENCH_STRETCH_MTU:-65000}
churn_seconds=${WEIR_BENCH_CHURN_SECONDS:-3}
conns_list=${WEIR_BENCH_CONNS:-10000 50000 100000 1000000}
conns_seconds=${WEIR_BENCH_CONNS_SECONDS:-90}
kconns_max=${WEIR_BENCH_KERNEL_CONNS_MAX:-100000}
loss_bytes=${WEIR_BENCH_LOSS_BYTES:-20M}
loss_seeds=${WEIR_BENCH_LOSS_SEEDS:-3}
cg_bytes=${WEIR_BENCH_CG_BYTES:-64M}
ring_slots=${WEIR_BENCH_RING_SLOTS:-256}
only=${WEIR_BENCH_ONLY:-1 2 3 4 5}

for p in weir_bulk weir_churn weir_conns kernel_bulk kernel_churn kernel_conns; do
    [[ -x $bin/$p ]] || { echo "bench/run.sh: $bin/$p not built (make first)" >&2; exit 1; }
done

tag=$$
tmp=$(mktemp -d)
# Whatever is left of this run's namespaces goes on exit; the programs inside are bounded by
# `timeout` and lose their devices with the namespace.
cleanup() {
    local n
    for n in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^weir-bench-$tag-"); do
        ip netns del "$n" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
: >"$log"

kernel_ok=true
kernel_why=""
if [[ $(id -u) -ne 0 ]]; then
    kernel_ok=false
    kernel_why="not run (needs root)"
elif ! ip netns add "weir-bench-$tag-probe" 2>>"$log"; then
    kernel_ok=false
    kernel_why="not run (no network namespaces)"
else
    ip netns del "weir-bench-$tag-probe"
fi

# ---- helpers ---------------------------------------------------------------------------------

say() { printf '%s\n' "$*" >&2; }

# result CMD...: run it (output also to the log), print its `result` line or nothing.
result() {
    echo "+ $*" >>"$log"
    # shellcheck disable=SC2094 # both only append to the log; nothing reads it here
    "$@" 2>>"$log" | tee -a "$log" | grep '^result ' | tail -n 1
    return 0
}

# field LINE KEY: the value of KEY=value in a result line (every key follows a space).
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

# ok LINE: the program finished what it was asked.
ok() { [[ $(field "$1" ok) == 1 ]]; }

# median V...: of the numeric values, nothing when there are none.
median() {
    printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g | awk '{ v[NR] = $1 } END {
        if (NR > 0) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# fmt FORMAT VALUE: printf for one number, "failed" when there is none.
fmt() {
    if [[ -n $2 ]]; then awk -v v="$2" "BEGIN { printf \"$1\", v }"; else echo failed; fi
}

# ratio A B: A / B with two decimals, "—" unless both are numbers.
ratio() {
    if [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]]; then
        awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "—" }'
    else
        echo "—"
    fi
}

# row BENCHMARK WEIR KERNEL RATIO NOTES: a table row; the notes may span lines in this script.
rows=()
row() {
    local notes
    notes=$(tr '\n' ' ' <<<"$5" | tr -s ' ')
    rows+=("| $1 | $2 | $3 | $4 | ${notes% } |")
}

new_ns() { ip netns add "$1" && ip -n "$1" link set lo up; }
del_ns() { ip netns del "$1" 2>/dev/null || true; }

# ---- 1. bulk throughput ----------------------------------------------------------------------

nsa=weir-bench-$tag-a
nsb=weir-bench-$tag-b

setup_veth() {
    new_ns "$nsa" && new_ns "$nsb" &&
        ip -n "$nsa" link add wbv0 type veth peer name wbv1 netns "$nsb" &&
        ip -n "$nsa" addr add 10.203.0.1/24 dev wbv0 &&
        ip -n "$nsb" addr add 10.203.0.2/24 dev wbv1 &&
        ip -n "$nsa" link set wbv0 up mtu 1500 && ip -n "$nsb" link set wbv1 up mtu 1500
}

# set_offloads MODE, both ends: "off" is the like-for-like setting (TSO/GSO/GRO off, checksum
# offload left on, as the benchmark asks), "nocsum" also has the kernel compute and verify
# checksums in software, as weir does, "on" is everything on.
set_offloads() {
    local seg=off csum=on dev
    case $1 in
    on) seg=on ;;
    nocsum) csum=off ;;
    esac
    for dev in "$nsa wbv0" "$nsb wbv1"; do
        # shellcheck disable=SC2086 # "namespace device", split on purpose
        ip netns exec ${dev% *} ethtool -K ${dev#* } tso $seg gso $seg gro $seg tx $csum rx $csum \
            >>"$log" 2>&1 || return 1
    done
}

kernel_bulk_once() { # → Gbit/s or nothing, with the offloads as they are set
    ip netns exec "$nsb" timeout 60 "$bin/kernel_bulk" recv 5201 30 >"$tmp/recv.out" 2>>"$log" &
    local rpid=$! line
    for _ in $(seq 100); do
        grep -q ready "$tmp/recv.out" 2>/dev/null && break
        sleep 0.05
    done
    ip netns exec "$nsa" timeout 60 "$bin/kernel_bulk" send 10.203.0.2 5201 "$bulk_bytes" \
        2>>"$log"
    wait "$rpid"
    line=$(grep '^result ' "$tmp/recv.out")
    echo "$line" >>"$log"
    ok "$line" && field "$line" gbps
}

weir_bulk_once() { # MTU [more weir_bulk options] → "Gbit/s srtt_us" or nothing
    local line mtu=$1
    shift
    line=$(result "$bin/weir_bulk" --bytes "$bulk_bytes" --buffer "$buffer" --mtu "$mtu" \
        --max-seconds 30 "$@")
    ok "$line" && echo "$(field "$line" gbps) $(field "$line" srtt_us)"
}

# kernel_bulk_mode MODE: set the offloads, run once, print Gbit/s or nothing.
kernel_bulk_mode() {
    if ! set_offloads "$1"; then
        echo "ethtool -K failed" >>"$log"
        return
    fi
    kernel_bulk_once
}

bench_bulk() {
    say "== 1. bulk throughput, one connection, $bulk_bytes per transfer, $repeat runs each"
    local veth=false w1=() rtt=() woff=() ws=() t1=() trtt=() toff=() ts=() tb=() koff=() \
        knocsum=() kon=() v i
    if $kernel_ok; then
        if setup_veth 2>>"$log"; then veth=true; else say "   veth setup failed (see $log)"; fi
    fi
    for i in $(seq "$repeat"); do
        # Interleaved, so that whatever else the machine does is spread over all of them.
        v=$(weir_bulk_once 1500)
        w1+=("${v% *}")
        rtt+=("${v#* }")
        say "   run $i: weir MTU 1500: ${v:-failed} (Gbit/s, the sender's SRTT in µs)"
        v=$(weir_bulk_once 1500 --csum-offload)
        woff+=("${v% *}")
        say "   run $i: weir MTU 1500, checksum offload: ${v:-failed} (Gbit/s, SRTT µs)"
        v=$(weir_bulk_once "$stretch_mtu")
        ws+=("${v% *}")
        say "   run $i: weir MTU $stretch_mtu: ${v:-failed} (Gbit/s, SRTT µs)"
        v=$(weir_bulk_once 1500 --threads 2 --ring-slots "$ring_slots")
        t1+=("${v% *}")
        trtt+=("${v#* }")
        say "   run $i: weir 2 threads, MTU 1500: ${v:-failed} (Gbit/s, SRTT µs)"
        v=$(weir_bulk_once 1500 --threads 2 --ring-slots "$ring_slots" --csum-offload)
        toff+=("${v% *}")
        say "   run $i: weir 2 threads, MTU 1500, checksum offload: ${v:-failed} (Gbit/s, SRTT µs)"
        v=$(weir_bulk_once "$stretch_mtu" --threads 2 --ring-slots "$ring_slots")
        ts+=("${v% *}")
        say "   run $i: weir 2 threads, MTU $stretch_mtu: ${v:-failed} (Gbit/s, SRTT µs)"
        v=$(weir_bulk_once 1500 --threads 2 --ring-slots "$ring_slots" --burst)
        tb+=("${v% *}")
        say "   run $i: weir 2 threads, MTU 1500, input bursts: ${v:-failed} (Gbit/s, SRTT µs)"
        $veth || continue
        v=$(kernel_bulk_mode off)
        koff+=("$v")
        say "   run $i: kernel, TSO/GSO/GRO off: ${v:-failed} Gbit/s"
        v=$(kernel_bulk_mode nocsum)
        knocsum+=("$v")
        say "   run $i: kernel, checksum offload off too: ${v:-failed} Gbit/s"
        v=$(kernel_bulk_mode on)
        kon+=("$v")
        say "   run $i: kernel, offloads on: ${v:-failed} Gbit/s"
    done
    $veth && { del_ns "$nsa"; del_ns "$nsb"; }
    bulk_rows
}

# bulk_rows: the table rows of benchmark 1, from bench_bulk's arrays.
bulk_rows() {
    local mw1 mwoff mws mt1 mtoff mts mtb mkoff mknocsum mkon koff_cell knocsum_cell kon_cell
    mw1=$(median "${w1[@]}")
    mwoff=$(median "${woff[@]}")
    mws=$(median "${ws[@]}")
    mt1=$(median "${t1[@]}")
    mtoff=$(median "${toff[@]}")
    mts=$(median "${ts[@]}")
    mtb=$(median "${tb[@]}")
    mkoff=$(median "${koff[@]}")
    mknocsum=$(median "${knocsum[@]}")
    mkon=$(median "${kon[@]}")
    koff_cell=$(fmt '%.2f Gbit/s' "$mkoff")
    knocsum_cell=$(fmt '%.2f Gbit/s' "$mknocsum")
    kon_cell=$(fmt '%.2f Gbit/s' "$mkon")
    $kernel_ok || { koff_cell=$kernel_why; knocsum_cell=$kernel_why; kon_cell=$kernel_why; }
    row "1. bulk, 1 connection, MTU 1500, a stack per thread (median of $repeat × $bulk_bytes)" \
        "$(fmt '%.2f Gbit/s' "$mt1")" "$koff_cell" "$(ratio "$mt1" "$mkoff")" \
        "kernel: veth between 2 namespaces, TSO/GSO/GRO off, sender and receiver processes;
        weir_bulk --threads 2: each stack on its own thread (the 2 cores, as the kernel's
        processes), a $ring_slots-slot ringlink between them, real clock, $buffer buffers,
        the sender's SRTT $(median "${trtt[@]}") µs"
    row "1. bulk, a stack per thread, checksum offload as veth has it" \
        "$(fmt '%.2f Gbit/s' "$mtoff")" "$koff_cell" "$(ratio "$mtoff" "$mkoff")" \
        "weir_bulk --threads 2 --csum-offload: both interfaces declare IPv4/TCP checksum
        offload (the ring copies frames intact), as the kernel's veth does with tx/rx on"
    row "1. bulk, one thread runs both stacks, MTU 1500" \
        "$(fmt '%.2f Gbit/s' "$mw1")" "$koff_cell" "$(ratio "$mw1" "$mkoff")" \
        "one core does both ends' work, over the in-memory link; the sender's SRTT
        $(median "${rtt[@]}") µs"
    row "1. bulk, one thread, checksum offload as veth has it" "$(fmt '%.2f Gbit/s' "$mwoff")" \
        "$koff_cell" "$(ratio "$mwoff" "$mkoff")" \
        "weir_bulk --csum-offload over the in-memory link, one core for both stacks"
    row "1. bulk, kernel also without checksum offload" "—" "$knocsum_cell" \
        "$(ratio "$mt1" "$mknocsum")" \
        "veth tx/rx checksum offload off too: the kernel sums every byte in software, as weir
        does; the ratio is weir with a stack per thread against it"
    row "1. bulk, kernel with offloads on" "—" "$kon_cell" "$(ratio "$mt1" "$mkon")" \
        "TSO/GSO/GRO on (64 KB super-packets); the ratio is weir at MTU 1500, a stack per
        thread, against it"
    row "1. bulk, MTU 1500, a stack per thread, input bursts, vs kernel offloads on" \
        "$(fmt '%.2f Gbit/s' "$mtb")" "$kon_cell" "$(ratio "$mtb" "$mkon")" \
        "weir_bulk --threads 2 --burst: each batch taken from the ring is one input burst
        (weir_netif_input_begin/end, RFC 9293 MUST-59), so the receiver ACKs it once, as GRO
        lets the kernel ACK a super-packet once; against the kernel with GRO on for that
        reason (against offloads off: $(ratio "$mtb" "$mkoff"))"
    row "1. bulk stretch: weir MTU $stretch_mtu, a stack per thread, vs kernel offloads on" \
        "$(fmt '%.2f Gbit/s' "$mts")" "$kon_cell" "$(ratio "$mts" "$mkon")" \
        "weir's ring at MTU $stretch_mtu (MSS $((stretch_mtu - 52)) with timestamps); one
        thread for both stacks: $(fmt '%.2f Gbit/s' "$mws")"
}

# ---- 2. churn --------------------------------------------------------------------------------

kernel_churn_once() { # CONC PROCS → cycles/s or nothing
    local ns=weir-bench-$tag-churn line
    # A fresh namespace per run: TIME-WAIT sockets of an earlier run would slow this one.
    new_ns "$ns" 2>>"$log" || return
    ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_tw_reuse=1 \
        net.ipv4.ip_local_port_range="1024 65535" >>"$log" 2>&1
    line=$(result ip netns exec "$ns" timeout 60 "$bin/kernel_churn" --conc "$1" --procs "$2" \
        --seconds "$churn_seconds")
    del_ns "$ns"
    ok "$line" && field "$line" rate
}

bench_churn() {
    say "== 2. connection churn, $churn_seconds s per measurement, $repeat runs each"
    local c i v line
    for c in 1 16 64; do
        local w=() wp=() k2=() k1=() tw=() mw mwp mk2 mk1 kcell
        for i in $(seq "$repeat"); do
            # Like for like: the kernel's lo has NETIF_F_HW_CSUM and NETIF_F_RXCSUM, so it neither
            # fills nor checks TCP checksums; weir's interfaces declare the same offload.
            line=$(result timeout 60 "$bin/weir_churn" --conc "$c" --seconds "$churn_seconds" \
                --csum-offload)
            v=$(ok "$line" && field "$line" rate)
            w+=("$v")
            tw+=("$(field "$line" client_records_high)")
            say "   $c concurrent, run $i: weir ${v:-failed}/s"
            line=$(result timeout 60 "$bin/weir_churn" --conc "$c" --seconds "$churn_seconds")
            v=$(ok "$line" && field "$line" rate)
            wp+=("$v")
            say "   $c concurrent, run $i: weir computing checksums ${v:-failed}/s"
            $kernel_ok || continue
            v=$(kernel_churn_once "$c" 2)
            k2+=("$v")
            say "   $c concurrent, run $i: kernel (2 processes) ${v:-failed}/s"
            v=$(kernel_churn_once "$c" 1)
            k1+=("$v")
            say "   $c concurrent, run $i: kernel (1 process) ${v:-failed}/s"
        done
        mw=$(median "${w[@]}")
        mwp=$(median "${wp[@]}")
        mk2=$(median "${k2[@]}")
        mk1=$(median "${k1[@]}")
        kcell=$(fmt '%.0f /s' "$mk2")
        $kernel_ok || kcell=$kernel_why
        row "2. churn, $c concurrent (cycles/s)" "$(fmt '%.0f /s' "$mw")" "$kcell" \
            "$(ratio "$mw" "$mk2")" \
            "weir with checksum offload, as the kernel's lo (without: $(fmt '%.0f /s' "$mwp"));
            kernel in 1 process: $(fmt '%.0f /s' "$mk1"); both spread the client over 4 server
            ports; weir's client held up to $(median "${tw[@]}") connection records (TIME-WAIT
            1 s)"
    done
}

# ---- 3. concurrent connections -----------------------------------------------------------------

kernel_conns_once() { # N → result line
    local ns=weir-bench-$tag-conns line
    new_ns "$ns" 2>>"$log" || return
    ip netns exec "$ns" sysctl -q -w net.ipv4.ip_local_port_range="1024 65535" >>"$log" 2>&1
    line=$(result ip netns exec "$ns" timeout 300 "$bin/kernel_conns" --n "$1" --max-seconds 120)
    del_ns "$ns"
    echo "$line"
}

# kernel_conns_cell N: the kernel's cell for N connections (measured at min(N, the maximum),
# once per count); sets kb to the figure.
kernel_conns_cell() {
    local kn=$(($1 < kconns_max ? $1 : kconns_max)) kline
    kb=""
    if ! $kernel_ok; then
        echo "$kernel_why"
    elif [[ $kn == "$kconns_done" ]]; then
        echo "(measured at N=$kn above)"
    else
        kconns_done=$kn
        say "   kernel, N=$kn ..."
        kline=$(kernel_conns_once "$kn")
        kb=$(ok "$kline" && field "$kline" bytes_per_socket)
        say "   kernel, N=$kn: $(fmt '%.0f B' "$kb") slab per socket"
        echo "$(fmt '%.0f B' "$kb") slab (N=$kn)"
    fi
}

# conns_row N: one weir run and one kernel run for N connections.
conns_row() {
    local n=$1 line wb wcell wnote kcell rss
    say "   weir, N=$n ..."
    line=$(result timeout $((conns_seconds + 120)) "$bin/weir_conns" --n "$n" \
        --max-seconds "$conns_seconds")
    wb=$(field "$line" bytes_per_socket)
    rss=$(awk -v k="$(field "$line" rss_after_kb)" 'BEGIN { printf "%.0f MB", k / 1024 }')
    wcell="$(fmt '%.0f B' "$wb") (RSS $rss)"
    wnote="weir: $(field "$line" reached) established in $(field "$line" seconds) s, its own"
    wnote+=" accounting $(field "$line" stack_bytes_per_socket) B/socket"
    if [[ -z $line ]]; then
        wcell=failed
        wnote="weir_conns failed (see $log)"
        gave_up=$n
    elif ! ok "$line"; then
        gave_up=$n
        wnote="weir GAVE UP after $conns_seconds s with $(field "$line" reached) of $n"
        wnote+=" established (the figure is at that count)"
    fi
    say "   weir, N=$n: $wcell; $wnote"
    kernel_conns_cell "$n" >"$tmp/kcell"
    kcell=$(<"$tmp/kcell")
    row "3. $n idle connections (bytes per socket, lower is better)" "$wcell" "$kcell" \
        "$(ratio "$wb" "$kb")" "$wnote; kernel: /proc/meminfo Slab growth / 2N, loopback"
}

bench_conns() {
    say "== 3. idle established connections: $conns_list (weir: $conns_seconds s limit each)"
    local n avail need check kcell
    gave_up=""
    kconns_done=""
    for n in $conns_list; do
        avail=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
        need=$((n * 6)) # kB: weir takes about 1.6 kB per connection today; room for 3×
        check=$(result "$bin/weir_conns" --n "$n" --check)
        if [[ $(field "$check" why) == max_sockets_refused ]]; then
            kernel_conns_cell "$n" >"$tmp/kcell"
            kcell=$(<"$tmp/kcell")
            row "3. $n idle connections" "not possible" "$kcell" "—" \
                "weir_stack_create refuses max_sockets=$((n + 64)): a socket handle's slot is
                16 bits, so one stack holds at most 65535 sockets"
        elif [[ -n $gave_up ]]; then
            row "3. $n idle connections" "skipped" "—" "—" \
                "N=$gave_up did not finish within $conns_seconds s: a larger N cannot"
        elif ((avail < need)); then
            row "3. $n idle connections" "skipped" "—" "—" \
                "needs about $((need / 1024)) MB, $((avail / 1024)) MB available"
        else
            conns_row "$n"
        fi
    done
}

# ---- 4. loss ---------------------------------------------------------------------------------

# loss_cell LOSS ARGS...: goodput over all seeds (total bytes / total virtual time), Mbit/s.
loss_cell() {
    local loss=$1 s line bytes=0 secs=0 fails=0
    shift
    for s in $(seq "$loss_seeds"); do
        line=$(result timeout 120 "$bin/weir_bulk" --clock virtual --delay-us 5000 \
            --loss "$loss" --bytes "$loss_bytes" --buffer "$buffer" --seed "$s" \
            --max-seconds 60 "$@")
        if ok "$line"; then
            bytes=$(awk -v a="$bytes" -v b="$(field "$line" bytes)" 'BEGIN { print a + b }')
            secs=$(awk -v a="$secs" -v b="$(field "$line" seconds)" 'BEGIN { print a + b }')
        else
            fails=$((fails + 1))
        fi
    done
    if ((fails > 0)); then
        echo failed
    else
        awk -v b="$bytes" -v t="$secs" 'BEGIN { printf "%.1f", b * 8 / t / 1e6 }'
    fi
}

bench_loss() {
    say "== 4. loss, 10 ms RTT, virtual time, $loss_seeds seeds × $loss_bytes per cell"
    local netem="this kernel has no sch_netem" ns=weir-bench-$tag-netem p l nr cu nrn cun
    if $kernel_ok && new_ns "$ns" 2>>"$log"; then
        ip netns exec "$ns" tc qdisc add dev lo root netem loss 1% >>"$log" 2>&1 &&
            netem="netem exists here, but a kernel run is not implemented"
        del_ns "$ns"
    fi
    for p in 0.1 1 2 5; do
        l=$(awk -v p="$p" 'BEGIN { print p / 100 }')
        nr=$(loss_cell "$l" --cc newreno)
        cu=$(loss_cell "$l" --cc cubic)
        nrn=$(loss_cell "$l" --cc newreno --no-sack)
        cun=$(loss_cell "$l" --cc cubic --no-sack)
        say "   loss $p%: NewReno $nr, CUBIC $cu; without SACK: NewReno $nrn, CUBIC $cun Mbit/s"
        row "4. loss $p%, 10 ms RTT (Mbit/s): NewReno / CUBIC / no SACK: NewReno / CUBIC" \
            "$nr / $cu / $nrn / $cun" "not run" "—" \
            "goodput in virtual time; random loss both ways, 5 ms each way, $buffer buffers;
            kernel: $netem"
    done
}

# ---- 5. CPU cost -----------------------------------------------------------------------------

# cg_incl FILE FUNCTION: FUNCTION's inclusive instruction count in a callgrind profile.
cg_incl() {
    callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null | awk -v fn="$2" '
        $0 ~ ("^ *[0-9,]+ +\\( *[0-9.]+%\\) +[^ ]*:" fn " ") { gsub(",", "", $1); print $1; exit }'
}

bench_cpu() {
    say "== 5. instructions per delivered segment (callgrind, $cg_bytes in virtual time)"
    local perf="perf has no hardware counters here" out=$tmp/callgrind.out line segs f send recv
    if command -v perf >/dev/null &&
        ! perf stat -x, -e instructions:u true 2>&1 | grep -q 'not supported'; then
        perf="perf counts instructions here, but a kernel figure is not implemented"
    fi
    if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
        row "5. instructions per segment" "not run (no valgrind)" "not run" "—" "$perf"
        return
    fi
    line=$(result timeout 300 valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$bin/weir_bulk" --clock virtual --delay-us 20 --bytes "$cg_bytes" --buffer "$buffer" \
        --max-seconds 250)
    if ! ok "$line" || [[ ! -s $out ]]; then
        row "5. instructions per segment" "failed" "not run" "—" "see $log"
        return
    fi
    segs=$(field "$line" data_segs)
    declare -A c
    for f in bench_flow_send bench_flow_recv pair_input_client pair_input_server pair_poll_client \
        pair_poll_server pair_tx_client pair_tx_server; do
        c[$f]=$(cg_incl "$out" "$f")
        c[$f]=${c[$f]:-0}
    done
    # A side's stack work: its application calls (send or recv, and the output they trigger),
    # its frames in and its timers, less what its frames cost the in-memory link.
    send=$(((c[bench_flow_send] + c[pair_input_client] + c[pair_poll_client] - c[pair_tx_client]) /
        segs))
    recv=$(((c[bench_flow_recv] + c[pair_input_server] + c[pair_poll_server] - c[pair_tx_server]) /
        segs))
    say "   send path $send, receive path $recv instructions per segment ($segs segments)"
    row "5. instructions per delivered segment: send / receive path" "$send / $recv" "not run" \
        "—" "callgrind, MTU 1500, $segs segments, 20 µs each way, virtual time; per side: its
        input, timers and application calls, less the link's copy; kernel: $perf"
}

# ---- the run ---------------------------------------------------------------------------------

t0=$(date +%s)
for n in $only; do
    case $n in
    1) bench_bulk ;;
    2) bench_churn ;;
    3) bench_conns ;;
    4) bench_loss ;;
    5) bench_cpu ;;
    *) echo "bench/run.sh: WEIR_BENCH_ONLY: no benchmark $n" >&2 ;;
    esac
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/^MemTotal:/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)
{
    echo "weir benchmarks, $(date -u +%Y-%m-%d): $cpu, $(nproc) cores, $mem, Linux $(uname -r);"
    echo "\`make bench\`, $(($(date +%s) - t0)) s."
    echo
    echo "| benchmark | weir | kernel | weir ÷ kernel | notes |"
    echo "|---|--:|--:|--:|---|"
    printf '%s\n' "${rows[@]}"
} >"$md"
echo
cat "$md"
echo
echo "bench/run.sh: table written to $md (program output in $log)"
