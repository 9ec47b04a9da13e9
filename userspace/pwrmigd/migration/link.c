// SPDX-License-Identifier: GPL-2.0
/*
 * The migration link between two pwrmigd: TCP with TLS 1.3 only, both ends
 * presenting an X.509 certificate from the site CA (OpenSSL), checked
 * against the CA's revocation lists when tls_crl is set.  A certificate
 * names one site (pd_cert_site()); a client checks that the server is the
 * site it dialled, a server accepts only sites listed as peers, and a
 * peer line may pin the peer's key.  Messages are framed: type and length
 * (32-bit, network order), then at most PD_MSG_MAX bytes; anything longer
 * is refused.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
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

static X509_STORE *crl_store(const struct pd_config *c, char *err, size_t len);

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
	/* Refuse to start on a CRL file that cannot be read. */
	if (*c->tls_crl) {
		X509_STORE *st = crl_store(c, err, len);

		if (!st)
			goto fail;
		X509_STORE_free(st);
	}
	SSL_CTX_set_app_data(ctx, (void *)c);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* A site name: letters, digits, '_', '.', '-' (no wildcard, no NUL byte). */
static int site_name(const ASN1_STRING *a, char *out, size_t len)
{
	const unsigned char *d = ASN1_STRING_get0_data(a);
	int i, n = ASN1_STRING_length(a);

	if (n <= 0 || (size_t)n >= len)
		return -1;
	for (i = 0; i < n; i++)
		if (!isalnum(d[i]) && d[i] != '_' && d[i] != '.' && d[i] != '-')
			return -1;
	memcpy(out, d, n);
	out[n] = 0;
	return 0;
}

/*
 * The site a certificate names, one rule for both ends of a link: its one
 * DNS subjectAltName, else (none) its one CN.  A certificate naming two
 * sites, or a name with a wildcard, a NUL byte or anything but letters,
 * digits and "_.-" names none, and is refused.
 */
int pd_cert_site(X509 *cert, char *out, size_t len, char *err, size_t elen)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	X509_NAME *subj = X509_get_subject_name(cert);
	const ASN1_STRING *name = NULL;
	int i, n = 0, cn;

	for (i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);

		if (g->type == GEN_DNS && n++ == 0)
			name = g->d.dNSName;
	}
	if (!n) {
		cn = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
		if (cn >= 0) {
			name = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, cn));
			n = 1 + (X509_NAME_get_index_by_NID(subj, NID_commonName, cn) >= 0);
		}
	}
	*out = 0;
	if (n == 1 && site_name(name, out, len)) {
		snprintf(err, elen, "certificate names no valid site (one name of letters, digits, '_', '.', '-')");
		n = -1;
	} else if (n == 0) {
		snprintf(err, elen, "certificate names no site (no DNS subjectAltName, no CN)");
	} else if (n > 1) {
		snprintf(err, elen, "certificate names %d sites; a site's certificate names one", n);
	}
	GENERAL_NAMES_free(names);
	return n == 1 ? 0 : -1;
}

/*
 * The CA and the CRLs in tls_crl, read again whenever that file changes,
 * so that a revocation takes effect at the next connection.  A CRL file
 * that cannot be read refuses every connection: accepting on an old list
 * could let a newly revoked key in.
 */
static struct {
	pthread_mutex_t lock;
	X509_STORE *store;
	struct stat st;
} crl = { .lock = PTHREAD_MUTEX_INITIALIZER };

static X509_STORE *crl_store(const struct pd_config *c, char *err, size_t len)
{
	X509_STORE *s = NULL;
	X509_LOOKUP *lk;
	struct stat st;
	char what[300];

	pthread_mutex_lock(&crl.lock);
	if (stat(c->tls_crl, &st)) {
		snprintf(err, len, "tls_crl %s: %s", c->tls_crl, strerror(errno));
		goto out;
	}
	if (crl.store && st.st_dev == crl.st.st_dev && st.st_ino == crl.st.st_ino &&
	    st.st_size == crl.st.st_size && st.st_mtim.tv_sec == crl.st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == crl.st.st_mtim.tv_nsec) {
		s = crl.store;
		X509_STORE_up_ref(s);
		goto out;
	}
	s = X509_STORE_new();
	if (!s || X509_STORE_load_file(s, c->tls_ca) != 1) {
		ssl_err(err, len, c->tls_ca);
		goto bad;
	}
	lk = X509_STORE_add_lookup(s, X509_LOOKUP_file());
	if (!lk || X509_load_crl_file(lk, c->tls_crl, X509_FILETYPE_PEM) < 1) {
		snprintf(what, sizeof(what), "tls_crl %s: no CRL read", c->tls_crl);
		ssl_err(err, len, what);
		goto bad;
	}
	/* The peer's certificate is checked against its CA's CRL. */
	X509_STORE_set_flags(s, X509_V_FLAG_CRL_CHECK);
	X509_STORE_free(crl.store);
	crl.store = s;
	crl.st = st;
	X509_STORE_up_ref(s);
	goto out;
bad:
	X509_STORE_free(s);
	s = NULL;
out:
	pthread_mutex_unlock(&crl.lock);
	return s;
}

/* A new connection's TLS session, checked against the CRLs when set. */
static int new_session(SSL_CTX *ctx, struct pd_conn *cn, char *err, size_t len)
{
	const struct pd_config *c = SSL_CTX_get_app_data(ctx);
	X509_STORE *st;
	int rc;

	cn->ssl = SSL_new(ctx);
	if (!cn->ssl || SSL_set_fd(cn->ssl, cn->fd) != 1) {
		ssl_err(err, len, "TLS session");
		return -1;
	}
	if (!c || !*c->tls_crl)
		return 0;
	st = crl_store(c, err, len);
	if (!st)
		return -1;
	rc = SSL_set1_verify_cert_store(cn->ssl, st);
	X509_STORE_free(st);
	if (rc != 1) {
		ssl_err(err, len, "TLS session: CRL");
		return -1;
	}
	return 0;
}

int pd_conn_pinned(struct pd_conn *cn, const unsigned char pin[32], char *err, size_t len)
{
	X509 *cert = SSL_get0_peer_certificate(cn->ssl);
	unsigned char *der = NULL, md[32];
	char hex[65];
	int n, i;

	n = cert ? i2d_PUBKEY(X509_get0_pubkey(cert), &der) : -1;
	if (n <= 0 || EVP_Digest(der, n, md, NULL, EVP_sha256(), NULL) != 1) {
		OPENSSL_free(der);
		snprintf(err, len, "peer %s: cannot hash its public key", cn->peer);
		return -1;
	}
	OPENSSL_free(der);
	if (!CRYPTO_memcmp(md, pin, sizeof(md)))
		return 0;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	snprintf(err, len, "peer %s: its key (sha256:%s) is not the one pinned for it", cn->peer,
		 hex);
	return -1;
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
	char why[200];
	long v = SSL_get_verify_result(cn->ssl);
	int rc;

	if (!cert) {
		snprintf(err, len, "peer sent no certificate");
		return -1;
	}
	rc = pd_cert_site(cert, cn->peer, sizeof(cn->peer), why, sizeof(why));
	X509_free(cert);
	if (rc)
		snprintf(err, len, "peer %s", why);
	if (!rc && v != X509_V_OK) {
		snprintf(err, len, "peer certificate '%s': %s", cn->peer,
			 X509_verify_cert_error_string(v));
		return -1;
	}
	return rc;
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

/* The handshake with WHO, done (0) or failed (-1, saying why in ERR). */
static int shake(struct pd_conn *cn, int server, int timeout_s, const char *who, char *err,
		 size_t len)
{
	int rc = handshake(cn, server, timeout_s);

	if (rc < 0)
		snprintf(err, len, "TLS handshake with %s: not done within %d s", who, timeout_s);
	else if (!rc)
		handshake_err(cn, err, len, who);
	return rc == 1 ? 0 : -1;
}

int pd_conn_connect(SSL_CTX *ctx, const char *addr, uint16_t port, const char *site,
		    const unsigned char *pin, int timeout_s, struct pd_conn *cn, char *err,
		    size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char portstr[8], who[96], why[256];
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
	if (new_session(ctx, cn, err, len))
		goto fail;
	SSL_set_tlsext_host_name(cn->ssl, site);
	if (shake(cn, 0, timeout_s, who, err, len))
		goto fail;
	if (handshake_done(cn, why, sizeof(why))) {
		snprintf(err, len, "TLS with %s (%s:%u): %s", site, addr, port, why);
		goto fail;
	}
	/* The server must be the site we meant to reach, by the one rule. */
	if (strcmp(cn->peer, site)) {
		snprintf(err, len, "TLS with %s (%s:%u): its certificate names site '%s'", site,
			 addr, port, cn->peer);
		goto fail;
	}
	if (pin && pd_conn_pinned(cn, pin, err, len))
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

	memset(cn, 0, sizeof(*cn));
	cn->fd = fd;
	if (!getpeername(fd, (struct sockaddr *)&ss, &sl))
		getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), NULL, 0,
			    NI_NUMERICHOST);
	snprintf(who, sizeof(who), "%s", host);
	set_timeouts(fd, timeout_s);
	if (new_session(ctx, cn, err, len))
		goto fail;
	if (shake(cn, 1, timeout_s, who, err, len))
		goto fail;
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
