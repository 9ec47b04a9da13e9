// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigd: pwrmig's node daemon.
 *
 * Module mode (pwrmig.ko loaded): the module keeps the ledger; pwrmigd
 * feeds it GPU energy (energy-report) and exports it.  Module-less mode:
 * the eBPF sched_switch collector and the module's arithmetic keep the
 * same ledger in this process.  Either way the ledger is served to
 * Prometheus on 127.0.0.1:9786/metrics.
 *
 *   pwrmigd [-c FILE] [-v] [--check-config]
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "pwrmig.h"
#include "pwrmigd.h"
#include "migration/migrate.h"

#define DEFAULT_CONFIG "/etc/pwrmig/pwrmigd.conf"

void pd_log(struct pd *pd, int level, const char *fmt, ...)
{
	va_list ap;

	if (level > pd->verbose)
		return;
	fputs("pwrmigd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int pd_snapshot_reserve(struct pd_snapshot *s, size_t n)
{
	struct pd_cgroup *p;

	if (n <= s->cap)
		return 0;
	p = realloc(s->cg, n * sizeof(*s->cg));
	if (!p)
		return -1;
	s->cg = p;
	s->cap = n;
	return 0;
}

/* ---- module mode ----------------------------------------------------------- */

struct dump_ctx {
	struct pd_cgroup *cg;
	size_t n, cap;
};

static int cg_cb(const struct pwrmig_cgroup *c, void *arg)
{
	struct dump_ctx *d = arg;
	struct pd_cgroup *o;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 256;
		void *p = realloc(d->cg, cap * sizeof(*d->cg));

		if (!p)
			return -1;
		d->cg = p;
		d->cap = cap;
	}
	o = &d->cg[d->n++];
	memset(o, 0, sizeof(*o));
	o->id = c->id;
	snprintf(o->path, sizeof(o->path), "%s", c->path);
	o->runtime_ns = c->runtime_ns;
	o->energy_uj[PD_DOM_PKG] = c->cpu_uj;
	o->energy_uj[PD_DOM_DRAM] = c->dram_uj;
	o->energy_uj[PD_DOM_GPU] = c->gpu_uj;
	o->cost_uunits = c->cost_uunits;
	o->estimated = !!(c->flags & PWRMIG_CGROUP_FLAGS_ESTIMATED);
	o->gone = !!(c->flags & PWRMIG_CGROUP_FLAGS_GONE);
	return 0;
}

struct site_ctx {
	struct pd_site sites[16];
	size_t n;
};

static int site_cb(const struct pwrmig_site *s, void *arg)
{
	struct site_ctx *c = arg;
	struct pd_site *o;

	if (c->n == sizeof(c->sites) / sizeof(c->sites[0]))
		return 0;
	o = &c->sites[c->n++];
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", s->name);
	o->local = s->local;
	o->price = s->price;
	memcpy(o->currency, s->currency, sizeof(o->currency));
	o->pue_milli = s->pue_milli;
	o->has_carbon = s->has_carbon;
	o->carbon_g_per_kwh = s->carbon_g_per_kwh;
	return 0;
}

static int module_refresh(struct pd *pd)
{
	static struct pwrmig_meter m;
	struct dump_ctx d = { 0 };
	struct site_ctx sc = { .n = 0 };
	struct pd_snapshot *s = &pd->snap;
	uint64_t before[PD_NR_DOMS], elapsed_ns;
	static uint64_t last_ns;
	struct timespec ts;
	unsigned int i;
	int dom;

	if (pwrmig_meter_get(pd->pw, &m) || pwrmig_cgroup_dump(pd->pw, cg_cb, &d) ||
	    pwrmig_site_dump(pd->pw, site_cb, &sc)) {
		pd_log(pd, 0, "reading the module's ledger: %s", pwrmig_errmsg(pd->pw));
		free(d.cg);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	elapsed_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec - last_ns;
	last_ns += elapsed_ns;

	pthread_mutex_lock(&pd->lock);
	memcpy(before, s->total_uj, sizeof(before));
	s->mode = "module";
	s->meter = pwrmig_meter_kind_str(m.kind);
	s->estimated = m.estimated;
	memset(s->total_uj, 0, sizeof(s->total_uj));
	memset(s->idle_uj, 0, sizeof(s->idle_uj));
	memset(s->other_uj, 0, sizeof(s->other_uj));
	s->domains = 0;
	for (i = 0; i < m.n_domains; i++) {
		dom = m.domains[i].domain == PWRMIG_DOMAIN_DRAM ? PD_DOM_DRAM : PD_DOM_PKG;
		s->domains |= 1 << dom;
		s->total_uj[dom] += m.domains[i].energy_uj;
		s->idle_uj[dom] += m.domains[i].idle_uj;
		s->other_uj[dom] += m.domains[i].other_uj;
	}
	for (dom = 0; dom < PD_NR_DOMS; dom++)
		s->power_mw[dom] = s->samples && elapsed_ns && s->total_uj[dom] >= before[dom] ?
			(s->total_uj[dom] - before[dom]) * 1000000ULL / elapsed_ns : 0;
	s->samples++;
	free(s->cg);
	s->cg = d.cg;
	s->ncg = d.n;
	s->cap = d.cap;
	memcpy(s->sites, sc.sites, sizeof(sc.sites));
	s->nsites = sc.n;
	pd_gpu_fill(pd->gpu, s);
	s->gen++;
	pthread_mutex_unlock(&pd->lock);
	return 0;
}

static int report_module(void *arg, uint64_t cgid, unsigned int dev, uint64_t uj)
{
	struct pd *pd = arg;

	if (!pwrmig_energy_report(pd->pw, cgid, dev, uj)) {
		pd->snap.gpu_reports++;
		return 0;
	}
	pd->snap.gpu_report_errors++;
	pd_log(pd, 1, "energy-report cgroup %llu device %u: %s",
	       (unsigned long long)cgid, dev, pwrmig_errmsg(pd->pw));
	return -1;
}

static int report_ledger(void *arg, uint64_t cgid, unsigned int dev, uint64_t uj)
{
	struct pd *pd = arg;

	return pd_ledger_add_gpu(pd->ledger, cgid, uj);
}

static int tick(struct pd *pd)
{
	if (pd->pw) {
		if (pd->gpu)
			pd_gpu_sample(pd->gpu, report_module, pd);
		return module_refresh(pd);
	}
	if (pd_ledger_sample(pd->ledger))
		return -1;
	if (pd->gpu)
		pd_gpu_sample(pd->gpu, report_ledger, pd);
	pthread_mutex_lock(&pd->lock);
	pd_ledger_fill(pd->ledger, &pd->snap);
	pd_gpu_fill(pd->gpu, &pd->snap);
	pd->snap.gen++;
	pthread_mutex_unlock(&pd->lock);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pwrmigd [-c FILE] [-v] [--check-config]\n"
		"  -c, --config FILE   configuration (default " DEFAULT_CONFIG
		"; defaults if absent)\n"
		"  -v, --verbose       more messages on standard error (repeat for more)\n"
		"      --check-config  parse the configuration, say what is wrong, exit\n"
		"  -V, --version       print the version\n"
		"  -h, --help          this text\n"
		"Signals: SIGINT and SIGTERM stop it cleanly.\n"
		"See pwrmigd(8) and Documentation/metrics.md.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct pd pd;
	const char *config = NULL;
	struct pd_exporter *exp = NULL;
	struct itimerspec its = { 0 };
	struct signalfd_siginfo si;
	struct pollfd pfd[3];
	struct pwrmig_event ev;
	int c, check = 0, rc = 1, sfd = -1, tfd = -1, err;
	uint64_t ticks;
	sigset_t mask;

	/* Run by CRIU as its action script during a restore (checkpoint.c). */
	if (getenv("CRTOOLS_SCRIPT_ACTION") && getenv("PWRMIG_HOOK_FREEZE"))
		return pd_criu_hook();
	while ((c = getopt_long(argc, argv, "c:vVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'v':
			pd.verbose++;
			break;
		case 'C':
			check = 1;
			break;
		case 'V':
			printf("pwrmigd %s\n", PWRMIG_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pwrmigd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	pd_config_defaults(&pd.cfg);
	if (config || !access(DEFAULT_CONFIG, F_OK)) {
		if (pd_config_load(&pd.cfg, config ?: DEFAULT_CONFIG))
			return 2;
	}
	if (check) {
		printf("pwrmigd: %s is valid\n", config ?: DEFAULT_CONFIG);
		return 0;
	}
	pthread_mutex_init(&pd.lock, NULL);

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (sfd < 0 || tfd < 0) {
		fprintf(stderr, "pwrmigd: signalfd/timerfd: %s\n", strerror(errno));
		goto out;
	}

	if (pd.cfg.mode != PD_MODE_BPF) {
		pd.pw = pwrmig_open();
		if (!pd.pw && pd.cfg.mode == PD_MODE_MODULE) {
			fprintf(stderr, "pwrmigd: mode = module but the pwrmig module is not "
				"loaded (modprobe pwrmig)\n");
			goto out;
		}
	}
	if (pd.pw) {
		pd_log(&pd, 0, "module mode: the ledger of pwrmig.ko");
	} else {
		err = pd_ledger_open(&pd, &pd.ledger);
		if (err)
			goto out;
		pd_log(&pd, 0, "module-less mode: eBPF collector (%s), meter %s",
		       pd_ledger_attach_kind(pd.ledger), pd_ledger_meter(pd.ledger));
	}
	if (pd_gpu_open(&pd, &pd.gpu))
		goto out;
	if (tick(&pd) && pd.pw)
		goto out;
	if (pd_exporter_start(&pd, &exp))
		goto out;
	if (pd.cfg.migrate) {
		/* Before any journal is recovered: no old CRIU acts behind it. */
		pd_tools_reap(&pd);
		if (pd_receiver_start(&pd, &pd.receiver))
			goto out;
		/* Requests come from the module: without it this node only receives. */
		if (pd.pw) {
			if (pwrmig_subscribe(pd.pw, PWRMIG_MCGRP_MIGRATE)) {
				fprintf(stderr, "pwrmigd: migrate group: %s\n",
					pwrmig_errmsg(pd.pw));
				goto out;
			}
			if (pd_migrator_start(&pd, &pd.migrator))
				goto out;
		} else {
			pd_log(&pd, 0, "module-less: this node receives migrations but "
			       "sends none (requests come from pwrmig.ko)");
		}
	}
	pd_log(&pd, 0, "serving http://%s%s%s:%u/metrics every %u ms",
	       strchr(pd.cfg.listen_addr, ':') ? "[" : "", pd.cfg.listen_addr,
	       strchr(pd.cfg.listen_addr, ':') ? "]" : "", pd.cfg.listen_port,
	       pd.cfg.interval_ms);

	its.it_interval.tv_sec = pd.cfg.interval_ms / 1000;
	its.it_interval.tv_nsec = pd.cfg.interval_ms % 1000 * 1000000L;
	its.it_value = its.it_interval;
	timerfd_settime(tfd, 0, &its, NULL);
	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = pd.migrator ? pwrmig_event_fd(pd.pw) : -1,
				  .events = POLLIN };
	rc = 0;
	for (;;) {
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "pwrmigd: poll: %s\n", strerror(errno));
			rc = 1;
			break;
		}
		if (pfd[0].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP) {
				pd_log(&pd, 0, "SIGHUP: the configuration is read at start; "
				       "restart pwrmigd to apply changes");
				continue;
			}
			pd_log(&pd, 0, "%s: stopping", strsignal(si.ssi_signo));
			break;
		}
		if ((pfd[1].revents & POLLIN) && read(tfd, &ticks, sizeof(ticks)) > 0)
			tick(&pd);
		if (pfd[2].revents & POLLIN)
			while (pwrmig_event_next(pd.pw, 0, &ev) == 1)
				if (ev.cmd == PWRMIG_CMD_MIGRATE_NTF)
					pd_migrator_event(pd.migrator, &ev.migration);
	}
out:
	pd_migrator_stop(pd.migrator);
	pd_receiver_stop(pd.receiver);
	pd_exporter_stop(exp);
	pd_gpu_close(pd.gpu);
	pd_ledger_close(pd.ledger);
	pwrmig_close(pd.pw);
	free(pd.snap.cg);
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	return rc;
}
