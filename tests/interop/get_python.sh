#!/usr/bin/env bash
# get_python — `weir get` downloads from the kernel's `python3 -m http.server` (HTTP/1.0, body
# delimited by Content-Length, the server closes): 1 MB to stdout and 50 MB to a file, both
# byte-exact (SHA-256); a 404 exits 1 with the status and leaves no file behind, not even the
# temporary one; the 50 MB once more with 2 % loss and 1 % reordering on weir's link. Both
# 50 MB captures go through check_capture.
. "$(dirname "$0")/lib.sh"
interop_init get_python "$@"
. "$(dirname "$0")/get_serve_lib.sh"
need python3

make_files "$TMP/files"
persistent_device
bg http 150 python3 -m http.server 8000 --bind "$HOST_IP" --directory "$TMP/files"
wait_for "python's http.server" 10 kernel_listening 8000
URL=http://$HOST_IP:8000

# 1 MB to stdout.
rc=0
ns timeout -k 2 30 "$WEIR" get -q "$URL/1m.bin" >"$TMP/stdout.bin" 2>"$TMP/stdout.err" || rc=$?
[ "$rc" -eq 0 ] || fail "weir get $URL/1m.bin (to stdout) exited $rc"
same_file "$TMP/stdout.bin" "$TMP/files/1m.bin" "1 MB to stdout"
[ ! -s "$TMP/stdout.err" ] || fail "weir get -q wrote to stderr: $(head -2 "$TMP/stdout.err")"

# 50 MB to a file, captured.
weir_fetch got50 60 "$URL/50m.bin" --pcap "$TMP/clean.pcap"
same_file "$TMP/got50" "$TMP/files/50m.bin" "50 MB"
clean_ms=$FETCH_MS
grep -h '200 OK: 50000000 bytes' "$TMP/got50.err" || fail "weir get -v did not report the transfer"
check_capture "$TMP/clean.pcap" 8000 0 "clean link"

# A missing file: exit 1, one line naming the status, no file and no temporary file.
rc=0
mkdir -p "$TMP/out"
ns timeout -k 2 30 "$WEIR" get -o "$TMP/out/missing.bin" "$URL/missing.bin" 2>"$TMP/404.err" ||
    rc=$?
[ "$rc" -eq 1 ] || fail "a 404 made weir get exit $rc, expected 1"
grep -qx 'weir get: 404 File not found' "$TMP/404.err" ||
    fail "a 404 was reported as: $(cat "$TMP/404.err")"
[ -z "$(ls -A "$TMP/out" 2>/dev/null)" ] || fail "a failed download left files: $(ls -A "$TMP/out")"

# 50 MB again through 2 % loss and 1 % reordering each way.
weir_fetch lossy 120 "$URL/50m.bin" --loss 2 --reorder 1 --seed 7 --pcap "$TMP/lossy.pcap"
same_file "$TMP/lossy" "$TMP/files/50m.bin" "lossy 50 MB"
lossy_ms=$FETCH_MS
grep -h 'impairments in/out' "$TMP/lossy.err" || true
check_capture "$TMP/lossy.pcap" 8000 1 "lossy link"

pass "python -> weir: 50 MB in $clean_ms ms ($(rate 50000000 "$clean_ms")); 404 ok; \
with loss: 50 MB in $lossy_ms ms ($(rate 50000000 "$lossy_ms"))"
