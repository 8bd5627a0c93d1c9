# get_serve_lib.sh — shared by the `weir get` and `weir serve` interop tests (get_*.sh,
# serve_*.sh), on top of lib.sh, which must be sourced and initialised (interop_init) first.
#
#     make_files DIR                 1m.bin and 50m.bin of random bytes in DIR
#     persistent_device              weir0 made by the test with the kernel side's address, so a
#                                    kernel server can bind 198.18.0.1 before weir runs
#     weir_fetch NAME SECS URL [OPTIONS...]
#                                    `weir get -v -o $TMP/NAME URL`, must exit 0 within SECS;
#                                    sets FETCH_MS
#     same_file A B WHAT             SHA-256 equality, or fail
#     rate BYTES MS                  "N.N MB/s"
#     check_capture PCAP PORT IMPAIRED LABEL
#                                    tshark's expert analysis of a capture weir wrote (below);
#                                    INTEROP_KEEP_CAPTURES=DIR keeps a failing one there
#
# Everything runs in the test's namespace; every command is bounded by `timeout`.

WEIR_IP=198.18.0.2
HOST_IP=198.18.0.1

make_files() {
    mkdir -p "$1"
    head -c 1000000 /dev/urandom >"$1/1m.bin"
    head -c 50000000 /dev/urandom >"$1/50m.bin"
}

# A TUN device that outlives each weir run: weir uses an existing device with an address "as it
# is", and the kernel's servers can bind the address before weir starts.
persistent_device() {
    ns ip tuntap add dev weir0 mode tun || fail "cannot create weir0"
    ns ip addr add "$HOST_IP/24" dev weir0 || fail "cannot give weir0 an address"
    ns ip link set weir0 up || fail "cannot bring weir0 up"
}

sha_equal() {
    [ "$(sha "$1")" = "$(sha "$2")" ]
}

same_file() {
    [ -f "$1" ] || fail "$3: nothing arrived"
    sha_equal "$1" "$2" ||
        fail "$3: $(stat -c %s "$1") bytes arrived that differ from the $(stat -c %s "$2") sent"
}

# rate BYTES MS — megabytes (10^6) per second.
rate() {
    awk -v b="$1" -v ms="$2" 'BEGIN { if (ms < 1) ms = 1; printf "%.1f MB/s", b / ms / 1000 }'
}

# weir_fetch NAME SECS URL [OPTIONS...] — the body to $TMP/NAME, stderr in $TMP/NAME.err.
weir_fetch() {
    local name=$1 secs=$2 url=$3
    shift 3
    local start rc=0
    start=$(now_ms)
    ns timeout -k 2 "$secs" "$WEIR" get -v -o "$TMP/$name" "$@" "$url" \
        >"$TMP/$name.out" 2>"$TMP/$name.err" || rc=$?
    FETCH_MS=$(($(now_ms) - start))
    [ "$rc" -eq 0 ] || fail "weir get $* $url exited $rc after $FETCH_MS ms"
}

# check_capture PCAP PORT IMPAIRED LABEL — fail on anything in the capture that says weir broke
# IP or TCP. tshark checks every IP and TCP checksum (off by default) and analyses sequence
# numbers; we read the expert items of every frame. The HTTP port is decoded as plain data:
# random bodies make the HTTP dissector (and heuristic ones, Thrift...) report "errors" in what
# is only payload, and reassembling a 50 MB body costs minutes and gigabytes. HTTP itself is
# checked by the clients: curl and weir get refuse malformed responses, and every body is
# compared by SHA-256.
#
#   always an error     anything of severity error (malformed packets...); a bad checksum on a
#                       frame FROM weir; RST (these transfers end with FINs, but see below); "ACKed
#                       segment that wasn't captured" (the capture holds every frame weir sent
#                       and weir acknowledges only what it received, so this is a wrong ACK);
#                       "previous segment not captured" or "out-of-order" on a segment FROM weir
#                       (outgoing frames are captured before the fault injector, so weir itself
#                       skipped or reordered sequence space); and any warning not listed below.
#   always accepted     "window full" and "zero window": flow control doing its job (a reader
#                       slower than the link). A TCP checksum of 0xffff instead of 0x0000 on a
#                       frame FROM the kernel: Linux sends it now and then; both are zero in
#                       one's complement (RFC 1624 §3), weir accepts it, and it is not weir's.
#   IMPAIRED=1 (--loss/--reorder on weir's link) also accepts
#                       "previous segment not captured" and "out-of-order" on segments FROM the
#                       kernel (incoming frames are captured after the fault injector, so a
#                       frame it dropped or held back is missing or late in the capture), and
#                       "D-SACK" (a receiver reporting a segment it got twice: the cost of
#                       recovering from injected losses — a timeout resends from the first
#                       unacknowledged byte, a tail loss probe resends the last segment, an ACK
#                       lost by the injector hides what already arrived).
#   IMPAIRED=0 (a clean link) checks every retransmission weir makes. It is a timer or the
#                       peer's doing, not an error, when it is a fast retransmission (the peer's
#                       duplicate ACKs or SACK blocks reported a hole: a frame the device queue
#                       dropped), when weir's ACKs had not advanced for >= 1.5 ms (weir's
#                       shortest timer, the tail loss probe, is armed at the latest when an ACK
#                       advances and waits 2 SRTT + 2 ms; 0.5 ms is left for the capture clock),
#                       or when it continues a go-back-N resend that such a timeout began (until
#                       weir sends new data again). Any other is premature: an error. The
#                       kernel's retransmissions are not judged: incoming frames carry the time
#                       weir read them, not the time the kernel sent them (they come from its
#                       RACK/TLP timers when weir is slow to ACK on a busy host). "D-SACK" is
#                       then accepted: it only reports one of these retransmissions, spurious
#                       because a host stalled, but legal TCP.
#   Resends     tshark calls a segment "out-of-order" when it fills a gap within 3 ms of the
#                       segment after it; a resend of sequence space the same side sent earlier
#                       in the capture (a quick fast retransmission) is a retransmission, judged
#                       as one, not an out-of-order segment. For weir that is anything below
#                       the highest sequence number it sent (it sends in order and its frames are
#                       captured before the injector); for the kernel, a segment start seen
#                       before (its frames may have been reordered on the way in).
#   RST FROM weir is accepted once weir's FIN was acknowledged: the connection is gone, and a
#                       late segment (a duplicate ACK) gets a reset, as RFC 9293 §3.10.7.1 says.
#
# Other notes (duplicate ACKs, window updates) never fail the check. The count of weir's
# retransmissions is printed.
check_capture() {
    local pcap=$1 port=$2 impaired=$3 label=$4
    if ! command -v tshark >/dev/null 2>&1; then
        echo "note: tshark is not installed (apt-get install tshark): $label not checked"
        return 0
    fi
    [ -s "$pcap" ] || fail "$label: no capture at $pcap"
    timeout 120 tshark -n -r "$pcap" -d "tcp.port==$port,data" \
        -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
        -o tcp.analyze_sequence_numbers:TRUE -o tcp.desegment_tcp_streams:FALSE \
        -T fields -E separator=/t -E aggregator='|' \
        -e frame.number -e frame.time_relative -e tcp.stream -e ip.src \
        -e _ws.expert.severity -e _ws.expert.message -e tcp.ack -e tcp.len \
        -e tcp.flags.str -e tcp.seq -e tcp.options.sack_le \
        >"$TMP/frames.txt" 2>"$TMP/tshark.err" ||
        fail "$label: tshark could not read $pcap: $(grep -v 'Running as user' "$TMP/tshark.err")"
    local verdict
    verdict=$(awk -F '\t' -v weir="$WEIR_IP" -v impaired="$impaired" '
        function classify(m, from_weir) {
            if (m ~ /window specified by the receiver is now completely full|Zero ?Window/)
                return "flow control"
            if (!from_weir && m ~ /Checksum 0xffff instead of 0x0000/)
                return "kernel checksum 0xffff"
            if (m ~ /^D-SACK/)
                return impaired ? "D-SACK (injected loss)" : "D-SACK (timer retransmission)"
            if (from_weir && m ~ /^Connection reset/ && ($3 in fin_acked))
                return "RST to a segment after the close"
            if (!impaired)
                return ""
            if (!from_weir && m ~ /^Previous segment.* not captured/)
                return "kernel segment lost by the injector"
            if (!from_weir && m ~ /out-of-order segment/)
                return "kernel segment held back by the injector"
            return ""
        }
        function bad(what) {
            if (nbad++ < 10)
                printf "BAD frame %s (%.6f s) from %s: %s\n", $1, $2, $4, what
        }
        # A retransmission on a clean link (see above). k: this stream and sender.
        function check_retransmission(k, peer, fast) {
            quiet = (k in advanced) ? $2 - advanced[k] : 1
            if (quiet >= 0.0015) {
                accepted["timer retransmission"]++
                resending[k] = 1
            } else if (fast || sacked[peer]) {
                accepted["fast retransmission"]++
            } else if (resending[k]) {
                accepted["go-back-N after a timeout"]++
            } else {
                bad(sprintf("retransmission %.3f ms after the ACK last advanced", quiet * 1000))
            }
        }
        {
            frames++
            from_weir = ($4 == weir)
            tcp = ($3 != "")
            k = $3 SUBSEP from_weir
            peer = $3 SUBSEP !from_weir
            # Sequence space this side sent before: tshark calls a quick resend of it (a fast
            # retransmission within its 3 ms) "out-of-order"; it is a retransmission. weir sends
            # in order (its frames are captured before the injector), so anything below its top
            # is a resend; segments of the kernel may have been reordered, so only a start seen
            # before counts.
            if (from_weir)
                resend = tcp && $8 + 0 > 0 && (k in top_seq) && $10 + $8 <= top_seq[k]
            else
                resend = tcp && $8 + 0 > 0 && ((k, $10) in seen)
            n = split($5, sev, "|")
            split($6, msg, "|")
            fast = 0
            re = 0
            for (i = 1; i <= n; i++) {
                if (msg[i] ~ /fast retransmission/)
                    fast = 1
                else if (msg[i] ~ /retransmission/ || (resend && msg[i] ~ /out-of-order/))
                    re = 1
                if (sev[i] + 0 < 6291456 || (resend && msg[i] ~ /out-of-order/))
                    continue # notes and chats, and the resends above
                why = classify(msg[i], from_weir)
                if (why != "")
                    accepted[why]++
                else
                    bad(msg[i])
            }
            if (!tcp)
                next # router solicitations of the kernel
            if ((fast || re) && from_weir)
                retrans++
            if ((fast || re) && !impaired && from_weir)
                check_retransmission(k, peer, fast)
            else if ((fast || re) && !impaired)
                accepted["kernel retransmission"]++
            else if ($8 + 0 > 0)
                delete resending[k] # new data: a resend is over
            if (!(k in top_seq) || $10 + $8 > top_seq[k])
                top_seq[k] = $10 + $8
            if (!from_weir && $8 + 0 > 0)
                seen[k, $10] = 1
            sacked[k] = ($11 != "") # this side reports a hole (or a duplicate)
            if (from_weir && $9 ~ /F/ && !($3 in weir_fin))
                weir_fin[$3] = $10 + $8 + 1 # the sequence number after our FIN
            if (!from_weir && ($3 in weir_fin) && $7 + 0 >= weir_fin[$3])
                fin_acked[$3] = 1
            if (!(peer in top_ack) || $7 + 0 > top_ack[peer]) {
                top_ack[peer] = $7 + 0 # what this frame acknowledges of the peer
                advanced[peer] = $2
            }
        }
        END {
            s = ""
            for (w in accepted)
                s = s sprintf("%s%d %s", s == "" ? "" : ", ", accepted[w], w)
            printf "SUMMARY %d frames, %d errors; accepted: %s; weir retransmitted %d segments\n",
                frames, nbad, s == "" ? "nothing" : s, retrans + 0
        }' "$TMP/frames.txt")
    if echo "$verdict" | grep -q '^BAD'; then
        echo "$verdict" >&2
        if [ -n "${INTEROP_KEEP_CAPTURES:-}" ]; then
            cp "$pcap" "$INTEROP_KEEP_CAPTURES/" &&
                echo "capture kept in $INTEROP_KEEP_CAPTURES" >&2
        fi
        fail "$label: the capture shows protocol errors (above)"
    fi
    echo "capture $label: ${verdict#SUMMARY }"
}
