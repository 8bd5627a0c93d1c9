#!/usr/bin/env bash
# get_nginx — `weir get` against nginx on the kernel side: 1 MB and 50 MB byte-exact
# (SHA-256), a 404 exits 1 with "404 Not Found", a 301 is followed with -L and refused (exit 1,
# naming -L) without it, and the 50 MB once more with 2 % loss and 1 % reordering on weir's
# link. nginx runs with a configuration of its own in the test's directory (daemon off; pid,
# logs and temporary files there; listening on the kernel side's address only): the system's
# configuration is never read. SKIP (77) when nginx is not installed.
. "$(dirname "$0")/lib.sh"
interop_init get_nginx "$@"
. "$(dirname "$0")/get_serve_lib.sh"
command -v nginx >/dev/null 2>&1 || skip "nginx is not installed (apt-get install nginx)"

make_files "$TMP/files"
persistent_device
N=$TMP/nginx
mkdir -p "$N"
# `user root`: the worker must read files in a 0700 directory that root owns.
cat >"$N/nginx.conf" <<CONF
user root;
daemon off;
worker_processes 1;
pid $N/nginx.pid;
error_log $N/error.log warn;
events { worker_connections 64; }
http {
    access_log $N/access.log;
    client_body_temp_path $N/body;
    proxy_temp_path $N/proxy;
    fastcgi_temp_path $N/fastcgi;
    uwsgi_temp_path $N/uwsgi;
    scgi_temp_path $N/scgi;
    default_type application/octet-stream;
    sendfile on;
    server {
        listen $HOST_IP:8080;
        root $TMP/files;
        location = /old { return 301 /1m.bin; }
    }
}
CONF
# -e: nginx opens its error log before it reads the configuration; not the system's either.
bg nginx 150 nginx -e "$N/error.log" -p "$N/" -c "$N/nginx.conf"
wait_for "nginx" 10 kernel_listening 8080
URL=http://$HOST_IP:8080

weir_fetch got1 30 "$URL/1m.bin"
same_file "$TMP/got1" "$TMP/files/1m.bin" "1 MB"
weir_fetch got50 60 "$URL/50m.bin" --pcap "$TMP/clean.pcap"
same_file "$TMP/got50" "$TMP/files/50m.bin" "50 MB"
clean_ms=$FETCH_MS
check_capture "$TMP/clean.pcap" 8080 0 "clean link"

rc=0
ns timeout -k 2 30 "$WEIR" get -o "$TMP/missing.bin" "$URL/missing.bin" 2>"$TMP/404.err" || rc=$?
[ "$rc" -eq 1 ] || fail "a 404 made weir get exit $rc, expected 1"
grep -qx 'weir get: 404 Not Found' "$TMP/404.err" ||
    fail "a 404 was reported as: $(cat "$TMP/404.err")"
[ ! -e "$TMP/missing.bin" ] || fail "a 404 left $TMP/missing.bin behind"

rc=0
ns timeout -k 2 30 "$WEIR" get -q -o "$TMP/old.bin" "$URL/old" 2>"$TMP/301.err" || rc=$?
[ "$rc" -eq 1 ] || fail "an unfollowed 301 made weir get exit $rc, expected 1"
grep -q '^weir get: 301 Moved Permanently: redirected to .*/1m.bin (-L follows redirects)$' \
    "$TMP/301.err" || fail "an unfollowed 301 was reported as: $(cat "$TMP/301.err")"
weir_fetch redirected 30 "$URL/old" -L
same_file "$TMP/redirected" "$TMP/files/1m.bin" "the redirected download"
grep -q "^weir get: redirected to $URL/1m.bin$" "$TMP/redirected.err" ||
    fail "weir get -L -v did not say where it was redirected: $(cat "$TMP/redirected.err")"

weir_fetch lossy 120 "$URL/50m.bin" --loss 2 --reorder 1 --seed 7 --pcap "$TMP/lossy.pcap"
same_file "$TMP/lossy" "$TMP/files/50m.bin" "lossy 50 MB"
lossy_ms=$FETCH_MS
grep -h 'impairments in/out' "$TMP/lossy.err" || true
check_capture "$TMP/lossy.pcap" 8080 1 "lossy link"

pass "nginx -> weir: 50 MB in $clean_ms ms ($(rate 50000000 "$clean_ms")); 404, 301 ok; \
with loss: 50 MB in $lossy_ms ms ($(rate 50000000 "$lossy_ms"))"
