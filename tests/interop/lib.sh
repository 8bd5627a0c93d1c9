# lib.sh — shared by the interop tests: the real `weir` binary against the Linux kernel over TUN,
# inside a network namespace the test creates and always deletes.
#
# A test is `bash TEST.sh WEIR_BINARY` (ctest passes $<TARGET_FILE:weir_cli>; $WEIR works too, and
# $WEIR_INTEROP_BINARY overrides both):
#
#     . "$(dirname "$0")/lib.sh"
#     interop_init nc_to_kernel "$@"     # namespace weir-test-$$-nc_to_kernel, lo up, traps set
#     need socat                         # SKIP (exit 77) when a tool is missing
#     bg kernel 30 socat ...             # in the namespace, in the background, under `timeout`
#     ns "$WEIR" nc ...                  # in the namespace, in the foreground
#     pass "50 MB each way"
#
# The rules every test keeps:
#   - Everything runs inside the namespace (`ip netns exec`): addresses, routes, devices and packets
#     never touch the root namespace. weir's device (weir0, 198.18.0.0/24) lives and dies there.
#   - Every wait and every command is bounded in count and time (`timeout`, wait_for), and the whole
#     test is bounded by a watchdog that fires before ctest's own timeout, so that the EXIT trap
#     still runs: it kills what runs in the namespace (only our processes can be in it), deletes
#     the namespace and the temporary directory — on success, failure or signal alike.
#   - A machine that cannot run the test (not root, no `ip netns`, no /dev/net/tun, a missing
#     tool) gets "SKIP: <reason>" and exit 77, which ctest reports as skipped.

set -u

INTEROP_NAME=""
NS=""
TMP=""
BG_PIDS=()
WATCHDOG_PID=""
BULK_SUMMARY="" # set by bulk_exchange, read by the tests that call it
: "${INTEROP_TIME_LIMIT:=150}" # seconds for the whole test; ctest's TIMEOUT is larger

skip() {
    echo "SKIP: $*"
    exit 77
}

# Messages go to fd 9, the test's own stderr saved by interop_init: a trap can run while a
# function's redirections are in force (`ns cmd 2>file` redirects the shell itself for the
# duration of the function), and its message must not end up in that file.
fail() {
    echo "FAIL: $INTEROP_NAME: $*" >&9
    show_logs >&9
    exit 1
}

pass() {
    echo "PASS: $INTEROP_NAME${1:+: $1}"
    exit 0
}

# The stderr of every background command, to explain a failure.
show_logs() {
    [ -n "$TMP" ] && [ -d "$TMP" ] || return 0
    local f
    for f in "$TMP"/*.err; do
        [ -s "$f" ] || continue
        echo "--- $(basename "$f" .err) stderr (last 20 lines):"
        tail -n 20 "$f"
    done
}

need() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed (apt-get install $(package_of "$tool"))"
    done
}

package_of() {
    case "$1" in
    socat) echo socat ;;
    ping) echo iputils-ping ;;
    tshark) echo tshark ;;
    *) echo "$1" ;;
    esac
}

# Run a command inside the namespace (without fd 9: nothing started may hold ctest's pipe).
ns() {
    ip netns exec "$NS" "$@" 9>&-
}

# bg NAME SECONDS CMD... — run CMD in the namespace in the background, for at most SECONDS, with
# stdout/stderr in $TMP/NAME.out and .err. bg_wait NAME gives its exit status.
declare -A BG_PID_OF=()
bg() {
    local name=$1 secs=$2
    shift 2
    ip netns exec "$NS" timeout -k 2 "$secs" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" 9>&- &
    BG_PID_OF[$name]=$!
    BG_PIDS+=($!)
}

# bg_input NAME SECONDS INPUT CMD... — the same with stdin from the file INPUT.
bg_input() {
    local name=$1 secs=$2 input=$3
    shift 3
    ip netns exec "$NS" timeout -k 2 "$secs" "$@" <"$input" >"$TMP/$name.out" 2>"$TMP/$name.err" 9>&- &
    BG_PID_OF[$name]=$!
    BG_PIDS+=($!)
}

bg_wait() {
    local rc=0
    wait "${BG_PID_OF[$1]}" || rc=$?
    return $rc
}

# wait_for DESCRIPTION SECONDS CMD... — poll CMD every 50 ms until it succeeds; fail after SECONDS.
wait_for() {
    local what=$1 secs=$2
    shift 2
    local tries=$((secs * 20)) i
    for ((i = 0; i < tries; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    fail "timed out after ${secs}s waiting for $what"
}

# Is a kernel socket listening on TCP port $1 in the namespace?
kernel_listening() {
    ns ss -Hltn "sport = :$1" | grep -q .
}

# Does weir's device exist in the namespace with the kernel side's address $2?
device_has_address() {
    ns ip -4 -o addr show dev "$1" 2>/dev/null | grep -q " $2/"
}

sha() {
    sha256sum "$1" | cut -d' ' -f1
}

# Milliseconds since the epoch, for the durations the tests print.
now_ms() {
    date +%s%3N
}

# Namespaces of earlier runs whose test process died without its trap (SIGKILL): delete them.
# Only names of the form weir-test-PID-* whose PID is gone are touched.
remove_stale_namespaces() {
    local name pid
    for name in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^weir-test-[0-9]*-' || true); do
        pid=${name#weir-test-}
        pid=${pid%%-*}
        kill -0 "$pid" 2>/dev/null && continue
        ip netns pids "$name" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del "$name" 2>/dev/null || true
    done
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [ -n "$WATCHDOG_PID" ] && kill "$WATCHDOG_PID" 2>/dev/null
    if [ -n "$NS" ]; then
        # Everything in the namespace was started by this test: TERM first (weir removes its
        # device on the way out), then KILL whatever is left.
        ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
        local i
        for ((i = 0; i < 20; i++)); do
            [ -z "$(ip netns pids "$NS" 2>/dev/null)" ] && break
            sleep 0.05
        done
        ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del "$NS" 2>/dev/null || true
    fi
    local p
    for p in "${BG_PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    [ -n "$TMP" ] && rm -rf "$TMP"
    exit $rc
}

# interop_init NAME [WEIR_BINARY]
interop_init() {
    INTEROP_NAME=$1
    exec 9>&2
    # WEIR_INTEROP_BINARY, when set, wins over the argument: to run ctest's tests against
    # another build of weir (an ASan one, say).
    WEIR=${WEIR_INTEROP_BINARY:-${2:-${WEIR:-}}}
    [ -n "$WEIR" ] || { echo "usage: $0 WEIR_BINARY" >&2; exit 2; }
    [ -x "$WEIR" ] || { echo "FAIL: $INTEROP_NAME: $WEIR is not an executable" >&2; exit 1; }
    [ "$(id -u)" -eq 0 ] || skip "needs root to create a network namespace and a TUN device"
    command -v ip >/dev/null 2>&1 || skip "ip (iproute2) is not installed"
    need timeout
    [ -c /dev/net/tun ] || skip "no /dev/net/tun: load the tun module or run where TUN is available"
    local help
    if ! help=$("$WEIR" nc --help 2>&1); then
        # Until tools/main.c lists nc, the tests cannot run; anything else is a failure.
        echo "$help" | grep -q "unknown command 'nc'" && skip "this weir has no nc command yet"
        echo "FAIL: $INTEROP_NAME: '$WEIR nc --help' failed: $help" >&2
        exit 1
    fi

    remove_stale_namespaces
    NS="weir-test-$$-$INTEROP_NAME"
    trap cleanup EXIT
    trap 'echo "FAIL: $INTEROP_NAME: interrupted" >&9; exit 130' INT
    trap 'echo "FAIL: $INTEROP_NAME: stopped (time limit of ${INTEROP_TIME_LIMIT}s, or SIGTERM)" >&9
          show_logs >&9; exit 143' TERM
    local err
    if ! err=$(ip netns add "$NS" 2>&1); then
        NS=""
        skip "cannot create a network namespace: $err"
    fi
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/weir-interop.XXXXXX")
    ns ip link set lo up || fail "cannot bring up lo in the namespace"
    if ! err=$(ns ip tuntap add dev weirprobe0 mode tun 2>&1); then
        skip "cannot create a TUN device in a namespace: $err"
    fi
    ns ip link del weirprobe0 2>/dev/null || true

    # The watchdog ends the test (through the traps) before ctest would kill it outright.
    # Its own sleep is killed with it, so nothing outlives the test holding ctest's pipes.
    (
        sleep "$INTEROP_TIME_LIMIT" &
        s=$!
        trap 'kill $s 2>/dev/null; exit 0' TERM
        wait $s && kill -TERM $$ 2>/dev/null
    ) >/dev/null 2>&1 9>&- &
    WATCHDOG_PID=$!
}

# bulk_exchange BYTES SECONDS [WEIR OPTIONS...] — BYTES of random data each way at once between
# `weir nc` (connecting) and a kernel socat (listening), compared by SHA-256; both must exit 0
# within SECONDS. Prints the time taken and the throughput each way.
bulk_exchange() {
    local bytes=$1 secs=$2
    shift 2
    need socat
    head -c "$bytes" /dev/urandom >"$TMP/to_kernel"
    head -c "$bytes" /dev/urandom >"$TMP/to_weir"
    # -t: after one direction ends, wait this long for the other (socat's default is 0.5 s).
    bg kernel "$secs" socat -t "$secs" TCP-LISTEN:5000,reuseaddr \
        "OPEN:$TMP/to_weir,rdonly!!CREATE:$TMP/kernel_got"
    wait_for "the kernel listener" 10 kernel_listening 5000
    local start rc=0
    start=$(now_ms)
    ns timeout -k 2 "$secs" "$WEIR" nc -v "$@" 198.18.0.1 5000 \
        <"$TMP/to_kernel" >"$TMP/weir_got" 2>"$TMP/weir.err" || rc=$?
    local ms=$(($(now_ms) - start))
    [ "$rc" -eq 0 ] || fail "weir nc $* exited $rc after ${ms} ms"
    bg_wait kernel || fail "socat exited $?"
    [ "$(sha "$TMP/kernel_got")" = "$(sha "$TMP/to_kernel")" ] ||
        fail "weir -> kernel: $(stat -c %s "$TMP/kernel_got") bytes arrived, not the $bytes sent"
    [ "$(sha "$TMP/weir_got")" = "$(sha "$TMP/to_weir")" ] ||
        fail "kernel -> weir: $(stat -c %s "$TMP/weir_got") bytes arrived, not the $bytes sent"
    [ "$ms" -gt 0 ] || ms=1
    # shellcheck disable=SC2034 # read by the test that called us
    BULK_SUMMARY="$((bytes / 1000000)) MB each way in ${ms} ms, $((bytes * 8 / ms / 1000)) Mbit/s each way"
    grep -h 'impairments in/out' "$TMP/weir.err" || true
}
