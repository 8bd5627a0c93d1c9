#!/usr/bin/env python3
"""Regenerates the seed corpora in corpus/<target>/ from the packets in
tests/unit/test_wire_fixtures.h (real Linux captures) plus a few malformed variants of each.
Run from anywhere: python3 tests/fuzz/make_seeds.py. Seeds are small on purpose: the gcc
replayer's "no write past cap" check is quadratic in the input size."""
import os
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, '..', 'unit', 'test_wire_fixtures.h')


def load_fixtures():
    text = open(FIXTURES).read()
    out = {}
    for name, body in re.findall(r'static const uint8_t (fx_\w+)\[\] = \{(.*?)\};', text, re.S):
        out[name[3:]] = bytes(int(x, 16) for x in re.findall(r'0x[0-9a-f]{2}', body))
    return out


def csum(b, start=0):
    if len(b) % 2:
        b += b'\0'
    s = start + sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ipv4(src, dst, proto, payload, ident=1, df=True):
    h = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident,
                              0x4000 if df else 0, 64, proto, 0, bytes(src), bytes(dst)))
    h[10:12] = struct.pack('!H', csum(bytes(h)))
    return bytes(h) + payload


def tcp(src, dst, sport, dport, seq, ack, flags, opts=b'', payload=b'', win=65535):
    assert len(opts) % 4 == 0
    h = bytearray(struct.pack('!HHIIBBHHH', sport, dport, seq, ack, (20 + len(opts)) // 4 << 4,
                              flags, win, 0, 0) + opts)
    pseudo = sum(struct.unpack('!4H', bytes(src) + bytes(dst))) + 6 + len(h) + len(payload)
    h[16:18] = struct.pack('!H', csum(bytes(h) + payload, pseudo))
    return ipv4(src, dst, 6, bytes(h) + payload)


def write(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def with_byte(b, at, value):
    b = bytearray(b)
    b[at] = value
    return bytes(b)


def main():
    fx = load_fixtures()
    ip = lambda name: fx[name]
    l4 = lambda name: fx[name][20:]

    # TCP: segments without their IP header.
    for n in ('tcp_syn', 'tcp_synack', 'tcp_ack', 'tcp_data', 'tcp_sack'):
        write('fuzz_wire_tcp', n, l4(n))
    syn = l4('tcp_syn')
    write('fuzz_wire_tcp', 'bad_truncated', syn[:13])
    write('fuzz_wire_tcp', 'bad_doff4', with_byte(syn, 12, 0x40))
    write('fuzz_wire_tcp', 'bad_optlen0', syn[:21] + b'\x00' + syn[22:])
    write('fuzz_wire_tcp', 'bad_mss_len3', syn[:21] + b'\x03' + syn[22:])
    # TS + WS + 3 SACK blocks packed tightly: legal on the wire, too long for our layout.
    tight = b'\x08\x0a' + b'\x00' * 8 + b'\x03\x03\x07' + b'\x05\x1a' + bytes(range(24)) + b'\x00'
    assert len(tight) == 40
    write('fuzz_wire_tcp', 'tight_options', syn[:12] + bytes([(20 + len(tight)) // 4 << 4]) +
          syn[13:20] + tight)
    write('fuzz_wire_tcp', 'unknown_option', syn[:12] + b'\x60' + syn[13:20] + b'\x1e\x04\xab\xcd')

    # IPv4: whole packets.
    for n in ('tcp_syn', 'tcp_data', 'udp_dns', 'icmp_echo', 'icmp_unreach', 'ipv4_opts_frag'):
        write('fuzz_wire_ipv4', n, ip(n))
    write('fuzz_wire_ipv4', 'bad_version6', with_byte(ip('tcp_ack'), 0, 0x65))
    write('fuzz_wire_ipv4', 'bad_ihl4', with_byte(ip('tcp_ack'), 0, 0x44))
    write('fuzz_wire_ipv4', 'bad_total_len', with_byte(ip('tcp_ack'), 2, 0x05))
    write('fuzz_wire_ipv4', 'bad_checksum', with_byte(ip('tcp_ack'), 10, 0x00))

    # UDP: datagrams.
    dns = l4('udp_dns')
    write('fuzz_wire_udp', 'udp_dns', dns)
    write('fuzz_wire_udp', 'no_checksum', dns[:6] + b'\x00\x00' + dns[8:])
    write('fuzz_wire_udp', 'bad_length_short', dns[:4] + b'\x00\x07' + dns[6:])
    write('fuzz_wire_udp', 'bad_length_long', dns[:4] + b'\x01\x00' + dns[6:])
    write('fuzz_wire_udp', 'trailing_bytes', dns + b'\x00' * 5)

    # ICMP: messages.
    for n in ('icmp_echo', 'icmp_unreach', 'icmp_needfrag'):
        write('fuzz_wire_icmp', n, l4(n))
    pp = bytearray(b'\x0c\x00\x00\x00\x0c\x00\x00\x00' + ip('tcp_ack')[:28])
    pp[2:4] = struct.pack('!H', csum(bytes(pp)))
    write('fuzz_wire_icmp', 'param_problem', bytes(pp))
    write('fuzz_wire_icmp', 'bad_truncated', l4('icmp_echo')[:7])
    write('fuzz_wire_icmp', 'odd_length', l4('icmp_echo')[:13])

    # ARP: packets without the Ethernet header.
    write('fuzz_wire_arp', 'request', fx['eth_arp_request'][14:])
    write('fuzz_wire_arp', 'reply_padded', fx['eth_arp_reply'][14:])
    write('fuzz_wire_arp', 'bad_op3', with_byte(fx['eth_arp_request'][14:], 7, 3))
    write('fuzz_wire_arp', 'bad_htype', with_byte(fx['eth_arp_request'][14:], 1, 6))

    # Ethernet: frames.
    write('fuzz_wire_eth', 'arp_request', fx['eth_arp_request'])
    write('fuzz_wire_eth', 'arp_reply_padded', fx['eth_arp_reply'])
    write('fuzz_wire_eth', 'ipv4_syn', b'\x02\x00\x00\x00\x01\x02\x02\x00\x00\x00\x01\x01\x08\x00'
          + ip('tcp_syn'))
    write('fuzz_wire_eth', 'bad_8023_length', fx['eth_arp_reply'][:12] + b'\x00\x2e' +
          fx['eth_arp_reply'][14:])

    # The whole stack: frames behind a 2-byte prefix (see fuzz_stack.c for the flag bits).
    FIRE, FIX, TRACK, CLOSE = 0x1000, 0x2000, 0x4000, 0x8000
    us, peer = [10, 0, 0, 1], [10, 0, 0, 2]

    def frames(*items):
        out = b''
        for flags, f in items:
            out += struct.pack('!H', flags | len(f)) + f
        return out

    syn_opts = b'\x02\x04\x05\xb4\x04\x02\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x00\x01\x03\x03\x07'
    ts = b'\x01\x01\x08\x0a\x00\x00\x00\x02\x00\x00\x00\x00'
    A, PA, FA, S, SA, R = 0x10, 0x18, 0x11, 0x02, 0x12, 0x04
    write('fuzz_stack', 'passive_open_get_fin', frames(
        (FIX, tcp(peer, us, 40000, 80, 1000, 0, S, syn_opts)),
        (TRACK, tcp(peer, us, 40000, 80, 0, 0, A, ts)),
        (TRACK, tcp(peer, us, 40000, 80, 0, 0, PA, ts, b'GET / HTTP/1.0\r\n\r\n')),
        (TRACK | FIRE, tcp(peer, us, 40000, 80, 0, 0, FA, ts)),
        (TRACK | FIRE, tcp(peer, us, 40000, 80, 0, 0, A, ts))))
    write('fuzz_stack', 'passive_open_close_first', frames(
        (FIX, tcp(peer, us, 40001, 80, 5000, 0, S, b'\x02\x04\x02\x18')),
        (TRACK | CLOSE, tcp(peer, us, 40001, 80, 0, 0, A)),
        (TRACK, tcp(peer, us, 40001, 80, 0, 0, A)),
        (TRACK | FIRE, tcp(peer, us, 40001, 80, 0, 0, FA))))
    write('fuzz_stack', 'active_open_data', frames(
        (TRACK, tcp(peer, us, 1234, 0, 0, 0, SA, syn_opts)),
        (TRACK, tcp(peer, us, 1234, 0, 0, 0, PA, ts, b'hello')),
        (TRACK, tcp(peer, us, 1234, 0, 0, 0, A, ts)),
        (TRACK | FIRE, tcp(peer, us, 1234, 0, 0, 0, FA, ts))))
    write('fuzz_stack', 'active_open_refused', frames(
        (TRACK, tcp(peer, us, 1234, 0, 0, 0, R | A))))
    write('fuzz_stack', 'timers_only', frames((FIRE, b''), (FIRE, b''), (FIRE, b'')))
    echo = bytearray(b'\x08\x00\x00\x00\x12\x34\x00\x01hello')
    echo[2:4] = struct.pack('!H', csum(bytes(echo)))
    udp = struct.pack('!HHHH', 5000, 9, 10, 0) + b'hi'
    write('fuzz_stack', 'icmp_udp_junk', frames(
        (0, ipv4(peer, us, 1, bytes(echo))),
        (FIX, ipv4(peer, us, 17, udp)),
        (FIX, ipv4(peer, us, 6, b'\x00' * 12)),
        (0, b'\x45\x00\x00'),
        (0, ip('ipv4_opts_frag')),
        (FIX, tcp(peer, us, 40002, 81, 1, 0, S))))


if __name__ == '__main__':
    main()
