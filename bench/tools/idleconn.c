/*
 * idleconn -- opens N kept-alive HTTP/1.1 connections, one request on each, then holds
 * them idle until told to stop, and says how many the server kept open.
 *
 * Phase 1 (open): at most -c connections at a time are connecting, handshaking (TLS) or
 * waiting for their response; each sends one "GET <path>" and reads the whole response
 * (Content-Length or chunked). A connection whose response is a 200 without
 * "Connection: close" becomes idle and stays open; any other outcome is counted by cause
 * and the connection closed. When every connection is idle or failed, one line
 * "ready <idle> <failed>" goes to stdout (flushed).
 * Phase 2 (hold): nothing is sent. Any readable event on an idle connection is recorded:
 * end of stream (the server closed it), a reset, or unexpected data (TLS: a late session
 * ticket is read and ignored). SIGUSR1 (or SIGTERM, or -H seconds) ends the hold.
 * Phase 3 (check): every connection still counted idle is probed once more without
 * blocking, the counts are printed as "key value" lines, and all connections are closed.
 *
 * TLS (https://): the first connection makes a full handshake, the others resume its
 * session (TLS 1.3 PSK with (EC)DHE), so that 10 000 connections open in seconds; every
 * one still gets its own engine state on the server. "resumed" says how many did.
 *
 * Build: cc -O2 -o idleconn idleconn.c -lssl -lcrypto
 * Usage: idleconn -n 10000 [-c 128] [-T 60] [-H 0] [-s sni] http[s]://IP:PORT/path
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum state { S_FREE, S_CONNECT, S_HANDSHAKE, S_WRITE, S_READ, S_IDLE, S_DONE };

typedef struct {
    int fd, state, wrote, hl, hdrdone, chunked, status, close_hdr;
    long need, got;
    char tail[5];
    SSL *ssl;
    char *hb; /* response head, until it is complete */
} conn_t;

#define HEAD_MAX 16384

static SSL_CTX *ctx;
static SSL_SESSION *session;
static struct sockaddr_in addr;
static char req[1024];
static int reqlen, tls;
static const char *sni = "localhost";
static int ep;
static conn_t *cs;
/* counts */
static long n_idle, err_connect, err_tls, err_http, err_status, err_close, err_timeout, resumed;
static long open_eof, open_reset, open_data, hold_eof, hold_reset, hold_data, hold_tickets, chk_eof, chk_reset, chk_data;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void finish(conn_t *c, long *counter) {
    if (counter) (*counter)++;
    if (c->ssl) { SSL_free(c->ssl); c->ssl = NULL; }
    if (c->fd >= 0) close(c->fd); /* also removes it from the epoll set */
    c->fd = -1;
    free(c->hb);
    c->hb = NULL;
    c->state = S_DONE;
}

static int start(conn_t *c, int id) {
    memset(c, 0, sizeof *c);
    c->need = -1;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) { c->state = S_DONE; err_connect++; return -1; }
    int on = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    c->hb = malloc(HEAD_MAX + 1);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u32 = (uint32_t)id};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev)) { finish(c, &err_connect); return -1; }
    c->state = S_CONNECT;
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) && errno != EINPROGRESS) { finish(c, &err_connect); return -1; }
    return 0;
}

/* does the header line starting at p (ended by CRLF) contain word? */
static int line_has(const char *p, const char *word) {
    const char *end = strstr(p, "\r\n"), *w = strcasestr(p, word);
    return w && end && w < end;
}

/* response bytes; returns 1 when the response is complete */
static int consume(conn_t *c, const char *buf, int r) {
    if (!c->hdrdone) {
        int cp = r < HEAD_MAX - c->hl ? r : HEAD_MAX - c->hl;
        memcpy(c->hb + c->hl, buf, cp);
        c->hl += cp;
        c->hb[c->hl] = 0;
        char *e = strstr(c->hb, "\r\n\r\n");
        if (!e) { if (c->hl >= HEAD_MAX) { c->status = -1; return 1; } return 0; }
        c->hdrdone = 1;
        c->status = atoi(c->hb + 9);
        for (char *p = c->hb; p && p < e; p = strstr(p, "\r\n")) {
            p += (p[0] == '\r') ? 2 : 0;
            if (!strncasecmp(p, "content-length:", 15)) c->need = atol(p + 15);
            else if (!strncasecmp(p, "transfer-encoding:", 18) && line_has(p, "chunked")) c->chunked = 1;
            else if (!strncasecmp(p, "connection:", 11) && line_has(p, "close")) c->close_hdr = 1;
        }
        long body = (long)c->hl - (long)(e + 4 - c->hb) + (r - cp);
        const char *bstart = buf + r - body;
        free(c->hb);
        c->hb = NULL;
        if (!c->chunked && c->need < 0) c->need = 0; /* no framing: a 200 to GET always has one here */
        buf = bstart;
        r = (int)body;
    }
    c->got += r;
    if (c->chunked) { /* the last chunk: "0\r\n\r\n" at the end of what arrived so far */
        for (int i = 0; i < r; i++) { memmove(c->tail, c->tail + 1, 4); c->tail[4] = buf[i]; }
        return c->got >= 5 && !memcmp(c->tail, "0\r\n\r\n", 5);
    }
    return c->got >= c->need;
}

static void became_idle(conn_t *c, int id) {
    if (c->status != 200) { finish(c, &err_status); return; }
    if (c->close_hdr) { finish(c, &err_close); return; }
    if (tls && SSL_session_reused(c->ssl)) resumed++;
    if (tls) {
        /* the newest ticket: OpenSSL marks a TLS 1.3 session spent once a handshake used it */
        SSL_SESSION *s = SSL_get1_session(c->ssl);
        if (s && SSL_SESSION_is_resumable(s)) {
            if (session) SSL_SESSION_free(session);
            session = s;
        } else if (s) {
            SSL_SESSION_free(s);
        }
    }
    c->state = S_IDLE;
    n_idle++;
    /* from now on only a readable event (data, end of stream, reset) is of interest */
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.u32 = (uint32_t)id};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* an idle connection that became readable, or the final probe: 0 still open */
static int probe(conn_t *c, long *eof, long *reset, long *data) {
    char b[4096];
    if (!tls) {
        ssize_t r = recv(c->fd, b, 1, MSG_PEEK | MSG_DONTWAIT);
        if (r == 0) { n_idle--; finish(c, eof); return 1; }
        if (r > 0) { (*data)++; n_idle--; finish(c, NULL); return 1; }
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        n_idle--; finish(c, reset); return 1;
    }
    for (;;) {
        ERR_clear_error();
        int r = SSL_read(c->ssl, b, sizeof b);
        if (r > 0) { (*data)++; n_idle--; finish(c, NULL); return 1; }
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ) return 0; /* a session ticket or nothing at all */
        if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0)) { n_idle--; finish(c, eof); return 1; }
        n_idle--; finish(c, reset); return 1;
    }
}

/* drives a connection in phase 1 until it would block */
static void drive(conn_t *c, int id) {
    char buf[65536];
    for (;;) {
        switch (c->state) {
        case S_CONNECT: {
            int err = 0;
            socklen_t l = sizeof err;
            if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l) || err) { finish(c, &err_connect); return; }
            struct sockaddr_in peer;
            l = sizeof peer;
            if (getpeername(c->fd, (struct sockaddr *)&peer, &l)) return; /* not connected yet */
            if (tls) {
                c->ssl = SSL_new(ctx);
                SSL_set_fd(c->ssl, c->fd);
                SSL_set_tlsext_host_name(c->ssl, sni);
                if (session) SSL_set_session(c->ssl, session);
                SSL_set_connect_state(c->ssl);
                c->state = S_HANDSHAKE;
            } else {
                c->state = S_WRITE;
            }
            break;
        }
        case S_HANDSHAKE: {
            ERR_clear_error();
            int r = SSL_do_handshake(c->ssl);
            if (r == 1) { c->state = S_WRITE; break; }
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
            finish(c, &err_tls);
            return;
        }
        case S_WRITE: {
            int r;
            if (tls) {
                ERR_clear_error();
                r = SSL_write(c->ssl, req + c->wrote, reqlen - c->wrote);
                if (r <= 0) {
                    int e = SSL_get_error(c->ssl, r);
                    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
                    finish(c, &err_tls);
                    return;
                }
            } else {
                r = (int)send(c->fd, req + c->wrote, reqlen - c->wrote, MSG_NOSIGNAL);
                if (r < 0) { if (errno == EAGAIN) return; finish(c, &err_http); return; }
            }
            c->wrote += r;
            if (c->wrote == reqlen) c->state = S_READ;
            break;
        }
        case S_READ: {
            int r;
            if (tls) {
                ERR_clear_error();
                r = SSL_read(c->ssl, buf, sizeof buf);
                if (r <= 0) {
                    int e = SSL_get_error(c->ssl, r);
                    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
                    finish(c, &err_http);
                    return;
                }
            } else {
                r = (int)recv(c->fd, buf, sizeof buf, 0);
                if (r < 0 && errno == EAGAIN) return;
                if (r <= 0) { finish(c, &err_http); return; }
            }
            if (consume(c, buf, r)) {
                if (c->status < 0) { finish(c, &err_http); return; }
                became_idle(c, id);
                return;
            }
            break;
        }
        default:
            return;
        }
    }
}

int main(int argc, char **argv) {
    int n = 10000, conc = 128, opt;
    double open_timeout = 60, hold_max = 0;
    while ((opt = getopt(argc, argv, "n:c:T:H:s:")) != -1) {
        switch (opt) {
        case 'n': n = atoi(optarg); break;
        case 'c': conc = atoi(optarg); break;
        case 'T': open_timeout = atof(optarg); break;
        case 'H': hold_max = atof(optarg); break;
        case 's': sni = optarg; break;
        default: goto usage;
        }
    }
    if (optind >= argc || n <= 0 || conc <= 0) {
    usage:
        fprintf(stderr, "usage: %s -n conns [-c concurrent-opens] [-T open-timeout-s] [-H hold-s, 0 = until SIGUSR1] [-s sni] http[s]://IP:PORT/path\n", argv[0]);
        return 2;
    }
    char host[64] = "", path[512] = "/";
    int port = 80;
    const char *url = argv[optind];
    if (!strncmp(url, "https://", 8)) { tls = 1; port = 443; url += 8; }
    else if (!strncmp(url, "http://", 7)) url += 7;
    else goto usage;
    if (sscanf(url, "%63[0-9.]:%d%511s", host, &port, path) < 2) goto usage;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) goto usage;
    reqlen = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: idleconn\r\nAccept: */*\r\n\r\n", path, host, port);

    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < (rlim_t)n + 64) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < (rlim_t)n + 64) {
            fprintf(stderr, "idleconn: open-file limit %ld is below %d connections + 64 (raise ulimit -n)\n", (long)rl.rlim_cur, n);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    if (tls) {
        ctx = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
        /* a server that closes an idle connection without close_notify: end of stream, not an error */
        SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
        const char *alpn = "\x08http/1.1";
        SSL_CTX_set_alpn_protos(ctx, (const unsigned char *)alpn, 9);
    }
    ep = epoll_create1(0);
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGUSR1);
    sigaddset(&ss, SIGTERM);
    sigaddset(&ss, SIGINT);
    sigprocmask(SIG_BLOCK, &ss, NULL);
    int sfd = signalfd(-1, &ss, SFD_NONBLOCK);
    struct epoll_event sev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
    epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &sev);

    cs = calloc(n, sizeof *cs);
    for (int i = 0; i < n; i++) { cs[i].fd = -1; cs[i].state = S_FREE; }
    struct epoll_event evs[512];
    double t0 = now(), deadline = t0 + open_timeout;
    int next = 0, stop = 0, busy = 0;
    /* phase 1; with TLS the first connection opens alone so that the others can resume its session */
    while (!stop) {
        int lim = (tls && (next == 0 || (cs[0].state >= S_CONNECT && cs[0].state <= S_READ))) ? 1 : conc;
        while (next < n && busy < lim) { if (!start(&cs[next], next)) busy++; next++; }
        if (next == n && busy == 0) break;
        if (now() > deadline) {
            for (int i = 0; i < n; i++) if (cs[i].state >= S_CONNECT && cs[i].state <= S_READ) finish(&cs[i], &err_timeout);
            err_timeout += n - next; /* never started */
            break;
        }
        int k = epoll_wait(ep, evs, 512, 100);
        for (int j = 0; j < k; j++) {
            uint32_t id = evs[j].data.u32;
            if (id == UINT32_MAX) { stop = 1; continue; }
            conn_t *c = &cs[id];
            if (c->state == S_IDLE) probe(c, &open_eof, &open_reset, &open_data);
            else if (c->state >= S_CONNECT && c->state <= S_READ) {
                drive(c, (int)id);
                if (c->state == S_IDLE || c->state == S_DONE) busy--;
            }
        }
    }
    double opened = now();
    long failed = err_connect + err_tls + err_http + err_status + err_close + err_timeout;
    printf("ready %ld %ld\n", n_idle, failed);
    fflush(stdout);

    /* phase 2: hold */
    double hold_end = hold_max > 0 ? opened + hold_max : 0;
    while (!stop) {
        int ms = 1000;
        if (hold_end > 0) { double left = hold_end - now(); if (left <= 0) break; if (left < 1) ms = (int)(left * 1000) + 1; }
        int k = epoll_wait(ep, evs, 512, ms);
        for (int j = 0; j < k; j++) {
            uint32_t id = evs[j].data.u32;
            if (id == UINT32_MAX) { stop = 1; continue; }
            if (cs[id].state == S_IDLE) {
                long before = n_idle;
                probe(&cs[id], &hold_eof, &hold_reset, &hold_data);
                if (tls && n_idle == before) hold_tickets++;
            }
        }
    }
    double held = now() - opened;
    /* phase 3: check every connection once more */
    for (int i = 0; i < n; i++) if (cs[i].state == S_IDLE) probe(&cs[i], &chk_eof, &chk_reset, &chk_data);
    printf("url %s\nrequested %d\nopen_at_end %ld\nfailed_to_open %ld\nerr_detail c%ld/t%ld/h%ld/s%ld/k%ld/o%ld\n"
           "closed_while_opening %ld\nreset_while_opening %ld\ndata_while_opening %ld\n"
           "closed_during_hold %ld\nreset_during_hold %ld\ndata_during_hold %ld\nlate_tls_events %ld\n"
           "closed_at_check %ld\nreset_at_check %ld\ndata_at_check %ld\nresumed %ld\nopen_secs %.3f\nheld_secs %.3f\n",
           argv[optind], n, n_idle, failed, err_connect, err_tls, err_http, err_status, err_close, err_timeout,
           open_eof, open_reset, open_data, hold_eof, hold_reset, hold_data, hold_tickets, chk_eof, chk_reset, chk_data, resumed, opened - t0, held);
    fflush(stdout);
    for (int i = 0; i < n; i++) if (cs[i].state == S_IDLE) finish(&cs[i], NULL);
    return 0;
}
