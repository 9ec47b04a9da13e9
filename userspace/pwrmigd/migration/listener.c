// SPDX-License-Identifier: GPL-2.0
/*
 * The receiver's listener: the TLS port, the pool of connections not yet
 * authenticated (a short deadline, a few per address, the oldest cut
 * first), a thread per session, and at start the recovery of migrations a
 * previous pwrmigd left in state_dir/in/.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ctrid.h"
#include "pwrmig.h"
#include "migrate.h"
#include "imgpath.h"
#include "receive.h"

static int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			       &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
	return 0;
}

static int older(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Cut pending handshake I: its thread sees the connection end. (mlock held) */
static void cut_pending(struct pd_receiver *r, unsigned int i)
{
	shutdown(r->hs[i].fd, SHUT_RDWR);
	r->hs[i].s->hfd = r->hs[i].fd;	/* its thread closes it */
	r->hs[i] = r->hs[--r->nhs];
}

/* Room in the handshake pool for a connection from ADDR.  (mlock held) */
static void make_room(struct pd_receiver *r, const struct sockaddr_storage *addr)
{
	int mine = -1, all = -1, n = 0;
	unsigned int i;

	for (i = 0; i < r->nhs; i++) {
		if (same_addr(&r->hs[i].addr, addr)) {
			n++;
			if (mine < 0 || older(&r->hs[i].since, &r->hs[mine].since))
				mine = i;
		}
		if (all < 0 || older(&r->hs[i].since, &r->hs[all].since))
			all = i;
	}
	if (n >= PD_MAX_HANDSHAKES_PER_ADDR)
		cut_pending(r, mine);
	else if (r->nhs >= PD_MAX_HANDSHAKES)
		cut_pending(r, all);
	else
		return;
	pd_log(1, "receive: the handshake pool is full (%u, %d from one address); cut the oldest",
	       r->nhs + 1, n);
}

static void *acceptor(void *arg)
{
	struct pd_receiver *r = arg;
	struct pollfd p = { .fd = r->lfd, .events = POLLIN };
	struct sockaddr_storage ss;
	pthread_attr_t attr;
	struct session *s;
	socklen_t sl;
	pthread_t t;
	int fd, hfd;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (!r->stopping) {
		if (poll(&p, 1, 200) <= 0)
			continue;
		sl = sizeof(ss);
		fd = accept4(r->lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd < 0) {
			/* Out of descriptors or memory: the backlog waits a moment. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				pd_log(0, "receive: accept: %s", strerror(errno));
				poll(NULL, 0, 500);
			}
			continue;
		}
		s = calloc(1, sizeof(*s));
		if (s)
			s->arrived = json_object_new_object();
		hfd = s && s->arrived ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
		if (hfd < 0) {
			if (s)
				json_object_put(s->arrived);
			free(s);
			close(fd);
			continue;
		}
		s->r = r;
		s->cn.fd = fd;
		s->hfd = -1;
		pthread_mutex_lock(&r->mlock);
		make_room(r, &ss);
		r->hs[r->nhs] = (struct pending){ .s = s, .fd = hfd, .addr = ss };
		clock_gettime(CLOCK_MONOTONIC, &r->hs[r->nhs].since);
		r->nhs++;
		pthread_mutex_unlock(&r->mlock);
		if (pthread_create(&t, &attr, rx_session, s)) {
			rx_leave_pool(s);
			close(fd);
			json_object_put(s->arrived);
			free(s);
		}
	}
	pthread_attr_destroy(&attr);
	return NULL;
}

/* Copies in flight when the last pwrmigd stopped. */
static void recover(struct pd_receiver *r)
{
	char dir[PATH_MAX];
	struct session s = { .r = r };
	struct json_object *j;
	struct dirent *e;
	const char *state;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/in", r->pd->cfg.state_dir);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(s.dir, sizeof(s.dir), "%s/%s", dir, e->d_name);
		memset(&s.wl, 0, sizeof(s.wl));
		j = pd_journal_read(s.dir);
		if (!j && errno != ENOENT) {
			pd_log(0, "receive: %s/journal cannot be read (%s); left for the operator (Documentation/migration.md)",
			       s.dir, strerror(errno));
			continue;
		}
		state = j ? pd_json_str(j, "state") : NULL;
		if (j)
			rx_load_journal(&s, j);
		if (state && !strcmp(state, "running")) {
			struct stat st;
			char jpath[PATH_MAX];

			/* Kept to answer a repeated commit; a week is plenty. */
			if (!pd_path(jpath, sizeof(jpath), "%s/journal", s.dir) &&
			    !stat(jpath, &st) && time(NULL) - st.st_mtime > 7 * 86400)
				pd_rmtree(s.dir);
		} else if (state && !strcmp(state, "restored")) {
			pd_log(0, "receive: %s is restored and stopped; waiting for the sender's decision",
			       e->d_name);
		} else {
			pd_log(0, "receive: dropping %s (%s when pwrmigd stopped)", e->d_name,
			       state ?: "no journal");
			rx_discard(&s);
		}
		json_object_put(j);
	}
	if (d)
		closedir(d);
}

int pd_receiver_start(struct pd *pd, struct pd_receiver **out)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct pd_receiver *r;
	char err[512];
	int on = 1;
	socklen_t sl;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->pd = pd;
	r->lfd = -1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->mlock, NULL);
	r->ctx = pd_tls_ctx(&pd->cfg, 1, err, sizeof(err));
	if (!r->ctx) {
		fprintf(stderr, "pwrmigd: migration TLS: %s\n", err);
		goto fail;
	}
	if (inet_pton(AF_INET6, pd->cfg.migrate_addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(pd->cfg.migrate_port);
		sl = sizeof(*sin6);
	} else {
		inet_pton(AF_INET, pd->cfg.migrate_addr, &sin->sin_addr);
		sin->sin_family = AF_INET;
		sin->sin_port = htons(pd->cfg.migrate_port);
		sl = sizeof(*sin);
	}
	r->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (r->lfd < 0)
		goto sys;
	setsockopt(r->lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(r->lfd, (struct sockaddr *)&ss, sl) || listen(r->lfd, 16))
		goto sys;
	recover(r);
	if (pthread_create(&r->thread, NULL, acceptor, r))
		goto sys;
	pd_log(0, "migration endpoint on %s:%u (TLS 1.3, peers must present a %s certificate)",
	       pd->cfg.migrate_addr, pd->cfg.migrate_port, pd->cfg.tls_ca);
	if (!strcmp(pd->cfg.migrate_addr, "0.0.0.0") || !strcmp(pd->cfg.migrate_addr, "::"))
		pd_log(0, "warning: migrate_listen %s:%u accepts connections on every interface; bind it to the sites' network (Documentation/migration.md, \"Trust model\")",
		       pd->cfg.migrate_addr, pd->cfg.migrate_port);
	*out = r;
	return 0;
sys:
	fprintf(stderr, "pwrmigd: migrate_listen %s:%u: %s\n", pd->cfg.migrate_addr,
		pd->cfg.migrate_port, strerror(errno));
fail:
	if (r->lfd >= 0)
		close(r->lfd);
	SSL_CTX_free(r->ctx);
	free(r);
	return -1;
}

void pd_receiver_stop(struct pd_receiver *r)
{
	if (!r)
		return;
	r->stopping = 1;
	pthread_join(r->thread, NULL);
	close(r->lfd);
	/* Sessions are detached; the process exit ends them, journals carry on. */
}
