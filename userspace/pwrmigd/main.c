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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "pwrmig.h"
#include "pwrmigd.h"
#include "metering/metering.h"
#include "family/family.h"
#include "migration/migrate.h"

#define DEFAULT_CONFIG "/etc/pwrmig/pwrmigd.conf"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pwrmigd [-c FILE] [-v] [--check-config]\n"
		"  -c, --config FILE   configuration (default " DEFAULT_CONFIG
		"; defaults if absent)\n"
		"  -v, --verbose       more messages on standard error (repeat for more)\n"
		"      --check-config  check the configuration and what it names (files,\n"
		"                      certificates, NVML, CRIU and runc), say what is wrong, exit\n"
		"  -V, --version       print the version\n"
		"  -h, --help          this text\n"
		"Signals: SIGINT and SIGTERM stop it cleanly; SIGHUP reads the\n"
		"configuration again (the site's price, PUE, carbon and forecast).\n"
		"See pwrmigd(8) and Documentation/metrics.md.\n");
}

/*
 * Options into CONFIG, CHECK and VERBOSE: -1 to go on, else the exit
 * status (--help, --version, a bad option).
 */
static int parse_args(int argc, char **argv, const char **config, int *check, int *verbose)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:vVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*config = optarg;
			break;
		case 'v':
			(*verbose)++;
			break;
		case 'C':
			*check = 1;
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
	return -1;
}

/* Can PROG (a name looked up in PATH, or a path) be run? */
static int runnable(const char *prog)
{
	char path[4096], *dirs, *dir, *save;
	const char *env = getenv("PATH") ?: "/usr/bin:/bin";
	int ok = 0;

	if (strchr(prog, '/'))
		return !access(prog, X_OK);
	dirs = strdup(env);
	for (dir = strtok_r(dirs, ":", &save); dir && !ok; dir = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", *dir ? dir : ".", prog);
		ok = !access(path, X_OK);
	}
	free(dirs);
	return ok;
}

/*
 * --check-config beyond the syntax of FILE (EXISTS: else the defaults):
 * what pwrmigd would fail on as it starts, or a peer refuse later.
 * Returns the exit status.
 */
static int check_config(const struct pd_config *c, const char *file, int exists)
{
	const char *progs[] = { c->criu, c->runc };
	char err[768], warn[256];
	int bad = 0;
	size_t i;

	if (!exists)
		printf("pwrmigd: %s does not exist: the defaults apply\n", file);
	if (c->gpu == PD_GPU_NVML && pd_nvml_check(c->nvml_library, err, sizeof(err))) {
		fprintf(stderr, "pwrmigd: %s: %s\n", file, err);
		bad = 1;
	}
	if (c->migrate && pd_tls_check(c, err, sizeof(err), warn, sizeof(warn))) {
		fprintf(stderr, "pwrmigd: %s: %s\n", file, err);
		bad = 1;
	} else if (c->migrate && *warn) {
		fprintf(stderr, "pwrmigd: %s: warning: %s\n", file, warn);
	}
	for (i = 0; c->migrate && i < sizeof(progs) / sizeof(progs[0]); i++)
		if (!runnable(progs[i])) {
			fprintf(stderr, "pwrmigd: %s: migrate = on but %s cannot be run (not found in PATH, or not executable)\n",
				file, progs[i]);
			bad = 1;
		}
	if (!bad)
		printf("pwrmigd: %s is valid\n", file);
	return bad ? 2 : 0;
}

/* The source of the ledger the configuration asks for, or finds. */
static int open_source(struct pd *pd)
{
	if (pd->cfg.mode != PD_MODE_BPF && !pd_source_module.open(pd)) {
		pd->source = &pd_source_module;
		return 0;
	}
	if (pd->cfg.mode == PD_MODE_MODULE) {
		fprintf(stderr, "pwrmigd: mode = module but the pwrmig module is not "
			"loaded (modprobe pwrmig)\n");
		return -1;
	}
	if (pd_source_bpf.open(pd))
		return -1;
	pd->source = &pd_source_bpf;
	/* Without the module, this daemon serves its family. */
	return pd_family_start(pd, &pd->family);
}

static void migrate_event(void *arg, const struct pwrmig_migration *mig)
{
	pd_migrator_event(arg, mig);
}

/*
 * The migration endpoint: the receiver, and the sender of the requests
 * of the module's broker, or of this daemon's own (bpf mode: its family
 * socket hands them over in this process).
 */
static int start_migration(struct pd *pd)
{
	/* Before any journal is recovered: no old CRIU acts behind it. */
	pd_tools_reap(pd);
	if (pd_receiver_start(pd, &pd->receiver))
		return -1;
	if (!pd->pw) {
		if (pd_migrator_start(pd, &pd->migrator))
			return -1;
		pd_family_on_migrate(pd->family, migrate_event, pd->migrator);
		return 0;
	}
	if (pwrmig_subscribe(pd->pw, PWRMIG_MCGRP_MIGRATE)) {
		fprintf(stderr, "pwrmigd: migrate group: %s\n", pwrmig_errmsg(pd->pw));
		return -1;
	}
	return pd_migrator_start(pd, &pd->migrator);
}

/*
 * The module was loaded again: a new handle, so the migrate group anew,
 * and the requests made while none listened.
 */
static void module_new(struct pd *pd)
{
	if (!pd->migrator || !pd->pw)
		return;
	if (pwrmig_subscribe(pd->pw, PWRMIG_MCGRP_MIGRATE))
		pd_log(0, "migrate group: %s", pwrmig_errmsg(pd->pw));
	pd_migrator_pending(pd->migrator);
}

/* The keys SIGHUP applies at once: the site's price, PUE, carbon, forecast. */
static void take_site_keys(struct pd_config *dst, const struct pd_config *src)
{
	dst->price = src->price;
	memcpy(dst->currency, src->currency, sizeof(dst->currency));
	dst->pue_milli = src->pue_milli;
	dst->has_carbon = src->has_carbon;
	dst->carbon = src->carbon;
	memcpy(dst->forecast_path, src->forecast_path, sizeof(dst->forecast_path));
	dst->n_forecast = src->n_forecast;
	memcpy(dst->forecast, src->forecast, sizeof(dst->forecast));
}

/*
 * SIGHUP: FILE again.  A file with errors changes nothing.  The site's
 * keys take effect at once; other keys when pwrmigd next starts, and the
 * log says so.  Only those fields of pd->cfg are written: the migration
 * threads read the others meanwhile.
 */
static void reload(struct pd *pd, const char *file)
{
	static struct pd_config nc, mix;

	pd_config_defaults(&nc);
	if (pd_config_load(&nc, file)) {
		pd_log(0, "SIGHUP: %s has errors (above): nothing changed", file);
		return;
	}
	mix = pd->cfg;
	take_site_keys(&mix, &nc);
	if (memcmp(&mix, &nc, sizeof(nc)))
		pd_log(0, "SIGHUP: %s changes keys besides price, currency, pue, carbon and forecast: those take effect when pwrmigd restarts",
		       file);
	take_site_keys(&pd->cfg, &nc);
	pd->source->configure(pd);
	pd_log(0, "SIGHUP: %s read again", file);
}

/*
 * The loop: signals (SFD; SIGHUP reads FILE again), the sampling timer (TFD), migrate requests,
 * the family socket's requests (bpf mode).
 */
static int serve(struct pd *pd, const char *file, int sfd, int tfd)
{
	struct itimerspec its = { 0 };
	struct signalfd_siginfo si;
	struct pwrmig_event ev;
	struct pollfd pfd[4];
	uint64_t ticks;
	int rc;

	its.it_interval.tv_sec = pd->cfg.interval_ms / 1000;
	its.it_interval.tv_nsec = pd->cfg.interval_ms % 1000 * 1000000L;
	its.it_value = its.it_interval;
	timerfd_settime(tfd, 0, &its, NULL);
	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .events = POLLIN };
	pfd[3] = (struct pollfd){ .fd = pd_family_fd(pd->family), .events = POLLIN };
	for (;;) {
		/* The module's handle changes when the module is loaded again. */
		pfd[2].fd = pd->migrator && pd->pw ? pwrmig_event_fd(pd->pw) : -1;
		if (poll(pfd, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "pwrmigd: poll: %s\n", strerror(errno));
			return 1;
		}
		if (pfd[0].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP) {
				reload(pd, file);
				continue;
			}
			pd_log(0, "%s: stopping", strsignal(si.ssi_signo));
			return 0;
		}
		if ((pfd[1].revents & POLLIN) && read(tfd, &ticks, sizeof(ticks)) > 0) {
			rc = pd->source->tick(pd);
			if (rc == PD_SOURCE_NEW)
				module_new(pd);
			if (rc >= 0)
				pd_family_sampled(pd->family);
		}
		if (pfd[3].revents & POLLIN)
			pd_family_serve(pd->family);
		if (pfd[2].revents & POLLIN)
			while (pwrmig_event_next(pd->pw, 0, &ev) == 1)
				if (ev.cmd == PWRMIG_CMD_MIGRATE_NTF)
					pd_migrator_event(pd->migrator, &ev.migration);
	}
}

int main(int argc, char **argv)
{
	static struct pd pd;
	const char *config = NULL;
	struct pd_exporter *exp = NULL;
	int check = 0, rc = 1, sfd = -1, tfd = -1, verbose = 0;
	sigset_t mask;

	/* Run by CRIU as its action script during a restore (checkpoint.c). */
	if (getenv("CRTOOLS_SCRIPT_ACTION") && getenv("PWRMIG_HOOK_FREEZE"))
		return pd_criu_hook();
	rc = parse_args(argc, argv, &config, &check, &verbose);
	if (rc >= 0)
		return rc;
	rc = 1;
	pd_log_init(verbose);
	pd_config_defaults(&pd.cfg);
	if (config || !access(DEFAULT_CONFIG, F_OK)) {
		if (pd_config_load(&pd.cfg, config ?: DEFAULT_CONFIG))
			return 2;
	}
	if (check)
		return check_config(&pd.cfg, config ?: DEFAULT_CONFIG,
				    config || !access(DEFAULT_CONFIG, F_OK));
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
	if (open_source(&pd) || pd_gpu_open(&pd, &pd.gpu))
		goto out;
	if (pd.source->tick(&pd) < 0 && pd.pw)
		goto out;
	if (pd_exporter_start(&pd, &exp))
		goto out;
	if (pd.cfg.migrate && start_migration(&pd))
		goto out;
	pd_log(0, "serving http://%s%s%s:%u/metrics every %u ms",
	       strchr(pd.cfg.listen_addr, ':') ? "[" : "", pd.cfg.listen_addr,
	       strchr(pd.cfg.listen_addr, ':') ? "]" : "", pd.cfg.listen_port,
	       pd.cfg.interval_ms);
	rc = serve(&pd, config ?: DEFAULT_CONFIG, sfd, tfd);
out:
	pd_family_stop(pd.family);
	pd_migrator_stop(pd.migrator);
	pd_receiver_stop(pd.receiver);
	pd_exporter_stop(exp);
	pd_gpu_close(pd.gpu);
	if (pd.source)
		pd.source->close(&pd);
	free(pd.snap.cg);
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	return rc;
}
