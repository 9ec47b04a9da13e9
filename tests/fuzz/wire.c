// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of pwrmigd's migration receiver: each input is what an
 * authenticated peer ("east") sends on one link, as the wire frames it
 * (type and length, 32 bits each in network order, then the bytes), and
 * runs through the receiver's own session code (receive.c and the files
 * it uses, linked in; receive.h declares what is shared inside it): HELLO, FILE / DATA / FILE_END with the image-path
 * rules, RESTORE with its manifest, DECIDE with a ledger, a decision
 * resent on a new link.  What is outside the parsers is a stand-in here:
 * the TLS link reads the input and discards what is sent; CRIU, runc and
 * the module succeed without doing anything.  The state directory is
 * emptied before every input, so inputs are independent; container
 * bundles are in /dev/shm/pwrmig-wire-bundles (the seeds name it).
 *
 * Built by "make fuzz-parsers" as build/fuzz/parse-wire; the seed corpus
 * (tests/fuzz/corpus/wire) comes from scripts in tests/fuzz/wire-seeds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "receive.h"

#define BUNDLES "/dev/shm/pwrmig-wire-bundles"

static struct pd fuzz_pd;
static struct pd_receiver fuzz_r;
static char fuzz_root[64], fuzz_cg[80];
static const uint8_t *in;
static size_t in_left;

/* ---- the link: frames from the input, replies dropped -------------------- */

static int take(void *buf, size_t n, struct pd_conn *cn)
{
	if (n > in_left) {
		snprintf(cn->err, sizeof(cn->err), "peer closed the link");
		return -1;
	}
	memcpy(buf, in, n);
	in += n;
	in_left -= n;
	return 0;
}

int pd_conn_recv(struct pd_conn *cn, uint32_t *type, void *buf, uint32_t cap, uint32_t *n)
{
	uint32_t hdr[2];

	do {
		if (take(hdr, sizeof(hdr), cn))
			return -1;
		*type = ntohl(hdr[0]);
		*n = ntohl(hdr[1]);
	} while (*type == PD_MSG_WAIT && !*n && cn->wait_ok);
	if (*n > cap) {
		snprintf(cn->err, sizeof(cn->err), "message of %u bytes", *n);
		return -1;
	}
	return take(buf, *n, cn);
}

int pd_conn_send(struct pd_conn *cn, uint32_t type, const void *buf, uint32_t n)
{
	return n > PD_MSG_MAX ? -1 : 0;
}

int pd_conn_readable(struct pd_conn *cn)
{
	return in_left > 0;
}

int pd_conn_accept(SSL_CTX *ctx, int fd, int timeout_s, struct pd_conn *cn,
		   char *err, size_t len)
{
	snprintf(cn->peer, sizeof(cn->peer), "east");
	return 0;
}

int pd_conn_pinned(struct pd_conn *cn, const unsigned char pin[32], char *err, size_t len)
{
	return 0;
}

void pd_conn_timeouts(struct pd_conn *cn, int timeout_s)
{
}

void pd_conn_close(struct pd_conn *cn)
{
}

SSL_CTX *pd_tls_ctx(const struct pd_config *c, int server, char *err, size_t len)
{
	return NULL;
}

void pd_busy_start(struct pd_busy *b, struct pd_conn *cn, int every_s)
{
}

int pd_busy_stop(struct pd_busy *b)
{
	return 0;
}

int pd_wait_every(const struct pd_conn *cn, int own_timeout_s)
{
	return 1;
}

/* ---- the daemon around it -------------------------------------------------- */

/* ---- CRIU and runc: a workload that always obliges ------------------------- */

/* The cgroup is a directory below a stand-in for /sys/fs/cgroup. */
int pd_wl_reserve(struct pd_workload *w, char *err, size_t len)
{
	char path[PATH_MAX];
	struct stat st;

	if (pd_path(path, sizeof(path), "%s%s", fuzz_cg, w->cgroup) ||
	    mkdir(path, 0755) || stat(path, &st)) {
		snprintf(err, len, "cgroup %s: %s", w->cgroup, strerror(errno));
		return -1;
	}
	w->cg_id = st.st_ino;
	return 0;
}

void pd_wl_unreserve(const struct pd_workload *w)
{
	char path[PATH_MAX];

	if (!pd_path(path, sizeof(path), "%s%s", fuzz_cg, w->cgroup))
		rmdir(path);
}

int pd_wl_restore(struct pd *pd, struct pd_workload *w, const char *dir, char *err,
		  size_t len)
{
	return 0;
}

int pd_wl_check_uids(const struct pd_workload *w, uint32_t lo, uint32_t hi, char *err,
		     size_t len)
{
	return 0;
}

/* Odd-length inputs find the restored copy gone at the commit (a reboot). */
static int copy_lost;

int pd_wl_alive(struct pd *pd, struct pd_workload *w, char *err, size_t len)
{
	return !copy_lost;
}

int pd_wl_rereserve(struct pd_workload *w, char *err, size_t len)
{
	char path[PATH_MAX];
	struct stat st;

	if (pd_path(path, sizeof(path), "%s%s", fuzz_cg, w->cgroup) || stat(path, &st)) {
		snprintf(err, len, "cgroup %s: %s", w->cgroup, strerror(errno));
		return -1;
	}
	w->cg_id = st.st_ino;
	return 0;
}

int pd_wl_resume(struct pd *pd, struct pd_workload *w, char *err, size_t len)
{
	return 0;
}

int pd_wl_kill(struct pd *pd, struct pd_workload *w, char *err, size_t len)
{
	return 0;
}

/* ---- the family (the module or pwrmigd): takes the carried ledger ---------- */

struct pwrmig *pd_family_client(const struct pd *pd)
{
	return (struct pwrmig *)&fuzz_pd;
}

void pwrmig_close(struct pwrmig *pw)
{
}

const char *pwrmig_errmsg(const struct pwrmig *pw)
{
	return "";
}

const char *pwrmig_cgroup_root(void)
{
	return fuzz_cg;
}

int pwrmig_cgroup_carry_once(struct pwrmig *pw, uint64_t id, uint64_t carry_id,
			     const struct pwrmig_carry *c, struct pwrmig_cgroup *cg)
{
	if (c->currency)
		(void)strlen(c->currency);
	return 0;
}

int pwrmig_cgroup_policy_set(struct pwrmig *pw, uint64_t id, const struct pwrmig_policy *p,
			     struct pwrmig_cgroup *cg)
{
	return 0;
}

/* ---- one input: one link ---------------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char conf[128];
	FILE *f;

	/* PWRMIG_FUZZ_LOG=1 shows what the receiver says (to see a seed through). */
	pd_log_init(getenv("PWRMIG_FUZZ_LOG") ? 1 : -1);
	snprintf(fuzz_root, sizeof(fuzz_root), "/dev/shm/pwrmig-wire-XXXXXX");
	if (!mkdtemp(fuzz_root))
		abort();
	snprintf(conf, sizeof(conf), "%s/pwrmigd.conf", fuzz_root);
	f = fopen(conf, "w");
	if (!f)
		abort();
	fprintf(f, "site = west\npeer = east 127.0.0.1:9787\nstate_dir = %s/state\n"
		"bundle_root = %s\n", fuzz_root, BUNDLES);
	fclose(f);
	mkdir(BUNDLES, 0755);
	mkdir(BUNDLES "/ctr1", 0755);
	f = fopen(BUNDLES "/ctr1/config.json", "w");
	if (!f)
		abort();
	fputs("{}\n", f);
	fclose(f);
	snprintf(fuzz_cg, sizeof(fuzz_cg), "%s/cgroup", fuzz_root);
	pd_config_defaults(&fuzz_pd.cfg);
	if (pd_config_load(&fuzz_pd.cfg, conf))
		abort();
	fuzz_r.pd = &fuzz_pd;
	pthread_mutex_init(&fuzz_r.lock, NULL);
	pthread_mutex_init(&fuzz_r.mlock, NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char state[PATH_MAX];
	struct session *s;

	snprintf(state, sizeof(state), "%s/in", fuzz_pd.cfg.state_dir);
	pd_rmtree(fuzz_pd.cfg.state_dir);
	pd_rmtree(fuzz_cg);
	if (mkdir(fuzz_pd.cfg.state_dir, 0700) || mkdir(state, 0700) || mkdir(fuzz_cg, 0755))
		abort();
	s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->arrived = json_object_new_object();
	s->r = &fuzz_r;
	s->cn.fd = -1;
	s->hfd = -1;
	in = data;
	in_left = size;
	copy_lost = size & 1;
	rx_session(s);		/* frees s */
	if (fuzz_r.sessions || fuzz_r.migs)
		abort();	/* a session must leave nothing behind */
	return 0;
}
