/* tcp_sack.c — loss recovery on SACK connections: the scoreboard (RFC 6675), RACK loss detection
 * (RFC 8985 §6), Proportional Rate Reduction (RFC 6937) and the D-SACK undo.
 *
 * Every ACK on a SACK connection comes through tcp_sack_on_ack(): SND.UNA has already moved
 * (tcp_input.c); here the SACK blocks mark records, RACK decides from transmission times which
 * records are lost, and fast recovery starts, continues under PRR or ends. tcp_output.c sends the
 * LOST records again before any new data (RFC 6675 §4 NextSeg rule 1), within the window PRR
 * set; an RTO marks every record not SACKed as LOST (RFC 6675 §5.1) instead of rewinding SND.NXT.
 *
 * Connections without SACK keep the NewReno duplicate-ACK machinery of tcp_input.c. */
#include <string.h>

#include "tcp/tcp_conn.h"

enum {
    SB_MAX_CAP = 1u << 22, /* records: far beyond any send buffer's segments */
    DUP_THRESH = 3,        /* RFC 6675 §2 DupThresh */
    REO_WND_PERSIST = 16,  /* RFC 8985 §6.2 step 4: recoveries before the multiplier resets */
};

/* Undo (RFC 8985 §9 with RFC 2883 D-SACK): the congestion state before the reduction, and the
 * retransmissions of the episode that no D-SACK has yet shown needless; when they reach 0 the
 * reduction was spurious. The D-SACK for the last one often arrives after the flight ended, so
 * this outlives the scoreboard: it goes with the undo, an RTO, or the next episode. */
struct tcp_undo {
    tcp_cc_state before;
    uint32_t retrans;
};

/* ---- the record array --------------------------------------------------------------------- */

bool tcp_sb_active(const tcp_conn *c) { return c->sack_on && !c->sb_disabled; }

bool tcp_sb_has_flight(const tcp_conn *c) { return tcp_sb_active(c) && c->sb && c->sb->count > 0; }

uint32_t tcp_sb_sacked(const tcp_conn *c) { return c->sb ? c->sb->sacked : 0; }

uint32_t tcp_sb_lost(const tcp_conn *c) { return c->sb ? c->sb->lost : 0; }

static tcp_seg_rec *rec_at(const tcp_scoreboard *sb, uint32_t i) { return &sb->rec[sb->head + i]; }

static uint32_t rec_start(const tcp_scoreboard *sb, uint32_t i)
{
    return i == 0 ? sb->base : rec_at(sb, i - 1)->end;
}

static uint32_t rec_len(const tcp_scoreboard *sb, uint32_t i)
{
    return rec_at(sb, i)->end - rec_start(sb, i);
}

static uint32_t now32(const weir_stack *s) { return (uint32_t)s->now_us; }

void tcp_sb_release(weir_stack *s, tcp_conn *c)
{
    tcp_scoreboard *sb = c->sb;
    if (!sb)
        return;
    if (sb->rec != sb->inline_rec)
        weir_free(s, sb->rec, (size_t)sb->cap * sizeof *sb->rec);
    weir_free(s, sb, sizeof *sb);
    c->sb = NULL;
}

/* The scoreboard of a flight that is starting: NULL when memory ran out. */
static tcp_scoreboard *sb_start(weir_stack *s, tcp_conn *c)
{
    if (c->sb)
        return c->sb;
    tcp_scoreboard *sb = weir_alloc(s, sizeof *sb);
    if (!sb)
        return NULL;
    sb->rec = sb->inline_rec;
    sb->cap = TCP_SB_INLINE;
    c->sb = sb;
    return sb;
}

/* Out of memory for the scoreboard: this connection recovers as a NewReno one from now on (its
 * recovery state carries over: `recover` was set on entry either way). */
static void give_up_scoreboard(weir_stack *s, tcp_conn *c)
{
    tcp_sb_release(s, c);
    c->sb_disabled = true;
    c->dupacks = 0;
    weir_count(s, WEIR_CTR_TCP_SCOREBOARD_NOMEM);
}

/* Room for one more record at the end; false when memory ran out. */
static bool reserve_one(weir_stack *s, tcp_scoreboard *sb)
{
    if (sb->head + sb->count < sb->cap)
        return true;
    if (sb->head > 0) { /* slide down: pops leave room at the front */
        memmove(sb->rec, sb->rec + sb->head, (size_t)sb->count * sizeof *sb->rec);
        sb->head = 0;
        return true;
    }
    uint32_t cap = 2 * sb->cap;
    if (cap > SB_MAX_CAP)
        return false;
    tcp_seg_rec *rec = weir_alloc_uninit(s, (size_t)cap * sizeof *rec);
    if (!rec)
        return false;
    if (sb->count)
        memcpy(rec, sb->rec, (size_t)sb->count * sizeof *rec);
    if (sb->rec != sb->inline_rec)
        weir_free(s, sb->rec, (size_t)sb->cap * sizeof *sb->rec);
    sb->rec = rec;
    sb->cap = cap;
    return true;
}

/* Split record i at `seq` (strictly inside it) into two with the same flags and time. */
static bool split_at(weir_stack *s, tcp_scoreboard *sb, uint32_t i, uint32_t seq)
{
    if (!reserve_one(s, sb))
        return false;
    tcp_seg_rec *r = rec_at(sb, i);
    memmove(r + 1, r, (size_t)(sb->count - i) * sizeof *r);
    sb->count++;
    r->end = seq;
    if (r->flags & TCP_SEG_SACKED)
        sb->sacked_segs++;
    return true;
}

/* The first record whose end lies beyond `seq` (binary search: ends increase). */
static uint32_t find_rec(const tcp_scoreboard *sb, uint32_t seq)
{
    uint32_t lo = 0, hi = sb->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (seq_gt(rec_at(sb, mid)->end, seq))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* RFC 6675 §4 SetPipe: every byte neither SACKed nor deemed lost, and once more each byte sent
 * again while it was not deemed lost (a byte resent after being deemed lost counts once). */
uint32_t tcp_sb_pipe(const tcp_conn *c)
{
    uint32_t flight = c->snd_max - c->snd_una;
    const tcp_scoreboard *sb = c->sb;
    if (sb == NULL)
        return flight;
    uint32_t out = sb->sacked + sb->lost;
    return (flight > out ? flight - out : 0) + sb->twice;
}

static bool counts_twice(uint8_t flags)
{
    return (flags & (TCP_SEG_TWICE | TCP_SEG_SACKED | TCP_SEG_LOST)) == TCP_SEG_TWICE;
}

static void count_flag_change(tcp_scoreboard *sb, uint32_t len, uint8_t old, uint8_t now)
{
    if ((old | now) & TCP_SEG_TWICE) { /* rare: only resends while not deemed lost */
        if (counts_twice(old) && !counts_twice(now))
            sb->twice -= len;
        else if (!counts_twice(old) && counts_twice(now))
            sb->twice += len;
    }
    if ((old & TCP_SEG_LOST) && !(now & TCP_SEG_LOST))
        sb->lost -= len;
    else if (!(old & TCP_SEG_LOST) && (now & TCP_SEG_LOST)) {
        sb->lost += len;
        sb->lost_marks++;
    }
    if ((old & TCP_SEG_SACKED) && !(now & TCP_SEG_SACKED)) {
        sb->sacked -= len;
        sb->sacked_segs--;
    } else if (!(old & TCP_SEG_SACKED) && (now & TCP_SEG_SACKED)) {
        sb->sacked += len;
        sb->sacked_segs++;
    }
}

static void set_flags(tcp_scoreboard *sb, uint32_t i, uint8_t flags)
{
    tcp_seg_rec *r = rec_at(sb, i);
    count_flag_change(sb, rec_len(sb, i), r->flags, flags);
    r->flags = flags;
}

/* ---- sending ------------------------------------------------------------------------------ */

static void note_new_segment(weir_stack *s, tcp_conn *c, uint32_t seq, uint32_t len)
{
    tcp_scoreboard *sb = sb_start(s, c);
    if (!sb) {
        give_up_scoreboard(s, c);
        return;
    }
    if (sb->count == 0) {
        sb->base = sb->end = seq;
        sb->fack = seq; /* nothing in flight: nothing above SND.UNA delivered yet */
    }
    if (seq != sb->end || !reserve_one(s, sb)) {
        give_up_scoreboard(s, c); /* seq != end would be an engine bug: stay safe */
        return;
    }
    *rec_at(sb, sb->count++) = (tcp_seg_rec){.end = seq + len, .xmit_us = now32(s)};
    sb->end = seq + len;
}

static void note_resent(weir_stack *s, tcp_conn *c, uint32_t seq, uint32_t len)
{
    tcp_scoreboard *sb = c->sb;
    for (uint32_t i = find_rec(sb, seq); i < sb->count && seq_lt(rec_start(sb, i), seq + len);
         i++) {
        tcp_seg_rec *r = rec_at(sb, i);
        if (r->flags & TCP_SEG_SACKED)
            continue;
        uint8_t kept = r->flags & ~(TCP_SEG_LOST | TCP_SEG_TWICE);
        uint8_t twice = r->flags & TCP_SEG_LOST ? 0 : TCP_SEG_TWICE; /* a second copy now */
        set_flags(sb, i, (uint8_t)(kept | TCP_SEG_RETRANS | twice));
        r->xmit_us = now32(s);
        if (c->in_recovery && c->undo)
            c->undo->retrans++;
    }
}

void tcp_sb_on_send(weir_stack *s, tcp_conn *c, uint32_t seq, uint32_t len)
{
    if (!tcp_sb_active(c) || len == 0)
        return;
    if (c->in_recovery && c->sb)
        c->sb->prr_out += len;
    if (!c->sb || c->sb->count == 0 || seq_geq(seq, c->sb->end))
        note_new_segment(s, c, seq, len);
    else
        note_resent(s, c, seq, len);
}

/* Record i (LOST) takes in the LOST records after it up to `max_len` bytes, the last of them
 * split at that length (resend_full_segments): a segment cut short by a partial ACK goes out
 * again full-sized, as FreeBSD resends from SND.UNA (RFC 1122 §4.2.2.15 allows repacketizing).
 * Both records being LOST and not SACKed, the counters do not change. */
static void join_lost(weir_stack *s, tcp_scoreboard *sb, uint32_t i, uint32_t max_len)
{
    while (rec_len(sb, i) < max_len && i + 1 < sb->count &&
           (rec_at(sb, i + 1)->flags & (TCP_SEG_LOST | TCP_SEG_SACKED)) == TCP_SEG_LOST) {
        uint32_t room = max_len - rec_len(sb, i);
        if (rec_len(sb, i + 1) > room && !split_at(s, sb, i + 1, rec_at(sb, i)->end + room))
            return; /* no memory to split: the short segment goes as it is */
        tcp_seg_rec *r = rec_at(sb, i);
        r->flags |= r[1].flags;
        r->end = r[1].end;
        memmove(r + 1, r + 2, (size_t)(sb->count - i - 2) * sizeof *r);
        sb->count--;
    }
}

/* The first LOST record, cut to at most `max_len` bytes (the segment that goes out next). */
bool tcp_sb_next_lost(weir_stack *s, tcp_conn *c, uint32_t max_len, uint32_t *seq, uint32_t *len)
{
    tcp_scoreboard *sb = c->sb;
    if (!tcp_sb_active(c) || tcp_sb_lost(c) == 0)
        return false;
    for (uint32_t i = 0; i < sb->count; i++) {
        if (!(rec_at(sb, i)->flags & TCP_SEG_LOST))
            continue;
        uint32_t start = rec_start(sb, i);
        if (s->cfg.tcp.resend_full_segments)
            join_lost(s, sb, i, max_len);
        if (rec_len(sb, i) > max_len && !split_at(s, sb, i, start + max_len)) {
            give_up_scoreboard(s, c);
            return false;
        }
        *seq = start;
        *len = rec_len(sb, i);
        return true;
    }
    return false;
}

/* RFC 6675 §5.1: after a timeout everything not SACKed is presumed lost and is sent again, in
 * order, as the congestion window reopens — SACKed data is not resent. */
void tcp_sb_mark_all_lost(tcp_conn *c)
{
    tcp_scoreboard *sb = c->sb;
    for (uint32_t i = 0; sb && i < sb->count; i++) {
        uint8_t f = rec_at(sb, i)->flags;
        if (!(f & TCP_SEG_SACKED))
            set_flags(sb, i, (uint8_t)(f | TCP_SEG_LOST));
    }
}

/* ---- cumulative ACK ----------------------------------------------------------------------- */

/* SND.UNA moved to `ack`: forget what it covers. */
static uint32_t drop_acked(tcp_scoreboard *sb, uint32_t ack)
{
    uint32_t removed = 0;
    while (sb->count > 0 && seq_leq(rec_at(sb, 0)->end, ack)) {
        set_flags(sb, 0, 0);
        sb->base = rec_at(sb, 0)->end;
        sb->head++;
        sb->count--;
        removed++;
    }
    if (sb->count > 0 && seq_gt(ack, sb->base)) {
        /* Part of a segment: its bytes below `ack` leave the counters. */
        tcp_seg_rec *r = rec_at(sb, 0);
        uint8_t f = r->flags;
        set_flags(sb, 0, 0);
        sb->base = ack;
        set_flags(sb, 0, f);
    }
    if (sb->count == 0) {
        sb->head = 0;
        sb->base = sb->end = ack;
    }
    return removed;
}

/* ---- RACK (RFC 8985 §6.2) ----------------------------------------------------------------- */

static bool time_before(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }

/* "RACK_sent_after": t1/seq1 was sent after t2/seq2. */
static bool sent_after(uint32_t t1, uint32_t seq1, uint32_t t2, uint32_t seq2)
{
    return time_before(t2, t1) || (t1 == t2 && seq_gt(seq1, seq2));
}

/* Step 2 and 3 for one newly delivered record. */
static void rack_delivered(const weir_stack *s, tcp_conn *c, const tcp_seg_rec *r,
                           const weir_tcp_options *opt)
{
    tcp_scoreboard *sb = c->sb;
    tcp_loss_hist *h = &c->hist;
    uint32_t rtt = now32(s) - r->xmit_us;
    if (seq_gt(r->end, sb->fack))
        sb->fack = r->end;
    else if (!(r->flags & TCP_SEG_RETRANS))
        h->reordering_seen = true; /* delivered below one delivered before, never resent */
    if (r->flags & TCP_SEG_RETRANS) {
        /* Which transmission was delivered is ambiguous: an RTT shorter than the path's, or a
         * timestamp echo older than the retransmission, says the original was. */
        if (h->min_rtt_us && rtt < h->min_rtt_us)
            return;
        if (opt->has_timestamps &&
            time_before((opt->ts_ecr - c->ts_offset) * 1000u, r->xmit_us - 999u))
            return;
    }
    sb->rack_rtt_us = rtt;
    if (!h->min_rtt_us || rtt < h->min_rtt_us)
        h->min_rtt_us = rtt ? rtt : 1;
    if (!sb->rack_valid || sent_after(r->xmit_us, r->end, sb->rack_xmit_us, sb->rack_end)) {
        sb->rack_xmit_us = r->xmit_us;
        sb->rack_end = r->end;
        sb->rack_valid = true;
    }
}

/* Step 4: the reordering window. */
static uint32_t rack_reo_wnd(const tcp_conn *c)
{
    const tcp_loss_hist *h = &c->hist;
    if (!h->reordering_seen &&
        (c->in_recovery || c->recover_after_rto || c->sb->sacked_segs >= DUP_THRESH))
        return 0;
    uint64_t wnd = (uint64_t)h->reo_wnd_mult * h->min_rtt_us / 4;
    if (c->srtt == 0) /* no RTT measured yet (no sample from the handshake): no cap */
        return wnd < UINT32_MAX ? (uint32_t)wnd : UINT32_MAX;
    return wnd < c->srtt ? (uint32_t)wnd : c->srtt;
}

static void rack_note_dsack(tcp_conn *c)
{
    tcp_loss_hist *h = &c->hist;
    if (h->dsack_round_open && seq_geq(c->snd_una, h->dsack_round))
        h->dsack_round_open = false;
    if (!h->dsack_round_open) {
        h->dsack_round = c->snd_max;
        h->dsack_round_open = true;
        if (h->reo_wnd_mult < 255)
            h->reo_wnd_mult++;
        h->reo_wnd_persist = REO_WND_PERSIST;
    }
}

/* Step 5: mark LOST every record sent before the most recently delivered one by more than the
 * reordering window; return how long until the next one would be (0 = none waiting). */
static uint32_t rack_detect_loss(weir_stack *s, tcp_conn *c)
{
    tcp_scoreboard *sb = c->sb;
    if (!sb || !sb->rack_valid)
        return 0;
    uint32_t reo_wnd = rack_reo_wnd(c);
    uint32_t wait = 0;
    for (uint32_t i = 0; i < sb->count; i++) {
        tcp_seg_rec *r = rec_at(sb, i);
        if (r->flags & (TCP_SEG_SACKED | TCP_SEG_LOST))
            continue;
        if (!sent_after(sb->rack_xmit_us, sb->rack_end, r->xmit_us, r->end)) {
            /* Records are in sequence order; first transmissions also in time order, so after
             * one sent later than RACK's, only retransmissions could qualify. */
            if (!(r->flags & TCP_SEG_RETRANS) && seq_geq(r->end, sb->rack_end))
                break;
            continue;
        }
        int64_t remaining = (int64_t)(int32_t)(r->xmit_us - now32(s)) + sb->rack_rtt_us + reo_wnd;
        if (remaining <= 0) {
            set_flags(sb, i, (uint8_t)(r->flags | TCP_SEG_LOST));
            weir_count(s, WEIR_CTR_TCP_RACK_LOST);
        } else if ((uint32_t)remaining > wait) {
            wait = (uint32_t)remaining;
        }
    }
    return wait;
}

/* Whether the record with `sacked_segs`/`sacked_bytes` SACKed above it, and `upto_fack`
 * records of any kind between it and the forward-most SACKed one (that one included), is lost.
 * RFC 6675 §4 IsLost: DupThresh SACKed segments, or more than (DupThresh - 1) * SMSS SACKed
 * bytes, lie above it. FACK (Mathis and Mahdavi, SIGCOMM 1996; Linux's tcp_fack before 4.15):
 * DupThresh segments of sequence space lie between it and the forward-most SACK, whether
 * SACKed or not, so one SACK far ahead marks every hole it leaves behind. */
static bool sack_count_says_lost(const weir_stack *s, const tcp_conn *c, uint32_t sacked_segs,
                                 uint32_t sacked_bytes, uint32_t upto_fack)
{
    if (s->cfg.tcp.fack_loss_detection)
        return upto_fack >= DUP_THRESH;
    return sacked_segs >= DUP_THRESH || sacked_bytes > (DUP_THRESH - 1u) * c->snd_mss;
}

/* Loss by what the SACKs cover (rack_loss_detection off): a record neither SACKed nor sent
 * again is marked lost by sack_count_says_lost. One walk down from the highest record,
 * counting what lies above. */
static void rfc6675_detect_loss(weir_stack *s, tcp_conn *c)
{
    tcp_scoreboard *sb = c->sb;
    if (!sb)
        return;
    uint32_t segs = 0, bytes = 0, upto_fack = 0;
    for (uint32_t i = sb->count; i-- > 0;) {
        tcp_seg_rec *r = rec_at(sb, i);
        if (r->flags & TCP_SEG_SACKED) {
            segs++;
            bytes += rec_len(sb, i);
        } else if (!(r->flags & (TCP_SEG_LOST | TCP_SEG_RETRANS)) &&
                   sack_count_says_lost(s, c, segs, bytes, upto_fack)) {
            set_flags(sb, i, (uint8_t)(r->flags | TCP_SEG_LOST));
            weir_count(s, WEIR_CTR_TCP_SACK_LOST);
        }
        if (segs > 0)
            upto_fack++;
    }
}

/* RFC 6675 §4 NextSeg rule 3 (rack_loss_detection off, in recovery, when rules 1 and 2 found
 * nothing): the first hole not yet sent again below the highest sequence number SACKed, cut to
 * `max_len`, may go although IsLost does not say so yet. RACK instead marks such holes lost by
 * time. */
bool tcp_sb_next_hole(weir_stack *s, tcp_conn *c, uint32_t max_len, uint32_t *seq, uint32_t *len)
{
    tcp_scoreboard *sb = c->sb;
    if (!tcp_sb_active(c) || s->cfg.tcp.rack_loss_detection || !c->in_recovery || !sb)
        return false;
    for (uint32_t i = 0; i < sb->count && seq_lt(rec_start(sb, i), sb->fack); i++) {
        if (rec_at(sb, i)->flags & (TCP_SEG_SACKED | TCP_SEG_LOST | TCP_SEG_RETRANS))
            continue;
        uint32_t start = rec_start(sb, i);
        if (rec_len(sb, i) > max_len && !split_at(s, sb, i, start + max_len)) {
            give_up_scoreboard(s, c);
            return false;
        }
        *seq = start;
        *len = rec_len(sb, i);
        return true;
    }
    return false;
}

/* ---- SACK blocks -------------------------------------------------------------------------- */

/* RFC 2883 §4: a D-SACK is a first block below SND.UNA, or one inside the second block. */
static bool is_dsack(const tcp_conn *c, const weir_tcp_options *opt, uint32_t prior_una)
{
    if (opt->sack_count == 0)
        return false;
    const weir_tcp_sack_block *b = &opt->sack[0];
    if (seq_leq(b->right, prior_una))
        return true;
    return opt->sack_count > 1 && seq_geq(b->left, opt->sack[1].left) &&
           seq_leq(b->right, opt->sack[1].right) && seq_gt(c->snd_max, b->left);
}

/* Mark the records one SACK block covers; returns the bytes newly SACKed. Blocks outside
 * SND.UNA..SND.MAX or inverted are ignored (RFC 2018 §8 / the issue: validated blocks only).
 * A record the block covers in part is split at the block's edge (RFC 6675 keeps SACK state per
 * byte); with sack_whole_segments it is left as it is, as Linux counts SACKs in whole segments:
 * a peer SACKing single bytes then neither splits the scoreboard into byte-sized records nor
 * starts RACK on the part of a segment it claims to have. */
static uint32_t apply_block(weir_stack *s, tcp_conn *c, weir_tcp_sack_block b,
                            const weir_tcp_options *opt)
{
    tcp_scoreboard *sb = c->sb;
    if (!seq_lt(b.left, b.right) || seq_gt(b.right, c->snd_max) || seq_lt(b.left, c->snd_una) ||
        b.right - b.left > c->snd_max - c->snd_una) {
        weir_count(s, WEIR_CTR_TCP_SACK_BLOCKS_IGNORED);
        return 0;
    }
    uint32_t left = seq_max(b.left, sb->base), right = seq_min(b.right, sb->end);
    if (!seq_lt(left, right))
        return 0;
    bool whole = s->cfg.tcp.sack_whole_segments;
    uint32_t i = find_rec(sb, left);
    if (i < sb->count && seq_lt(rec_start(sb, i), left) && (whole || split_at(s, sb, i, left)))
        i++;
    uint32_t newly = 0;
    for (; i < sb->count && seq_leq(rec_at(sb, i)->end, right); i++) {
        tcp_seg_rec *r = rec_at(sb, i);
        if (r->flags & TCP_SEG_SACKED)
            continue;
        newly += rec_len(sb, i);
        rack_delivered(s, c, r, opt);
        set_flags(sb, i, (uint8_t)((r->flags & ~TCP_SEG_LOST) | TCP_SEG_SACKED));
    }
    /* A block ending inside a record SACKs that record's front part only (none of it with
     * sack_whole_segments). */
    if (!whole && i < sb->count && seq_lt(rec_start(sb, i), right) &&
        !(rec_at(sb, i)->flags & TCP_SEG_SACKED) && split_at(s, sb, i, right)) {
        tcp_seg_rec *r = rec_at(sb, i);
        newly += rec_len(sb, i);
        rack_delivered(s, c, r, opt);
        set_flags(sb, i, (uint8_t)((r->flags & ~TCP_SEG_LOST) | TCP_SEG_SACKED));
    }
    return newly;
}

/* ---- recovery ----------------------------------------------------------------------------- */

/* Out of memory, this episode simply cannot be undone. */
static void keep_state_for_undo(weir_stack *s, tcp_conn *c)
{
    if (!c->undo && !(c->undo = weir_alloc_uninit(s, sizeof *c->undo)))
        return;
    c->undo->before = c->cc;
    c->undo->retrans = 0;
}

void tcp_sack_forget_undo(weir_stack *s, tcp_conn *c)
{
    weir_free(s, c->undo, sizeof *c->undo);
    c->undo = NULL;
}

/* RFC 6937 §3: on entry, RecoverFS is the flight; the congestion control module sets ssthresh
 * (NewReno halves, CUBIC takes 0.7 of the flight). */
static void enter_recovery(weir_stack *s, tcp_conn *c)
{
    tcp_scoreboard *sb = c->sb; /* LOST records exist */
    c->in_recovery = true;
    c->recover = c->snd_max;
    c->rtt_measuring = false;
    keep_state_for_undo(s, c);
    c->cc_ops->on_loss(&c->cc, c->snd_max - c->snd_una, s->now_us);
    sb->prr_delivered = sb->prr_out = 0;
    sb->recover_fs = c->snd_max - c->snd_una;
    weir_count(s, WEIR_CTR_TCP_FAST_RECOVERIES);
    c->fast_recoveries++;
}

static void exit_recovery(weir_stack *s, tcp_conn *c)
{
    tcp_loss_hist *h = &c->hist;
    c->in_recovery = false;
    c->cc_ops->on_recovery_end(&c->cc, s->now_us);
    if (h->reo_wnd_persist > 0 && --h->reo_wnd_persist == 0)
        h->reo_wnd_mult = 1;
}

/* Below ssthresh PRR rebuilds toward it by what was delivered, and RFC 6937 §3's slow-start
 * reduction bound (PRR-SSRB) adds one SMSS on every ACK. With prr_ssrb_needs_progress the extra
 * SMSS comes only with an ACK that moved SND.UNA and found no new loss; otherwise the bound is
 * conservative (what was delivered, or owed), so a recovery that keeps finding losses does not
 * grow its flight on them (as Linux's tcp_cwnd_reduction). */
static int64_t prr_reduction_bound(const weir_stack *s, const tcp_conn *c, uint32_t delivered,
                                   bool progress)
{
    const tcp_scoreboard *sb = c->sb;
    int64_t owed = (int64_t)sb->prr_delivered - sb->prr_out;
    int64_t limit = owed > delivered ? owed : (int64_t)delivered;
    if (!s->cfg.tcp.prr_ssrb_needs_progress || progress)
        limit += c->snd_mss;
    return limit;
}

/* RFC 6937 §3: the window follows the ACK clock down to ssthresh, sending about
 * ssthresh/RecoverFS of what is delivered while the flight is above it, and rebuilding toward it
 * within the reduction bound once below. `progress`: this ACK moved SND.UNA and marked no new
 * loss. */
static void prr_update(const weir_stack *s, tcp_conn *c, uint32_t delivered, bool progress)
{
    tcp_scoreboard *sb = c->sb; /* recovery ends before the flight does */
    sb->prr_delivered += delivered;
    uint32_t pipe = tcp_sb_pipe(c);
    uint32_t ssthresh = c->cc.ssthresh;
    int64_t sndcnt;
    if (pipe > ssthresh) {
        uint64_t fs = sb->recover_fs ? sb->recover_fs : 1;
        sndcnt = (int64_t)(((uint64_t)sb->prr_delivered * ssthresh + fs - 1) / fs) - sb->prr_out;
    } else {
        int64_t limit = prr_reduction_bound(s, c, delivered, progress);
        int64_t gap = (int64_t)ssthresh - pipe;
        sndcnt = gap < limit ? gap : limit;
    }
    if (sndcnt < 0)
        sndcnt = 0;
    /* The fast retransmit itself goes at once (Linux's tcp_cwnd_reduction does the same). */
    if (sb->prr_out == 0 && sndcnt < c->snd_mss)
        sndcnt = c->snd_mss;
    c->cc.cwnd = pipe + (uint32_t)sndcnt;
}

/* Bytes sent again that are still out: neither SACKed nor acknowledged since (FreeBSD's
 * sackhint.sack_bytes_rexmit). */
static uint32_t resent_out(const tcp_scoreboard *sb)
{
    uint32_t bytes = 0;
    for (uint32_t i = 0; i < sb->count; i++)
        if ((rec_at(sb, i)->flags & (TCP_SEG_RETRANS | TCP_SEG_SACKED)) == TCP_SEG_RETRANS)
            bytes += rec_len(sb, i);
    return bytes;
}

/* Fast recovery without PRR, as FreeBSD's before it had PRR (prr off): its own window, kept in
 * the scoreboard, counts what recovery sent that is still out (resends into the holes, and new
 * data). It is one segment on entry; a duplicate ACK adds a segment while the data above the
 * highest SACK plus the resends is below ssthresh; a partial ACK sets it to what is out plus one
 * segment, or two when the ACK covered two or more (tcp_sack_partialack). Never above
 * ssthresh. Ours is then the pipe plus what that window still allows. */
static void bsd_recovery_update(tcp_conn *c, uint32_t acked, bool entered, bool dup_ack)
{
    tcp_scoreboard *sb = c->sb;
    uint32_t mss = c->snd_mss, ssthresh = c->cc.ssthresh;
    uint32_t resent = resent_out(sb);
    uint32_t sent = resent + (seq_max(c->snd_nxt, c->recover) - c->recover);
    if (entered) {
        sb->bsd_cwnd = mss;
    } else if (acked > 0) {
        sb->bsd_cwnd = sent + (acked >= 2 * mss ? 2 : 1) * mss;
    } else if (dup_ack) {
        uint32_t above_fack = seq_max(c->snd_nxt, sb->fack) - sb->fack;
        if (above_fack + resent < ssthresh)
            sb->bsd_cwnd += mss;
    }
    if (sb->bsd_cwnd > ssthresh)
        sb->bsd_cwnd = ssthresh;
    c->cc.cwnd = tcp_sb_pipe(c) + (sb->bsd_cwnd > sent ? sb->bsd_cwnd - sent : 0);
}

/* The window in fast recovery, after an ACK (`entered`: the one that started it). */
static void recovery_window_update(const weir_stack *s, tcp_conn *c, uint32_t delivered,
                                   uint32_t acked, bool progress, bool entered, bool dup_ack)
{
    if (s->cfg.tcp.prr)
        prr_update(s, c, delivered, progress);
    else
        bsd_recovery_update(c, acked, entered, dup_ack);
}

/* RFC 2883 §5 / RFC 8985 §9: when D-SACKs show every retransmission of this episode arrived
 * twice, the loss was not real: put the window back. */
static void note_dsack_for_undo(weir_stack *s, tcp_conn *c)
{
    if (!c->undo || c->undo->retrans == 0)
        return;
    if (--c->undo->retrans == 0) {
        c->cc_ops->on_undo(&c->cc, &c->undo->before, s->now_us);
        tcp_sack_forget_undo(s, c);
        c->in_recovery = false;
        weir_count(s, WEIR_CTR_TCP_SPURIOUS_UNDO);
    }
}

static void arm_reorder_timer(weir_stack *s, tcp_conn *c, uint32_t wait)
{
    if (wait)
        tcp_timer_set(s, c, WEIR_TIMER_REORDER, s->now_us + wait);
    else
        tcp_timer_stop(s, c, WEIR_TIMER_REORDER);
}

/* RFC 6675 §5 (2) and (4): DupThresh duplicate ACKs say the first segment not SACKed is lost,
 * SACK blocks or not (a middlebox may strip them; the peer may send none). */
/* The first record not SACKed is lost, unless it was sent again already. */
static void mark_head_lost(tcp_scoreboard *sb)
{
    for (uint32_t i = 0; i < sb->count; i++) {
        uint8_t f = rec_at(sb, i)->flags;
        if (!(f & TCP_SEG_SACKED)) {
            if (!(f & TCP_SEG_RETRANS))
                set_flags(sb, i, (uint8_t)(f | TCP_SEG_LOST));
            return;
        }
    }
}

static void count_dup_ack(weir_stack *s, tcp_conn *c)
{
    tcp_scoreboard *sb = c->sb;
    weir_count(s, WEIR_CTR_TCP_DUP_ACKS);
    if (++c->dupacks < DUP_THRESH || c->in_recovery || c->recover_after_rto || !sb || sb->lost > 0)
        return;
    mark_head_lost(sb);
}

/* Could new data go out now (RFC 5827 §3: early retransmit is for a sender that has none, or
 * whose peer's window takes none)? */
static bool new_data_sendable(const tcp_conn *c)
{
    return tcp_unsent_bytes(c) > 0 && seq_lt(c->snd_nxt, c->snd_una + c->snd_wnd);
}

/* RFC 5827 §3.2, SACK form (early_retransmit): with oldSeg < 4 segments out, nothing new to send
 * and none sent again yet, DupThresh is oldSeg - 1 segments SACKed: one segment SACKed out of
 * two says the first is lost, without waiting for RACK's reordering window. Returns the
 * scoreboard whose head early retransmission may resend, NULL when it does not apply. */
static tcp_scoreboard *early_retransmit_sb(const weir_stack *s, const tcp_conn *c)
{
    tcp_scoreboard *sb = c->sb;
    if (!s->cfg.tcp.early_retransmit || c->in_recovery || c->recover_after_rto || !sb ||
        sb->lost > 0 || sb->count >= 4 || sb->sacked_segs == 0 || sb->sacked_segs + 1 < sb->count ||
        new_data_sendable(c))
        return NULL;
    for (uint32_t i = 0; i < sb->count; i++)
        if (rec_at(sb, i)->flags & TCP_SEG_RETRANS)
            return NULL;
    return sb;
}

/* Early retransmission at once, on the ACK that allows it. */
static void early_retransmit(const weir_stack *s, tcp_conn *c)
{
    tcp_scoreboard *sb = early_retransmit_sb(s, c);
    if (sb && !s->cfg.tcp.early_retransmit_delayed)
        mark_head_lost(sb);
}

/* early_retransmit_delayed: a reordering mitigation from RFC 5827 Appendix A (A.3, as Linux's
 * tcp_early_retrans=2 names it): a short delay before the early retransmission. Each ACK that
 * allows early retransmission starts a wait of max(SRTT/4, 2 ms) on the reordering timer, in place
 * of RACK's window; none without an RTT estimate or when the RTO would fire first (the resend goes
 * at once then). True when the wait was armed. */
static bool delay_early_retransmit(weir_stack *s, tcp_conn *c)
{
    tcp_scoreboard *sb = early_retransmit_sb(s, c);
    if (!sb || !s->cfg.tcp.early_retransmit_delayed)
        return false;
    uint64_t deadline = s->now_us + (c->srtt / 4 > 2000 ? c->srtt / 4 : 2000);
    if (c->srtt == 0 || tcp_timer_deadline(c, WEIR_TIMER_RETRANSMIT) <= deadline) {
        mark_head_lost(sb);
        return false;
    }
    tcp_timer_set(s, c, WEIR_TIMER_REORDER, deadline);
    return true;
}

/* What an ACK that moved SND.UNA by `acked` lets the window grow by. RFC 5681 §3.1 counts the
 * bytes newly acknowledged cumulatively, SACKed ones included; with cwnd_credit_delivered only
 * what this ACK delivered for the first time counts (Linux): bytes SACKed by an earlier ACK,
 * which raised nothing then, raise nothing now either. */
static uint32_t growth_credit(const weir_stack *s, uint32_t acked, uint32_t delivered)
{
    return s->cfg.tcp.cwnd_credit_delivered ? delivered : acked;
}

void tcp_sack_on_ack(weir_stack *s, tcp_conn *c, const weir_tcp_repr *seg, uint32_t prior_una,
                     bool cwnd_limited, bool dup_ack)
{
    tcp_scoreboard *sb = c->sb;
    const weir_tcp_options *opt = &seg->opt;
    uint32_t acked = c->snd_una - prior_una;
    uint32_t delivered = acked;
    uint32_t marks = sb ? sb->lost_marks : 0;
    if (sb && sb->count > 0) {
        uint32_t first = find_rec(sb, prior_una);
        for (uint32_t i = first; i < sb->count && seq_leq(rec_at(sb, i)->end, c->snd_una); i++)
            if (!(rec_at(sb, i)->flags & TCP_SEG_SACKED))
                rack_delivered(s, c, rec_at(sb, i), opt);
        uint32_t sacked_before = sb->sacked;
        drop_acked(sb, c->snd_una);
        /* Bytes SACKed earlier and now cumulatively acknowledged were delivered already. */
        uint32_t gone = sacked_before - sb->sacked;
        delivered = acked > gone ? acked - gone : 0;
    }
    if (sb && seq_geq(c->snd_una, sb->fack))
        sb->fack = c->snd_una;
    bool dsack = is_dsack(c, opt, prior_una);
    if (dsack) {
        weir_count(s, WEIR_CTR_TCP_DSACKS_RECEIVED);
        rack_note_dsack(c);
        note_dsack_for_undo(s, c);
    }
    for (unsigned k = dsack ? 1 : 0; sb && k < opt->sack_count && sb->count > 0; k++)
        delivered += apply_block(s, c, opt->sack[k], opt);
    if (c->sb_disabled)
        return;
    /* RFC 6675 §2: with SACK blocks, a duplicate ACK is one that SACKs something new; one that
     * only repeats known blocks says nothing more about loss. */
    if (dup_ack && (opt->sack_count == 0 || delivered > 0))
        count_dup_ack(s, c);
    early_retransmit(s, c);

    if (s->cfg.tcp.rack_loss_detection) {
        uint32_t wait = rack_detect_loss(s, c);
        if (!delay_early_retransmit(s, c))
            arm_reorder_timer(s, c, wait);
    } else {
        rfc6675_detect_loss(s, c);
        (void)delay_early_retransmit(s, c);
    }
    if (c->recover_after_rto && seq_geq(c->snd_una, c->recover))
        c->recover_after_rto = false; /* everything sent before the timeout is accounted for */
    bool entered = !c->in_recovery && !c->recover_after_rto && tcp_sb_lost(c) > 0;
    if (entered)
        enter_recovery(s, c);
    if (c->in_recovery) {
        if (seq_lt(c->snd_una, c->recover)) {
            recovery_window_update(s, c, delivered, acked, acked > 0 && c->sb->lost_marks == marks,
                                   entered, dup_ack);
            return;
        }
        exit_recovery(s, c); /* the window is ssthresh now: no growth on this ACK */
        acked = 0;
    }
    if (acked > 0)
        tcp_cc_on_ack(c->cc_ops, &c->cc, growth_credit(s, acked, delivered), cwnd_limited, c->srtt,
                      s->now_us, s->cfg.tcp.slow_start_whole_ack);
    if (sb && sb->count == 0)
        tcp_sb_release(s, c);
}

/* The reordering timer (RFC 8985 §6.3): records that were waiting out the reordering window
 * are now lost; recovery starts if it has not. */
void tcp_rack_timeout(weir_stack *s, tcp_conn *c)
{
    if (!tcp_sb_active(c))
        return;
    weir_count(s, WEIR_CTR_TCP_REORDER_TIMEOUTS);
    if (s->cfg.tcp.rack_loss_detection)
        arm_reorder_timer(s, c, rack_detect_loss(s, c));
    tcp_scoreboard *er = early_retransmit_sb(s, c);
    if (er && s->cfg.tcp.early_retransmit_delayed)
        mark_head_lost(er); /* the wait delay_early_retransmit armed is over */
    if (!c->in_recovery && !c->recover_after_rto && tcp_sb_lost(c) > 0) {
        enter_recovery(s, c);
        recovery_window_update(s, c, 0, 0, false, true, false);
    }
    tcp_output(s, c);
}

/* The retransmission timer fired on a SACK connection (RFC 6675 §5.1, RFC 5681 (4)). */
void tcp_sack_on_rto(weir_stack *s, tcp_conn *c)
{
    tcp_sb_mark_all_lost(c);
    c->in_recovery = false;
    tcp_sack_forget_undo(s, c);
    tcp_timer_stop(s, c, WEIR_TIMER_REORDER);
}
