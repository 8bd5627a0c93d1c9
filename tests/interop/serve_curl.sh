#!/usr/bin/env bash
# serve_curl — `weir serve` answers the kernel's curl: 1 MB and 50 MB files byte-exact
# (SHA-256), 20 concurrent downloads of the 1 MB file all exact, a missing file is a 404, one log
# line per request, and SIGTERM stops it cleanly (exit 0, device removed). Then the same 50 MB
# once more with 2 % loss and 1 % reordering on weir's link, with --count 1 so that weir serve
# must deliver the last bytes and exit 0 by itself. Both captures go through check_capture.
#
# The lossy download is the slow part (tens of seconds, not the ~0.2 s of the clean one): weir
# is the sender there, and it still recovers most losses by retransmission timeout. A Linux
# receiver's duplicate ACKs carry SACK blocks and a window that grows as curl reads, and weir
# counts an ACK as a duplicate only when the window is unchanged (RFC 5681 §2 (e)); SACK-based
# recovery (RFC 6675) is issue 5. SERVE_LOSSY_BYTES=8000000 runs a shorter lossy download.
. "$(dirname "$0")/lib.sh"
interop_init serve_curl "$@"
. "$(dirname "$0")/get_serve_lib.sh"
need curl

make_files "$TMP/files"
LOSSY_BYTES=${SERVE_LOSSY_BYTES:-50000000}
head -c "$LOSSY_BYTES" "$TMP/files/50m.bin" >"$TMP/files/lossy.bin"

# curl_get NAME SECS PATH — download http://weir/PATH to $TMP/NAME; sets CURL_MS.
curl_get() {
    local name=$1 secs=$2 path=$3 rc=0 start
    start=$(now_ms)
    ns timeout -k 2 "$secs" curl -sS --fail -o "$TMP/$name" "http://$WEIR_IP/$path" \
        2>"$TMP/$name.err" || rc=$?
    CURL_MS=$(($(now_ms) - start))
    [ "$rc" -eq 0 ] || fail "curl $path exited $rc after $CURL_MS ms"
}

serving() {
    grep -q 'serving' "$TMP/serve.err"
}

# ---- a clean link ----------------------------------------------------------------------------
bg serve 120 "$WEIR" serve --dir "$TMP/files" --pcap "$TMP/serve.pcap"
wait_for "weir serve to start" 10 serving

curl_get got1 30 1m.bin
same_file "$TMP/got1" "$TMP/files/1m.bin" "1 MB"
curl_get got50 60 50m.bin
same_file "$TMP/got50" "$TMP/files/50m.bin" "50 MB"
clean_ms=$CURL_MS

for i in $(seq 1 20); do
    bg "c$i" 60 curl -sS --fail -o "$TMP/c$i.bin" "http://$WEIR_IP/1m.bin"
done
for i in $(seq 1 20); do
    bg_wait "c$i" || fail "concurrent curl $i exited $?"
    same_file "$TMP/c$i.bin" "$TMP/files/1m.bin" "concurrent download $i"
done

code=$(ns timeout 10 curl -s -o /dev/null -w '%{http_code}' "http://$WEIR_IP/missing.bin") || true
[ "$code" = "404" ] || fail "a missing file gave HTTP status '$code', not 404"

kill -TERM "${BG_PID_OF[serve]}" 2>/dev/null || true
rc=0
bg_wait serve || rc=$?
[ "$rc" -eq 0 ] || fail "weir serve exited $rc after SIGTERM, expected 0"
ns ip link show weir0 >/dev/null 2>&1 && fail "weir0 still exists after weir serve stopped"

log=$TMP/serve.out
[ "$(wc -l <"$log")" -eq 23 ] || fail "weir serve logged $(wc -l <"$log") lines, expected 23"
[ "$(grep -c '"GET /1m.bin HTTP/1.1" 200 1000000$' "$log")" -eq 21 ] ||
    fail "the log does not show 21 complete 1 MB responses: $(head -3 "$log")"
grep -q '"GET /50m.bin HTTP/1.1" 200 50000000$' "$log" || fail "the log misses the 50 MB response"
grep -q '"GET /missing.bin HTTP/1.1" 404 ' "$log" || fail "the log misses the 404"
check_capture "$TMP/serve.pcap" 80 0 "clean link"

# ---- 2 % loss and 1 % reordering each way -----------------------------------------------------
# bg redirects stderr in the background: without the rm, wait_for could still find the first
# run's "serving" line and start curl before this server is up (connection refused, 0 ms).
rm -f "$TMP/serve.pcap" "$TMP/serve.err"
bg serve 150 "$WEIR" serve --dir "$TMP/files" --count 1 --loss 2 --reorder 1 --seed 7 \
    --pcap "$TMP/lossy.pcap" -v
wait_for "weir serve to start" 10 serving
curl_get gotlossy 140 lossy.bin
same_file "$TMP/gotlossy" "$TMP/files/lossy.bin" "lossy download"
lossy_ms=$CURL_MS
rc=0
bg_wait serve || rc=$?
[ "$rc" -eq 0 ] || fail "weir serve --count 1 exited $rc, expected 0 after one request"
grep -h 'impairments in/out' "$TMP/serve.err" || true
check_capture "$TMP/lossy.pcap" 80 1 "lossy link"

clean="50 MB in $clean_ms ms ($(rate 50000000 "$clean_ms"))"
lossy="$((LOSSY_BYTES / 1000000)) MB in $lossy_ms ms ($(rate "$LOSSY_BYTES" "$lossy_ms"))"
pass "weir -> curl: $clean, 20 concurrent 1 MB exact, 404 ok; with loss: $lossy"
