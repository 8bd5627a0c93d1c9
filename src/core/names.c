/* names.c — every printable name of the public API, generated from the X-macro tables. */
#include "core/core.h"

const char *weir_strerror(int err)
{
    switch (err) {
#define WEIR_ERR_MSG(name, num, msg)                                                               \
    case -(num):                                                                                   \
        return msg;
        WEIR_ERROR_TABLE(WEIR_ERR_MSG)
#undef WEIR_ERR_MSG
    default:
        return "unknown error";
    }
}

const char *weir_err_name(int err)
{
    switch (err) {
#define WEIR_ERR_NAME(name, num, msg)                                                              \
    case -(num):                                                                                   \
        return "WEIR_" #name;
        WEIR_ERROR_TABLE(WEIR_ERR_NAME)
#undef WEIR_ERR_NAME
    default:
        return "WEIR_E?";
    }
}

static const char *const drop_names[] = {
#define WEIR_DROP_NAME(name, desc) #name,
    WEIR_DROP_TABLE(WEIR_DROP_NAME)
#undef WEIR_DROP_NAME
};
static const char *const drop_descs[] = {
#define WEIR_DROP_DESC(name, desc) desc,
    WEIR_DROP_TABLE(WEIR_DROP_DESC)
#undef WEIR_DROP_DESC
};
static const char *const counter_names[] = {
#define WEIR_CTR_NAME(name, desc) #name,
    WEIR_COUNTER_TABLE(WEIR_CTR_NAME)
#undef WEIR_CTR_NAME
};
static const char *const counter_descs[] = {
#define WEIR_CTR_DESC(name, desc) desc,
    WEIR_COUNTER_TABLE(WEIR_CTR_DESC)
#undef WEIR_CTR_DESC
};

const char *weir_drop_name(weir_drop_reason r)
{
    return (unsigned)r < WEIR_DROP_COUNT ? drop_names[r] : "?";
}
const char *weir_drop_desc(weir_drop_reason r)
{
    return (unsigned)r < WEIR_DROP_COUNT ? drop_descs[r] : "?";
}
const char *weir_counter_name(weir_counter c)
{
    return (unsigned)c < WEIR_CTR_COUNT ? counter_names[c] : "?";
}
const char *weir_counter_desc(weir_counter c)
{
    return (unsigned)c < WEIR_CTR_COUNT ? counter_descs[c] : "?";
}

const char *weir_tcp_state_name(weir_tcp_state st)
{
    static const char *const names[WEIR_TCP_STATE_COUNT] = {
        "CLOSED",     "LISTEN",     "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
        "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING",  "LAST-ACK",     "TIME-WAIT",
    };
    return (unsigned)st < WEIR_TCP_STATE_COUNT ? names[st] : "?";
}

const char *weir_tcp_timer_name(weir_tcp_timer t)
{
    static const char *const names[WEIR_TIMER_COUNT] = {
        "retransmit", "persist",    "delayed-ack", "reorder",    "keepalive",
        "time-wait",  "fin-wait-2", "connect",     "loss-probe",
    };
    return (unsigned)t < WEIR_TIMER_COUNT ? names[t] : "?";
}

const char *weir_event_name(weir_event_type t)
{
    switch (t) {
    case WEIR_EV_CONNECTED:
        return "CONNECTED";
    case WEIR_EV_ACCEPTABLE:
        return "ACCEPTABLE";
    case WEIR_EV_READABLE:
        return "READABLE";
    case WEIR_EV_WRITABLE:
        return "WRITABLE";
    case WEIR_EV_PEER_CLOSED:
        return "PEER_CLOSED";
    case WEIR_EV_CLOSED:
        return "CLOSED";
    case WEIR_EV_ERROR:
        return "ERROR";
    case WEIR_EV_SOFT_ERROR:
        return "SOFT_ERROR";
    case WEIR_EV_URGENT:
        return "URGENT";
    }
    return "?";
}
