// SPDX-License-Identifier: GPL-2.0
/*
 * The migration link between two pwrmigd: TCP with TLS 1.3 only, both ends
 * presenting an X.509 certificate from the site CA (OpenSSL).  A site's
 * certificate names the site (subjectAltName DNS, or CN); a client checks
 * that the server is the site it dialled, a server accepts only sites
 * listed as peers.  Messages are framed: type and length (32-bit, network
 * order), then at most PD_MSG_MAX bytes; anything longer is refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "migrate.h"

static void ssl_err(char *err, size_t len, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	/* The first error is the root cause; drop the rest. */
	ERR_clear_error();
	snprintf(err, len, "%s%s%s", what, *buf ? ": " : "", buf);
}

SSL_CTX *pd_tls_ctx(const struct pd_config *c, int server, char *err, size_t len)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	if (!ctx) {
		ssl_err(err, len, "TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, c->tls_cert) != 1) {
		ssl_err(err, len, c->tls_cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, c->tls_key, SSL_FILETYPE_PEM) != 1) {
		ssl_err(err, len, c->tls_key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_err(err, len, "tls_key does not match tls_cert");
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(ctx, c->tls_ca, NULL) != 1) {
		ssl_err(err, len, c->tls_ca);
		goto fail;
	}
	/* Mutual: the server asks for and requires the client's certificate. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
			   (server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
	/*
	 * No session tickets (nothing resumes): a server then sends nothing
	 * unasked, and a client that finds data waiting while it streams
	 * images knows the server is refusing.
	 */
	if (server)
		SSL_CTX_set_num_tickets(ctx, 0);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* The site a certificate names: its first DNS subjectAltName, else its CN. */
static void cert_site(X509 *cert, char *out, size_t len)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	int i;

	*out = 0;
	for (i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);

		if (g->type == GEN_DNS) {
			snprintf(out, len, "%.*s", ASN1_STRING_length(g->d.dNSName),
				 (const char *)ASN1_STRING_get0_data(g->d.dNSName));
			break;
		}
	}
	GENERAL_NAMES_free(names);
	if (!*out)
		X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, out, len);
}

static void set_timeouts(int fd, int timeout_s)
{
	struct timeval tv = { .tv_sec = timeout_s };
	int on = 1, idle = 10, intvl = 5, cnt = 3;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

/*
 * The TLS handshake, all of it within TIMEOUT_S (the socket timeouts bound
 * each read, not the whole: a peer trickling bytes would hold a slot).
 * 1: done; 0: refused (OpenSSL says why); -1: timed out (errno set).
 */
static int handshake(struct pd_conn *cn, int server, int timeout_s)
{
	int flags = fcntl(cn->fd, F_GETFL), rc, ms;
	struct timespec now, until;
	struct pollfd p;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_s;
	fcntl(cn->fd, F_SETFL, flags | O_NONBLOCK);
	for (;;) {
		errno = 0;
		rc = server ? SSL_accept(cn->ssl) : SSL_connect(cn->ssl);
		if (rc == 1)
			break;
		switch (SSL_get_error(cn->ssl, rc)) {
		case SSL_ERROR_WANT_READ:
			p = (struct pollfd){ .fd = cn->fd, .events = POLLIN };
			break;
		case SSL_ERROR_WANT_WRITE:
			p = (struct pollfd){ .fd = cn->fd, .events = POLLOUT };
			break;
		default:
			fcntl(cn->fd, F_SETFL, flags);
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (until.tv_sec - now.tv_sec) * 1000 + (until.tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0 || (rc = poll(&p, 1, ms)) == 0) {
			fcntl(cn->fd, F_SETFL, flags);
			ERR_clear_error();
			errno = ETIMEDOUT;
			return -1;
		}
		if (rc < 0 && errno != EINTR) {
			fcntl(cn->fd, F_SETFL, flags);
			return 0;
		}
	}
	fcntl(cn->fd, F_SETFL, flags);
	return 1;
}

static int handshake_done(struct pd_conn *cn, char *err, size_t len)
{
	X509 *cert = SSL_get1_peer_certificate(cn->ssl);
	long v = SSL_get_verify_result(cn->ssl);

	if (!cert) {
		snprintf(err, len, "peer sent no certificate");
		return -1;
	}
	cert_site(cert, cn->peer, sizeof(cn->peer));
	X509_free(cert);
	if (v != X509_V_OK) {
		snprintf(err, len, "peer certificate '%s': %s", cn->peer,
			 X509_verify_cert_error_string(v));
		return -1;
	}
	return 0;
}

/* Explain a failed handshake: our verdict on the peer, else OpenSSL's. */
static void handshake_err(struct pd_conn *cn, char *err, size_t len, const char *who)
{
	long v = SSL_get_verify_result(cn->ssl);
	char what[128];

	if (v != X509_V_OK) {
		ERR_clear_error();
		snprintf(err, len, "TLS handshake with %s: peer certificate refused: %s",
			 who, X509_verify_cert_error_string(v));
		return;
	}
	snprintf(what, sizeof(what), "TLS handshake with %s", who);
	ssl_err(err, len, what);
	if (!strchr(err, ':') && errno)
		snprintf(err, len, "TLS handshake with %s: %s", who, strerror(errno));
}

int pd_conn_connect(SSL_CTX *ctx, const char *addr, uint16_t port, const char *site,
		    int timeout_s, struct pd_conn *cn, char *err, size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char portstr[8], who[96];
	struct pollfd p;
	int rc, soerr;
	socklen_t sl = sizeof(soerr);

	memset(cn, 0, sizeof(*cn));
	cn->fd = -1;
	snprintf(who, sizeof(who), "%s (%s:%u)", site, addr, port);
	snprintf(portstr, sizeof(portstr), "%u", port);
	rc = getaddrinfo(addr, portstr, &hints, &ai);
	if (rc) {
		snprintf(err, len, "%s: %s", who, gai_strerror(rc));
		return -1;
	}
	cn->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (cn->fd < 0)
		goto sys;
	if (connect(cn->fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS)
		goto sys;
	p = (struct pollfd){ .fd = cn->fd, .events = POLLOUT };
	rc = poll(&p, 1, timeout_s * 1000);
	if (rc == 0) {
		errno = ETIMEDOUT;
		goto sys;
	}
	if (rc < 0 || getsockopt(cn->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl))
		goto sys;
	if (soerr) {
		errno = soerr;
		goto sys;
	}
	freeaddrinfo(ai);
	ai = NULL;
	/* Blocking from here on, bounded by the socket timeouts. */
	fcntl(cn->fd, F_SETFL, fcntl(cn->fd, F_GETFL) & ~O_NONBLOCK);
	set_timeouts(cn->fd, timeout_s);
	cn->ssl = SSL_new(ctx);
	if (!cn->ssl || SSL_set_fd(cn->ssl, cn->fd) != 1) {
		ssl_err(err, len, "TLS session");
		goto fail;
	}
	/* The server must be the site we meant to reach. */
	SSL_set_tlsext_host_name(cn->ssl, site);
	if (SSL_set1_host(cn->ssl, site) != 1) {
		ssl_err(err, len, "TLS peer name");
		goto fail;
	}
	rc = handshake(cn, 0, timeout_s);
	if (rc < 0) {
		snprintf(err, len, "TLS handshake with %s: not done within %d s", who, timeout_s);
		goto fail;
	}
	if (!rc) {
		handshake_err(cn, err, len, who);
		goto fail;
	}
	if (handshake_done(cn, err, len))
		goto fail;
	/* The receiver sends WAIT while it restores. */
	cn->wait_ok = 1;
	return 0;
sys:
	snprintf(err, len, "connect to %s: %s", who, strerror(errno));
fail:
	if (ai)
		freeaddrinfo(ai);
	pd_conn_close(cn);
	return -1;
}

int pd_conn_accept(SSL_CTX *ctx, int fd, int timeout_s, struct pd_conn *cn,
		   char *err, size_t len)
{
	char who[80], host[INET6_ADDRSTRLEN] = "?";
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int rc;

	memset(cn, 0, sizeof(*cn));
	cn->fd = fd;
	if (!getpeername(fd, (struct sockaddr *)&ss, &sl))
		getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), NULL, 0,
			    NI_NUMERICHOST);
	snprintf(who, sizeof(who), "%s", host);
	set_timeouts(fd, timeout_s);
	cn->ssl = SSL_new(ctx);
	if (!cn->ssl || SSL_set_fd(cn->ssl, fd) != 1) {
		ssl_err(err, len, "TLS session");
		goto fail;
	}
	rc = handshake(cn, 1, timeout_s);
	if (rc < 0) {
		snprintf(err, len, "TLS handshake with %s: not done within %d s", who, timeout_s);
		goto fail;
	}
	if (!rc) {
		handshake_err(cn, err, len, who);
		goto fail;
	}
	if (handshake_done(cn, err, len))
		goto fail;
	return 0;
fail:
	pd_conn_close(cn);
	return -1;
}

void pd_conn_timeouts(struct pd_conn *cn, int timeout_s)
{
	set_timeouts(cn->fd, timeout_s);
}

void pd_conn_close(struct pd_conn *cn)
{
	if (cn->ssl) {
		SSL_shutdown(cn->ssl);
		SSL_free(cn->ssl);
	}
	if (cn->fd >= 0)
		close(cn->fd);
	cn->ssl = NULL;
	cn->fd = -1;
}

static int io_err(struct pd_conn *cn, int rc, const char *what)
{
	int e = SSL_get_error(cn->ssl, rc);

	if (e == SSL_ERROR_ZERO_RETURN)
		snprintf(cn->err, sizeof(cn->err), "%s: the peer closed the connection", what);
	else if (e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))
		snprintf(cn->err, sizeof(cn->err), "%s: timed out", what);
	else if (e == SSL_ERROR_SYSCALL)
		snprintf(cn->err, sizeof(cn->err), "%s: %s", what,
			 errno ? strerror(errno) : "connection lost");
	else
		ssl_err(cn->err, sizeof(cn->err), what);
	if (!strchr(cn->err, ':'))
		snprintf(cn->err, sizeof(cn->err), "%s: connection lost or timed out", what);
	return -1;
}

static int write_all(struct pd_conn *cn, const void *buf, size_t n)
{
	size_t done;
	int rc;

	if (!n)
		return 0;
	rc = SSL_write_ex(cn->ssl, buf, n, &done);
	return rc == 1 && done == n ? 0 : io_err(cn, rc, "send");
}

static int read_all(struct pd_conn *cn, void *buf, size_t n)
{
	size_t got, off = 0;
	int rc;

	while (off < n) {
		rc = SSL_read_ex(cn->ssl, (char *)buf + off, n - off, &got);
		if (rc != 1)
			return io_err(cn, rc, "receive");
		off += got;
	}
	return 0;
}

int pd_conn_send(struct pd_conn *cn, uint32_t type, const void *buf, uint32_t n)
{
	uint32_t hdr[2] = { htonl(type), htonl(n) };

	if (n > PD_MSG_MAX) {
		snprintf(cn->err, sizeof(cn->err), "message of %u bytes exceeds %u", n,
			 PD_MSG_MAX);
		return -1;
	}
	if (write_all(cn, hdr, sizeof(hdr)) || write_all(cn, buf, n))
		return -1;
	cn->bytes_out += sizeof(hdr) + n;
	return 0;
}

int pd_conn_readable(struct pd_conn *cn)
{
	struct pollfd p = { .fd = cn->fd, .events = POLLIN };

	return SSL_pending(cn->ssl) > 0 || poll(&p, 1, 0) > 0;
}

int pd_conn_recv(struct pd_conn *cn, uint32_t *type, void *buf, uint32_t cap, uint32_t *n)
{
	uint32_t hdr[2];

	do {
		if (read_all(cn, hdr, sizeof(hdr)))
			return -1;
		*type = ntohl(hdr[0]);
		*n = ntohl(hdr[1]);
		if (*type == PD_MSG_WAIT && !*n && cn->wait_ok)
			cn->bytes_in += sizeof(hdr);
	} while (*type == PD_MSG_WAIT && !*n && cn->wait_ok);
	if (*n > cap) {
		snprintf(cn->err, sizeof(cn->err),
			 "peer sent a message of %u bytes (type %u), more than %u", *n, *type, cap);
		return -1;
	}
	if (read_all(cn, buf, *n))
		return -1;
	cn->bytes_in += sizeof(hdr) + *n;
	return 0;
}

/* A condition variable whose timed waits run on CLOCK_MONOTONIC (no jumps). */
void pd_cond_init_monotonic(pthread_cond_t *c)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
}

static void *busy_thread(void *arg)
{
	struct pd_busy *b = arg;
	struct timespec until;

	pthread_mutex_lock(&b->lock);
	while (!b->stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += b->every_s;
		while (!b->stop &&
		       pthread_cond_timedwait(&b->cond, &b->lock, &until) != ETIMEDOUT)
			;
		if (b->stop)
			break;
		pthread_mutex_unlock(&b->lock);
		if (pd_conn_send(b->cn, PD_MSG_WAIT, NULL, 0)) {
			pthread_mutex_lock(&b->lock);
			b->failed = 1;
			break;
		}
		pthread_mutex_lock(&b->lock);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

int pd_wait_every(const struct pd_conn *cn, int own_timeout_s)
{
	int t = own_timeout_s;

	if (cn->peer_timeout_s > 0 && cn->peer_timeout_s < t)
		t = cn->peer_timeout_s;
	return t / 3 > 0 ? t / 3 : 1;
}

void pd_busy_start(struct pd_busy *b, struct pd_conn *cn, int every_s)
{
	memset(b, 0, sizeof(*b));
	if (!cn || !cn->ssl)
		return;
	b->cn = cn;
	b->every_s = every_s > 0 ? every_s : 1;
	pd_cond_init_monotonic(&b->cond);
	pthread_mutex_init(&b->lock, NULL);
	/* Without the thread the peer may time out; the work goes on. */
	b->running = !pthread_create(&b->thread, NULL, busy_thread, b);
}

int pd_busy_stop(struct pd_busy *b)
{
	if (!b->running)
		return 0;
	pthread_mutex_lock(&b->lock);
	b->stop = 1;
	pthread_cond_signal(&b->cond);
	pthread_mutex_unlock(&b->lock);
	pthread_join(b->thread, NULL);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
	b->running = 0;
	return b->failed ? -1 : 0;
}
