// SPDX-License-Identifier: GPL-2.0
/*
 * The sender's requests: migrate notifications from the module, claimed
 * when this node may move the cgroup to a configured peer; a worker
 * thread per migration; at start, every journalled migration recovered
 * and every request still pending taken up.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pwrmig.h"
#include "migrate.h"
#include "send.h"

/* J's thread ends (or never started): its id is free, one thread fewer. */
static void job_gone(struct pd_migrator *m, struct job *j)
{
	unsigned int i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; !j->foreign && i < m->nbusy; i++)
		if (m->busy[i] == j->mig.id)
			m->busy[i] = m->busy[--m->nbusy];
	m->threads--;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

static void *worker(void *arg)
{
	struct job *j = arg;
	struct pd_migrator *m = j->m;

	j->pw = j->foreign ? NULL : pd_family_client(m->pd);
	if (j->pw && pwrmig_migrate_claim(j->pw, j->mig.id, NULL)) {
		pd_log(j->journal ? 0 : 1, "migrate %u: claim: %s", j->mig.id,
		       pwrmig_errmsg(j->pw));
		pwrmig_close(j->pw);
		j->pw = NULL;
		if (!j->journal)
			goto out;
	}
	if (j->journal) {
		tx_run_recover(j);
	} else if (mkdir(j->dir, 0700)) {
		snprintf(j->err, sizeof(j->err), "%s: %s", j->dir, strerror(errno));
		tx_report(j, PWRMIG_MIGRATE_STATE_FAILED, 0);
	} else {
		tx_run_fresh(j);
	}
out:
	tx_disconnect(j);
	pwrmig_close(j->pw);
	json_object_put(j->journal);
	json_object_put(j->ledger);
	job_gone(m, j);
	free(j);
	return NULL;
}

static int spawn(struct pd_migrator *m, struct job *j)
{
	pthread_attr_t attr;
	pthread_t t;
	unsigned int i;
	int rc;

	j->m = m;
	/*
	 * Ids restart when the module is reloaded; the nonce keeps a new
	 * migration apart from an old one that still waits to be delivered,
	 * here and at the peer.
	 */
	if (!*j->nonce) {
		unsigned char r[PD_NONCE_LEN / 2];

		if (getrandom(r, sizeof(r), 0) != sizeof(r)) {
			pd_log(0, "migrate %u: getrandom: %s", j->mig.id, strerror(errno));
			json_object_put(j->journal);
			free(j);
			return -1;
		}
		for (i = 0; i < sizeof(r); i++)
			snprintf(j->nonce + 2 * i, 3, "%02x", r[i]);
	}
	if (!*j->dir)
		snprintf(j->dir, sizeof(j->dir), "%s/out/%u-%s", m->pd->cfg.state_dir, j->mig.id,
			 j->nonce);
	pthread_mutex_lock(&m->lock);
	for (i = 0; !j->foreign && i < m->nbusy; i++)
		if (m->busy[i] == j->mig.id)
			break;
	if (!j->foreign && (i < m->nbusy || m->nbusy == sizeof(m->busy) / sizeof(m->busy[0]))) {
		/* The same id twice is the same request, seen twice. */
		if (i == m->nbusy)
			pd_log(0, "migrate %u: %u migrations in flight already; not now",
			       j->mig.id, m->nbusy);
		pthread_mutex_unlock(&m->lock);
		json_object_put(j->journal);
		free(j);
		return -1;
	}
	if (!j->foreign)
		m->busy[m->nbusy++] = j->mig.id;
	m->threads++;
	pthread_mutex_unlock(&m->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, worker, j);
	pthread_attr_destroy(&attr);
	if (rc) {
		pd_log(0, "migrate %u: thread: %s", j->mig.id, strerror(rc));
		job_gone(m, j);
		json_object_put(j->journal);
		free(j);
		return -1;
	}
	return 0;
}

void pd_migrator_event(struct pd_migrator *m, const struct pwrmig_migration *mig)
{
	const struct pd_config *c;
	char path[256];
	struct job *j;

	if (!m)
		return;
	pd_log(2, "migrate %u: %s", mig->id, pwrmig_migrate_state_str(mig->state));
	if (mig->state != PWRMIG_MIGRATE_STATE_PENDING)
		return;
	c = &m->pd->cfg;
	if (!strcmp(mig->site, c->site))
		return;		/* moving here: the sending node claims it */
	if (pd_cgroup_path(mig->cgroup_id, path, sizeof(path)) || !*path ||
	    !pd_path_below(path, c->cgroup_root)) {
		pd_log(1, "migrate %u: cgroup %llu is not below %s here", mig->id,
		       (unsigned long long)mig->cgroup_id, c->cgroup_root);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->mig = *mig;
	snprintf(j->wl.cgroup, sizeof(j->wl.cgroup), "%s", path);
	snprintf(j->wl.name, sizeof(j->wl.name), "%s", mig->container);
	pd_log(0, "migrate %u: %s%s%s to %s (%s)", mig->id, path,
	       *mig->container ? ", container " : "", mig->container, mig->site,
	       pwrmig_migrate_mode_str(mig->mode));
	spawn(m, j);
}

/*
 * Is the module's request of J's id still J's migration?  Not when the
 * module was reloaded since (no such request, or one for another cgroup or
 * site: ids started again).  A journal from before cgroup_id was kept is
 * taken at its id.
 */
static int request_is_ours(struct pwrmig *pw, const struct job *j)
{
	struct pwrmig_migration cur;

	if (!pw || pwrmig_migrate_get(pw, j->mig.id, &cur))
		return 0;
	return strcmp(cur.site, j->mig.site) == 0 &&
	       (!j->mig.cgroup_id || cur.cgroup_id == j->mig.cgroup_id);
}

/* Journals of migrations a previous pwrmigd did not finish. */
static void recover_all(struct pd_migrator *m)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	struct pwrmig *pw = pd_module_open();
	struct json_object *o;
	struct dirent *e;
	struct job *j;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/out", m->pd->cfg.state_dir);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		o = pd_journal_read(path);
		if (!o && errno == ENOENT) {
			/* Made, then nothing: no step was taken. */
			pd_log(0, "migrate: %s has no journal; removing it", path);
			pd_rmtree(path);
			continue;
		}
		if (!o) {
			/* Its state is unknown: deciding either way could lose the job. */
			pd_log(0, "migrate: %s/journal cannot be read (%s); left for the operator (Documentation/migration.md)",
			       path, strerror(errno));
			continue;
		}
		j = calloc(1, sizeof(*j));
		if (!j) {
			json_object_put(o);
			continue;
		}
		j->journal = o;
		j->mig.id = pd_json_int(o, "id", 0);
		snprintf(j->nonce, sizeof(j->nonce), "%s", pd_json_str(o, "nonce") ?: "");
		snprintf(j->dir, sizeof(j->dir), "%s", path);
		j->mig.mode = pwrmig_migrate_mode_parse(pd_json_str(o, "mode") ?: "");
		snprintf(j->mig.site, sizeof(j->mig.site), "%s", pd_json_str(o, "site") ?: "");
		snprintf(j->wl.cgroup, sizeof(j->wl.cgroup), "%s", pd_json_str(o, "cgroup") ?: "");
		snprintf(j->wl.name, sizeof(j->wl.name), "%s",
			 pd_json_str(o, "container") ?: "");
		j->wl.container = !!*j->wl.name;
		j->mig.cgroup_id = pd_json_int(o, "cgroup_id", 0);
		if (!request_is_ours(pw, j)) {
			j->foreign = 1;
			pd_log(0, "migrate %u: the module's request %u is not this migration any more (module reloaded?); finishing it without the module",
			       j->mig.id, j->mig.id);
		}
		spawn(m, j);
	}
	if (d)
		closedir(d);
	pwrmig_close(pw);
}

static int pending_cb(const struct pwrmig_migration *mig, void *arg)
{
	pd_migrator_event(arg, mig);
	return 0;
}

static int mkdirs(struct pd *pd, const char *sub)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", pd->cfg.state_dir, sub);
	if (mkdir(path, 0700) && errno != EEXIST) {
		fprintf(stderr, "pwrmigd: state_dir %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int pd_migrator_start(struct pd *pd, struct pd_migrator **out)
{
	struct pd_migrator *m;
	char err[512];

	*out = NULL;
	if (mkdirs(pd, "") || mkdirs(pd, "/out") || mkdirs(pd, "/in"))
		return -1;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -1;
	m->pd = pd;
	pthread_mutex_init(&m->lock, NULL);
	pd_cond_init_monotonic(&m->cond);
	m->ctx = pd_tls_ctx(&pd->cfg, 0, err, sizeof(err));
	if (!m->ctx) {
		fprintf(stderr, "pwrmigd: migration TLS: %s\n", err);
		free(m);
		return -1;
	}
	recover_all(m);
	*out = m;
	pd_migrator_pending(m);
	return 0;
}

void pd_migrator_pending(struct pd_migrator *m)
{
	struct pd *pd = m->pd;

	/*
	 * Requests made while no pwrmigd listened are still pending in the
	 * module (this daemon's own broker, in bpf mode, starts empty).
	 */
	if (pd->pw && pwrmig_migrate_dump(pd->pw, pending_cb, m))
		pd_log(0, "migrate: listing pending requests: %s", pwrmig_errmsg(pd->pw));
}

void pd_migrator_stop(struct pd_migrator *m)
{
	struct timespec until;

	if (!m)
		return;
	m->stopping = 1;
	/* Workers notice at their next step; a running CRIU is let finish. */
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += 60;
	pthread_mutex_lock(&m->lock);
	while (m->threads && !pthread_cond_timedwait(&m->cond, &m->lock, &until))
		;
	pthread_mutex_unlock(&m->lock);
	if (m->threads) {
		pd_log(0, "migrate: %u migrations still running; their journals finish them at the next start",
		       m->threads);
		return;	/* the threads still use m */
	}
	SSL_CTX_free(m->ctx);
	free(m);
}
