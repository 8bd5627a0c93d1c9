#!/usr/bin/env bash
# get_dns — `weir get` resolves names with weir's own stub resolver (--dns): a small DNS server
# on the kernel side (below: python3's standard library only) answers A queries for
# files.weir.test and other.weir.test, and www.weir.test is a CNAME of files.weir.test.
#   - http://files.weir.test:8000/1m.bin and the same through the CNAME arrive byte-exact;
#   - a name the server does not know: exit 1, "cannot resolve 'NAME': no such name";
#   - a name without --dns: exit 2, the message names --dns;
#   - -L follows a 302 from other.weir.test:8001 to www.weir.test:8000, resolving the new host;
#     without -L that is exit 1, and a redirect loop stops at --max-redirs with exit 1.
. "$(dirname "$0")/lib.sh"
interop_init get_dns "$@"
. "$(dirname "$0")/get_serve_lib.sh"
need python3

make_files "$TMP/files"
persistent_device

cat >"$TMP/dns.py" <<'PY'
"""A tiny authoritative DNS server for the test (RFC 1035 §4): A records and one CNAME."""
import socket
import struct
import sys

HOST = sys.argv[1]
A = {"files.weir.test": HOST, "other.weir.test": HOST}
CNAME = {"www.weir.test": "files.weir.test"}


def encode(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"


def question(msg):
    """The name asked, its type and the end of the question section."""
    labels, off = [], 12
    while msg[off] != 0:
        n = msg[off]
        if n & 0xC0:
            raise ValueError("compressed question")
        labels.append(msg[off + 1:off + 1 + n].decode("ascii").lower())
        off += 1 + n
    qtype, _ = struct.unpack("!HH", msg[off + 1:off + 5])
    return ".".join(labels), qtype, off + 5


def answer(msg):
    qid, flags, qdcount = struct.unpack("!HHH", msg[:6])
    if flags & 0x8000 or qdcount != 1:
        return None
    name, qtype, end = question(msg)
    records, rcode, target = [], 0, name
    if name in CNAME:  # owner: a pointer to the question's name at offset 12
        target = CNAME[name]
        rdata = encode(target)
        records.append(struct.pack("!HHHIH", 0xC00C, 5, 1, 300, len(rdata)) + rdata)
    if target in A:
        if qtype == 1:
            owner = b"\xc0\x0c" if target == name else encode(target)
            records.append(owner + struct.pack("!HHIH", 1, 1, 60, 4) +
                           socket.inet_aton(A[target]))
    elif name not in CNAME:
        rcode = 3  # NXDOMAIN
    # QR, AA, RD as asked, RA
    head = struct.pack("!6H", qid, 0x8480 | (flags & 0x0100) | rcode, 1, len(records), 0, 0)
    print(f"query {name} type {qtype} -> rcode {rcode}, {len(records)} records", flush=True)
    return head + msg[12:end] + b"".join(records)


sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((HOST, 53))
while True:
    data, peer = sock.recvfrom(512)
    try:
        reply = answer(data)
    except (ValueError, IndexError, struct.error):
        reply = None
    if reply is not None:
        sock.sendto(reply, peer)
PY

cat >"$TMP/redirect.py" <<'PY'
"""Redirects for the test: /cross to another host (by name), /loop to itself."""
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Redirect(BaseHTTPRequestHandler):
    def do_GET(self):
        where = {"/cross": "http://www.weir.test:8000/1m.bin", "/loop": "/loop"}.get(self.path)
        self.send_response(302 if where else 404)
        if where:
            self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()


HTTPServer((sys.argv[1], 8001), Redirect).serve_forever()
PY

kernel_dns_listening() {
    ns ss -Hlun "sport = :53" | grep -q .
}

bg dns 150 python3 "$TMP/dns.py" "$HOST_IP"
bg http 150 python3 -m http.server 8000 --bind "$HOST_IP" --directory "$TMP/files"
bg redirect 150 python3 "$TMP/redirect.py" "$HOST_IP"
wait_for "the DNS server" 10 kernel_dns_listening
wait_for "python's http.server" 10 kernel_listening 8000
wait_for "the redirecting server" 10 kernel_listening 8001

weir_fetch byname 30 http://files.weir.test:8000/1m.bin --dns "$HOST_IP"
same_file "$TMP/byname" "$TMP/files/1m.bin" "files.weir.test"
grep -q "^weir get: files.weir.test is $HOST_IP$" "$TMP/byname.err" ||
    fail "weir get -v did not report the address: $(cat "$TMP/byname.err")"

weir_fetch bycname 30 http://www.weir.test:8000/1m.bin --dns "$HOST_IP"
same_file "$TMP/bycname" "$TMP/files/1m.bin" "www.weir.test (a CNAME)"
grep -q "^weir get: www.weir.test is $HOST_IP, alias of files.weir.test$" "$TMP/bycname.err" ||
    fail "weir get -v did not report the CNAME: $(cat "$TMP/bycname.err")"

# A name the server does not know.
rc=0
ns timeout -k 2 30 "$WEIR" get -o "$TMP/nope.bin" --dns "$HOST_IP" \
    http://nope.weir.test:8000/1m.bin 2>"$TMP/nope.err" || rc=$?
[ "$rc" -eq 1 ] || fail "an unknown name made weir get exit $rc, expected 1"
grep -q "^weir get: cannot resolve 'nope.weir.test': no such name" "$TMP/nope.err" ||
    fail "an unknown name was reported as: $(cat "$TMP/nope.err")"
[ ! -e "$TMP/nope.bin" ] || fail "a failed lookup left $TMP/nope.bin behind"

# A name and no --dns: a usage error that says what to do.
rc=0
ns timeout -k 2 30 "$WEIR" get http://files.weir.test:8000/1m.bin >/dev/null \
    2>"$TMP/nodns.err" || rc=$?
[ "$rc" -eq 2 ] || fail "a name without --dns made weir get exit $rc, expected 2"
grep -q -- '--dns' "$TMP/nodns.err" ||
    fail "the message does not name --dns: $(cat "$TMP/nodns.err")"

# A redirect to another host, resolved on the way.
weir_fetch cross 30 http://other.weir.test:8001/cross --dns "$HOST_IP" -L
same_file "$TMP/cross" "$TMP/files/1m.bin" "the cross-host redirect"
grep -q '^weir get: redirected to http://www.weir.test:8000/1m.bin$' "$TMP/cross.err" ||
    fail "weir get -L -v did not report the redirect: $(cat "$TMP/cross.err")"
grep -q '^weir get: resolving www.weir.test at ' "$TMP/cross.err" ||
    fail "weir get -L did not resolve the new host: $(cat "$TMP/cross.err")"
rc=0
ns timeout -k 2 30 "$WEIR" get -o "$TMP/noL.bin" --dns "$HOST_IP" \
    http://other.weir.test:8001/cross 2>"$TMP/noL.err" || rc=$?
[ "$rc" -eq 1 ] || fail "an unfollowed redirect made weir get exit $rc, expected 1"
grep -q -- '-L follows redirects' "$TMP/noL.err" || fail "no hint about -L: $(cat "$TMP/noL.err")"
rc=0
ns timeout -k 2 30 "$WEIR" get -L --max-redirs 3 -o "$TMP/loop.bin" --dns "$HOST_IP" \
    http://other.weir.test:8001/loop 2>"$TMP/loop.err" || rc=$?
[ "$rc" -eq 1 ] || fail "a redirect loop made weir get exit $rc, expected 1"
grep -q 'too many redirects (3' "$TMP/loop.err" ||
    fail "a loop was reported as: $(cat "$TMP/loop.err")"

grep -q 'query www.weir.test type 1' "$TMP/dns.out" || fail "the DNS server saw no query for www"
pass "names, a CNAME, NXDOMAIN, no --dns, and a cross-host redirect all as expected"
