/* weir/err.h — error codes of the public API.
 *
 * Every call that can fail returns an int: 0 (or a non-negative count) on success, a negative
 * WEIR_E* code on failure. The codes come from one X-macro table so that the enum, the names and
 * the messages can never disagree. Numbers are never reused: add new codes at the end. */
#ifndef WEIR_ERR_H
#define WEIR_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(NAME, number, message) */
#define WEIR_ERROR_TABLE(X)                                                                        \
    X(OK, 0, "success")                                                                            \
    X(EINVAL, 1, "invalid argument")                                                               \
    X(ENOMEM, 2, "out of memory")                                                                  \
    X(EBADF, 3, "bad or stale socket handle")                                                      \
    X(EAGAIN, 4, "operation would block")                                                          \
    X(EADDRINUSE, 5, "address already in use")                                                     \
    X(EISCONN, 6, "socket is already connected")                                                   \
    X(ENOTCONN, 7, "socket is not connected")                                                      \
    X(ECONNREFUSED, 8, "connection refused")                                                       \
    X(ECONNRESET, 9, "connection reset by peer")                                                   \
    X(ETIMEDOUT, 10, "connection timed out")                                                       \
    X(EPIPE, 11, "sending side already closed")                                                    \
    X(ESTATE, 12, "operation not valid in this connection state")                                  \
    X(ENOBUFS, 13, "no buffer space or table slot available")                                      \
    X(EOPNOTSUPP, 14, "operation not supported")                                                   \
    X(ENETUNREACH, 15, "network unreachable")                                                      \
    X(EALREADY, 16, "operation already in progress")                                               \
    X(ECONNABORTED, 17, "connection aborted locally")                                              \
    X(EHOSTUNREACH, 18, "host unreachable")                                                        \
    X(EMSGSIZE, 19, "message too long")                                                            \
    X(ENOENT, 20, "no such entry")                                                                 \
    X(ESERVFAIL, 21, "the name server failed, refused or truncated its answer")

enum weir_err {
#define WEIR_ERR_ENUM(name, num, msg) WEIR_##name = -(num),
    WEIR_ERROR_TABLE(WEIR_ERR_ENUM)
#undef WEIR_ERR_ENUM
};

/* A human sentence for an error code ("connection refused"); never NULL. */
const char *weir_strerror(int err);
/* The symbolic name of an error code ("WEIR_ECONNREFUSED"); never NULL. */
const char *weir_err_name(int err);

#ifdef __cplusplus
}
#endif
#endif
