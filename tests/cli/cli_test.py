#!/usr/bin/env python3
"""cli_test.py — behaviour tests of the `weir` command line, one ctest entry per test.

usage: cli_test.py WEIR_BINARY TEST_NAME

Each test runs the real binary and checks its exit status and output. Exit 0 = pass, 1 = fail,
77 = skipped (ctest SKIP_RETURN_CODE). Failures print what was expected and what came out.
"""
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile

WEIR = ""
SKIP = 77

BROWSER_STATES = ["SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSED"]
SERVER_STATES = ["LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED"]


class Failure(Exception):
    pass


def run(*args, env=None, timeout=60):
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    if env:
        e.update(env)
    p = subprocess.run([WEIR, *args], capture_output=True, timeout=timeout, env=e)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def expect(cond, what, out=""):
    if not cond:
        tail = "\n".join(out.splitlines()[-40:]) if out else ""
        raise Failure(what + ("\n--- output (last 40 lines) ---\n" + tail if tail else ""))


def expect_status(args, code, rc, out, err):
    expect(rc == code, f"weir {' '.join(args)}: exit {rc}, expected {code}\nstderr: {err}", out)


def state_changes(out, side):
    """New states of `side`, in the order the narration shows them."""
    return re.findall(r"◆ " + side + r" \S+ → (\S+)", out)


def is_subsequence(wanted, seq):
    it = iter(seq)
    return all(any(x == w for x in it) for w in wanted)


def summary_number(out, label, which):
    m = re.search(label + r"\s+(\d+) by the browser, (\d+) by the server", out)
    if not m:
        raise Failure(f"no '{label}' line in the summary", )
    return int(m.group(1 if which == "browser" else 2))


# ---- the tool ------------------------------------------------------------------------------------

def test_no_args_prints_usage_and_exits_2():
    rc, out, err = run()
    expect_status([], 2, rc, out, err)
    expect("usage: weir" in err and "demo" in err, "usage listing subcommands on stderr", err)


def test_help_lists_subcommands():
    for args in (["help"], ["--help"], ["-h"]):
        rc, out, err = run(*args)
        expect_status(args, 0, rc, out, err)
        expect("usage: weir" in out and re.search(r"^\s+demo\s", out, re.M),
               f"weir {' '.join(args)} lists the demo subcommand", out)
    rc, out, err = run("help", "demo")
    expect_status(["help", "demo"], 0, rc, out, err)
    expect("usage: weir demo" in out, "weir help demo prints the demo usage", out)


def test_unknown_subcommand_exits_2():
    for args in (["frobnicate"], ["help", "frobnicate"]):
        rc, out, err = run(*args)
        expect_status(args, 2, rc, out, err)
        expect("unknown command" in err and "usage: weir" in err,
               "a one-line reason and the usage on stderr", err)


# ---- demo arguments ------------------------------------------------------------------------------

BAD_DEMO_ARGS = [
    ["--bogus"], ["-x"], ["extra"], ["--quiet", "extra"],
    ["--loss"], ["--loss", "1.5"], ["--loss", "-0.1"], ["--loss", "abc"], ["--loss", "nan"],
    ["--loss", ""], ["--loss=0.2x"], ["--loss", "inf"],
    ["--seed"], ["--seed", "-1"], ["--seed", "1.5"], ["--seed", "abc"], ["--seed", ""],
    ["--seed", "99999999999999999999999"], ["--seed", "--quiet"],
    ["--lang"], ["--lang", "fr"], ["--lang", "EN"],
    ["--pcap"], ["--dup", "2"], ["--corrupt", "x"],
]


def test_demo_bad_arguments_exit_2_with_usage():
    for args in BAD_DEMO_ARGS:
        rc, out, err = run("demo", *args)
        expect_status(["demo", *args], 2, rc, out, err)
        expect(err.startswith("weir demo: ") and "usage: weir demo" in err,
               f"weir demo {' '.join(args)}: a reason and the usage on stderr", err)
        expect(out == "", f"weir demo {' '.join(args)}: nothing on stdout", out)


def test_demo_help_exits_0():
    for flag in ("-h", "--help"):
        rc, out, err = run("demo", flag)
        expect_status(["demo", flag], 0, rc, out, err)
        for opt in ("--loss", "--seed", "--pcap", "--lang", "--quiet"):
            expect(opt in out, f"demo usage mentions {opt}", out)


# ---- the story -------------------------------------------------------------------------------------

def test_demo_shows_handshake_and_close_states_in_order():
    rc, out, err = run("demo")
    expect_status(["demo"], 0, rc, out, err)
    b, s = state_changes(out, "browser"), state_changes(out, "server")
    expect(b == BROWSER_STATES, f"browser states {b}, expected {BROWSER_STATES}", out)
    expect(s == SERVER_STATES, f"server states {s}, expected {SERVER_STATES}", out)
    whole = ["SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT"]
    expect(is_subsequence(whole, re.findall(r"[A-Z]+(?:-[A-Z0-9]+)+|CLOSED|ESTABLISHED", out)),
           "the active close's states appear in order", out)


def test_demo_explains_the_numbers():
    rc, out, err = run("demo")
    expect_status(["demo"], 0, rc, out, err)
    for phrase in ("Handshake 1/3", "Handshake 2/3", "Handshake 3/3", "seq = x+1",
                   "ack = seq+len", "consumes one sequence number", "Close 1/4", "Close 2/4",
                   "Close 3/4", "Close 4/4", "CLOSE-WAIT", "2·MSL", "MSL = 30 s",
                   "abs ", "options: MSS"):
        expect(phrase in out, f"the narration mentions {phrase!r}", out)
    expect(re.search(r"browser ─+ SYN ─+▶ server", out), "a browser → server arrow for the SYN",
           out)
    expect(re.search(r"browser ◀─+ SYN,ACK ─+ server", out), "a server → browser SYN,ACK arrow",
           out)
    # The server's ACK of the FIN travels before, and apart from, the server's FIN.
    ack_of_fin = out.find("Close 2/4")
    fin = out.find("Close 3/4")
    expect(0 <= ack_of_fin < fin, "the ACK of the FIN comes before the server's own FIN", out)
    expect("{" not in out and "}" not in out, "every template variable was filled in", out)


def test_demo_page_arrives_intact():
    rc, out, err = run("demo")
    expect_status(["demo"], 0, rc, out, err)
    last = out.strip().splitlines()[-1]
    expect(last.startswith("OK: the page arrived intact"), "the last line is the verdict", out)
    m = re.search(r"(\d+) bytes, byte for byte", last)
    expect(m and 4000 <= int(m.group(1)) <= 6500, "a page of 4–6 KB", out)
    expect(err == "", "nothing on stderr", err)


def test_demo_quiet_prints_only_the_verdict():
    rc, out, err = run("demo", "--quiet")
    expect_status(["demo", "--quiet"], 0, rc, out, err)
    lines = out.splitlines()
    expect(len(lines) == 1 and lines[0].startswith("OK: "), "exactly one line: the verdict", out)


def test_demo_lang_zh_is_chinese():
    rc, out, err = run("demo", "--lang", "zh")
    expect_status(["demo", "--lang", "zh"], 0, rc, out, err)
    cjk = len(re.findall(r"[\u4e00-\u9fff]", out))
    expect(cjk > 500, f"mostly Chinese narration ({cjk} CJK characters)", out)
    for phrase in ("握手 1/3", "挥手 4/4", "浏览器", "服务器", "成功"):
        expect(phrase in out, f"the Chinese narration mentions {phrase!r}", out)
    for english in ("Handshake", "the browser", "Close 1/4", "Summary"):
        expect(english not in out, f"no English narration left ({english!r})", out)
    b, s = state_changes(out, "浏览器"), state_changes(out, "服务器")
    expect(b == BROWSER_STATES and s == SERVER_STATES, "same states, named as in RFC 9293", out)


def test_demo_loss_shows_retransmissions():
    shown = 0
    for seed in range(1, 9):
        args = ["demo", "--loss", "0.2", "--seed", str(seed)]
        rc, out, err = run(*args)
        expect_status(args, 0, rc, out, err)
        arrows = len(re.findall(r"· retransmission ", out))
        told = summary_number(out, "retransmissions", "browser") + \
            summary_number(out, "retransmissions", "server")
        expect(arrows == told, f"seed {seed}: {arrows} retransmitted arrows, summary says {told}",
               out)
        explained = out.count("↻ ")  # each retransmission says why: timer, probe, dup ACKs
        expect(explained == arrows,
               f"seed {seed}: {explained} of {arrows} retransmissions are explained", out)
        if arrows:
            shown += 1
        if "lost on the link" in out:
            expect("✕" in out, f"seed {seed}: lost segments are drawn", out)
    expect(shown >= 6, f"most lossy runs show a retransmission (only {shown} of 8 did)")


def test_demo_lossy_seeds_all_deliver_the_page_intact():
    out_of_order = 0
    for seed in range(1, 41):
        args = ["demo", "--quiet", "--loss", "0.2", "--seed", str(seed)]
        rc, out, err = run(*args)
        expect(rc == 0, f"weir {' '.join(args)}: exit {rc}: {err.strip()}")
        rc, out, err = run("demo", "--loss", "0.2", "--seed", str(seed))
        out_of_order += "Out of order" in out
    expect(out_of_order > 0, "some lossy run delivers a segment out of order")


def test_demo_time_wait_restarts_when_the_last_ack_is_lost():
    for seed in range(1, 200):
        rc, out, err = run("demo", "--loss", "0.2", "--seed", str(seed))
        if "The FIN arrives again" in out:
            expect(rc == 0, f"seed {seed}: exit {rc}: {err}", out)
            expect("restarts TIME-WAIT" in out, f"seed {seed}: the re-ACK is explained", out)
            return
    raise Failure("no seed in 1..199 lost the last ACK")


def test_demo_corruption_and_duplicates_are_narrated():
    args = ["demo", "--corrupt", "0.2", "--dup", "0.2", "--seed", "3"]
    rc, out, err = run(*args)
    expect_status(args, 0, rc, out, err)
    expect("a bit flips on the link" in out and "checksum wrong" in out,
           "a corrupted frame is shown, and its drop by the receiver", out)
    expect("the link duplicates it" in out, "a duplicated frame is shown", out)


def test_demo_total_loss_fails_with_one_line():
    args = ["demo", "--quiet", "--loss", "1"]
    rc, out, err = run(*args)
    expect_status(args, 1, rc, out, err)
    lines = err.strip().splitlines()
    expect(len(lines) == 1 and lines[0].startswith("weir demo: FAIL: "),
           "one-line reason on stderr", err)
    expect(out == "", "nothing on stdout", out)


def test_demo_is_deterministic():
    args = ["demo", "--loss", "0.2", "--seed", "5"]
    first, second = run(*args), run(*args)
    expect(first == second, "same seed, same output")
    expect(run("demo", "--loss", "0.2", "--seed", "6")[1] != first[1], "another seed differs")


def run_on_pty(*args, env=None):
    """Run weir with stdout on a pseudo-terminal; return what it wrote there."""
    master, slave = pty.openpty()
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    if env:
        e.update(env)
    p = subprocess.Popen([WEIR, *args], stdout=slave, stderr=subprocess.DEVNULL, env=e)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    p.wait(timeout=60)
    os.close(master)
    return p.returncode, b"".join(chunks).decode("utf-8", "replace")


def test_demo_colour_only_on_a_terminal():
    rc, out, err = run("demo")
    expect("\x1b[" not in out, "no colour when stdout is a pipe", out)
    rc, out = run_on_pty("demo")
    expect(rc == 0 and "\x1b[" in out, "colour on a terminal", out)
    rc, out = run_on_pty("demo", env={"NO_COLOR": "1"})
    expect(rc == 0 and "\x1b[" not in out, "no colour with NO_COLOR set", out)
    rc, out = run_on_pty("demo", "--quiet")
    expect(rc == 0 and "\x1b[" not in out, "no colour with --quiet", out)


def test_demo_pcap_is_clean_for_tshark():
    tshark = shutil.which("tshark")
    if tshark is None:
        print("SKIP: tshark not installed")
        return SKIP
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "demo.pcap")
        rc, out, err = run("demo", "--pcap", path)
        expect_status(["demo", "--pcap", path], 0, rc, out, err)
        expect(re.search(r"demo\.pcap: \d+ frames", out), "the summary names the capture", out)
        checks = ["-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"]
        p = subprocess.run([tshark, "-r", path, *checks, "-z", "expert", "-q"],
                           capture_output=True, text=True, timeout=120)
        expect(p.returncode == 0, f"tshark -r failed: {p.stderr}")
        expert = p.stdout
        expect(not re.search(r"^(Errors|Warns|Warnings) \(", expert, re.M),
               "no errors or warnings in tshark's expert info", expert)
        expect("Malformed" not in expert, "no malformed packets", expert)
        p = subprocess.run([tshark, "-r", path, *checks, "-T", "fields",
                            "-e", "ip.checksum.status", "-e", "tcp.checksum.status"],
                           capture_output=True, text=True, timeout=120)
        rows = [r.split("\t") for r in p.stdout.splitlines() if r.strip()]
        expect(len(rows) >= 10, f"a dozen or so frames in the capture ({len(rows)})", p.stdout)
        expect(all(r == ["1", "1"] for r in rows), "every IP and TCP checksum is good", p.stdout)
    return 0


def main():
    global WEIR
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    WEIR = sys.argv[1]
    test = globals().get("test_" + sys.argv[2])
    if test is None:
        print(f"no test named {sys.argv[2]}", file=sys.stderr)
        return 2
    try:
        result = test()
    except Failure as f:
        print(f"FAIL {sys.argv[2]}: {f}")
        return 1
    except subprocess.TimeoutExpired as t:
        print(f"FAIL {sys.argv[2]}: timed out: {t}")
        return 1
    if result == SKIP:
        return SKIP
    print(f"PASS {sys.argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
