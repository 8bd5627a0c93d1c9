/* pkt_caps.c — the static capability check (README §4): a script is skipped only when its text
 * asks for something the interpreter cannot honour, decided before it runs, with the reason.
 * The stack under test can never turn a failure into a skip.
 *
 * The capability table, in the order checked:
 *   --ip_version=ipv6            skipped unless ipv6 mapping is on (then run over IPv4 with the
 *                                IPv6 MSS, and the verdict says so)
 *   ICMP packets                 icmp
 *   [ect01]/[tos ..], the AE bit  ecn (RFC 3168 ECN is weir's: [noecn] [ect0] [ect1] [ce] and
 *                                ECE/CWR run; AccECN is not)
 *   TCP options outside the subset (FO, FOEXP, md5, AccECN)  tcp-option:NAME
 *   syscalls, sockopts, flags    pkt_sys_supported() (pkt_sockopt.c)
 *   shell lines                  pkt_shell_classify() (pkt_shell.c)
 *   drop_synfin=1 in a script with a STANDARD branch   standard-variant-without-drop_synfin:
 *                                the interpreter runs the STANDARD variant, which these scripts
 *                                write for a stack without FreeBSD's drop (it answers the SYN,FIN
 *                                as their -nodrop twins do); the FreeBSD variant is not run */
#include <stdio.h>
#include <string.h>

#include "pkt_run.h"
#include "pkt_sys.h"

static bool packet_supported(const pkt_packet *pk, char *why, size_t len)
{
    if (pk->icmp) {
        snprintf(why, len, "icmp");
        return false;
    }
    /* RFC 3168 ECN is weir's (the ECN field and ECE/CWR); AccECN (the AE bit, ect01) and a
     * whole TOS byte are not. */
    static const char *const k_ecn_fields[] = {"noecn", "ect0", "ect1", "ce"};
    bool known = pk->ip_info == NULL;
    for (size_t i = 0; !known && i < sizeof k_ecn_fields / sizeof k_ecn_fields[0]; i++)
        known = strcmp(pk->ip_info, k_ecn_fields[i]) == 0;
    if (!known) {
        snprintf(why, len, "ecn:[%s]", pk->ip_info);
        return false;
    }
    if (pk->flags & PKT_AE) {
        snprintf(why, len, "ecn:accecn");
        return false;
    }
    for (int i = 0; i < pk->nopts; i++)
        if (pk->opts[i].kind == PO_UNSUPPORTED) {
            snprintf(why, len, "tcp-option:%s", pk->opts[i].name);
            return false;
        }
    return true;
}

bool pkt_caps_check(const pkt_script *s, const pkt_run_opts *o, char *reason, size_t len)
{
    const char *v = pkt_script_option(s, "ip_version");
    if (v != NULL && strcmp(v, "ipv6") == 0 && !o->ipv6_map) {
        snprintf(reason, len, "ipv6 (weir is IPv4-only; --ipv6 map runs it over IPv4)");
        return true;
    }
    if (v != NULL && strcmp(v, "ipv4") != 0 && strcmp(v, "ipv6") != 0) {
        snprintf(reason, len, "ip_version=%s", v);
        return true;
    }
    for (int i = 0; i < s->nevents; i++) {
        const pkt_event *ev = &s->events[i];
        char why[128] = "";
        bool ok = true;
        switch (ev->kind) {
        case EV_PACKET:
            ok = packet_supported(ev->pkt, why, sizeof why);
            break;
        case EV_SYSCALL:
            ok = pkt_sys_supported(ev->sys, why, sizeof why);
            break;
        case EV_SHELL:
            ok = pkt_shell_classify(ev->text, o->profile, why, sizeof why) !=
                 PKT_SHELL_UNSUPPORTED;
            if (ok && s->branches_on_standard && strstr(ev->text, "drop_synfin=1") != NULL) {
                snprintf(why, sizeof why, "standard-variant-without-drop_synfin");
                ok = false;
            }
            break;
        case EV_CODE:
            break;
        }
        if (!ok) {
            snprintf(reason, len, "%s (line %d)", why, ev->line);
            return true;
        }
    }
    return false;
}
