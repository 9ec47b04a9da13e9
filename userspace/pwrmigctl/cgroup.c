// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl cgroup: per-cgroup energy, cost and policy.
 *
 *   cgroup show [PATH|ID]
 *   cgroup top [sort power|cost] [interval SECS] [count N] [limit K|all]
 *   cgroup set PATH|ID [deferrable on|off] [migratable on|off]
 *                      [deadline TIME] [priority N]   (TIME: UNIX seconds or ISO 8601)
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "pwrmigctl.h"

static void cgroup_print(struct ctl *ctl, const struct pwrmig_cgroup *c)
{
	out_obj_begin(ctl);
	out_num(ctl, "id", c->id, "%-8llu", (unsigned long long)c->id);
	out_str(ctl, "path", c->path, "%-24s", c->path[0] ? c->path : "(gone)");
	out_num(ctl, "runtime-ns", c->runtime_ns, "cpu %.3f s", c->runtime_ns / 1e9);
	out_num(ctl, "cpu-uj", c->cpu_uj, "cpu %.3f J", c->cpu_uj / 1e6);
	out_num(ctl, "dram-uj", c->dram_uj, "dram %.3f J", c->dram_uj / 1e6);
	out_num(ctl, "gpu-uj", c->gpu_uj, "gpu %.3f J", c->gpu_uj / 1e6);
	out_num(ctl, "cost-uunits", c->cost_uunits, "cost %.6f %s",
		c->cost_uunits / 1e6, c->currency);
	out_str(ctl, "currency", c->currency, NULL);
	out_bool(ctl, "estimated", !!(c->flags & PWRMIG_CGROUP_FLAGS_ESTIMATED),
		 "estimated");
	out_bool(ctl, "deferrable", !!(c->flags & PWRMIG_CGROUP_FLAGS_DEFERRABLE),
		 "deferrable");
	out_bool(ctl, "migratable", !!(c->flags & PWRMIG_CGROUP_FLAGS_MIGRATABLE),
		 "migratable");
	out_bool(ctl, "gone", !!(c->flags & PWRMIG_CGROUP_FLAGS_GONE), NULL);
	out_num(ctl, "deadline", c->deadline, c->deadline ? "deadline %llu" : NULL,
		(unsigned long long)c->deadline);
	out_num(ctl, "priority", c->priority, c->priority ? "priority %u" : NULL,
		c->priority);
	/* A migrated job's bill from earlier sites: shown when there is one. */
	if (c->carried_runtime_ns || c->carried_cpu_uj || c->carried_dram_uj ||
	    c->carried_gpu_uj || c->carried_cost_uunits) {
		out_num(ctl, "carried-runtime-ns", c->carried_runtime_ns,
			"carried: cpu %.3f s", c->carried_runtime_ns / 1e9);
		out_num(ctl, "carried-cpu-uj", c->carried_cpu_uj, "cpu %.3f J",
			c->carried_cpu_uj / 1e6);
		out_num(ctl, "carried-dram-uj", c->carried_dram_uj, "dram %.3f J",
			c->carried_dram_uj / 1e6);
		out_num(ctl, "carried-gpu-uj", c->carried_gpu_uj, "gpu %.3f J",
			c->carried_gpu_uj / 1e6);
		out_num(ctl, "carried-cost-uunits", c->carried_cost_uunits, "cost %.6f %s",
			c->carried_cost_uunits / 1e6, c->currency);
	}
	out_obj_end(ctl);
}

static int cgroup_cb(const struct pwrmig_cgroup *c, void *arg)
{
	cgroup_print(arg, c);
	return 0;
}

static int cgroup_show(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig_cgroup c;
	struct pwrmig *pw;
	uint64_t id;

	if (argc > 1) {
		fprintf(stderr, "Error: cgroup show takes at most one PATH or ID\n");
		return EXIT_USAGE;
	}
	if (argc == 1 && arg_cgroup(argv[0], &id))
		return EXIT_USAGE;
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	if (argc == 1) {
		if (pwrmig_cgroup_get(pw, id, &c))
			return ctl_error(ctl, "cgroup show");
		cgroup_print(ctl, &c);
	} else {
		out_list_begin(ctl);
		if (pwrmig_cgroup_dump(pw, cgroup_cb, ctl))
			return ctl_error(ctl, "cgroup show");
	}
	out_end(ctl);
	return EXIT_OK;
}

/* deadline T: UNIX seconds or ISO 8601, as forecast files take times. */
static int deadline_arg(const char *v, void *dest)
{
	struct pwrmig_policy *p = dest;

	if (!time_parse(v, &p->deadline))
		return 0;
	fprintf(stderr, "Error: deadline '%s' is not UNIX seconds or "
		"YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]\n", v);
	return -1;
}

#define POLICY	struct pwrmig_policy
static const struct ctl_arg policy_args[] = {
	{ .name = "deferrable", .kind = CTL_ARG_ONOFF, CTL_FIELD(POLICY, deferrable), CTL_NO_HAS },
	{ .name = "migratable", .kind = CTL_ARG_ONOFF, CTL_FIELD(POLICY, migratable), CTL_NO_HAS },
	{ .name = "deadline", .kind = CTL_ARG_FN, .fn = deadline_arg,
	  CTL_HAS(POLICY, has_deadline) },
	{ .name = "priority", .kind = CTL_ARG_U32, CTL_FIELD(POLICY, priority),
	  CTL_HAS(POLICY, has_priority) },
};

static int cgroup_set(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig_policy p = { .deferrable = -1, .migratable = -1 };
	struct pwrmig_cgroup c;
	struct pwrmig *pw;
	uint64_t id;

	if (argc < 3) {
		fprintf(stderr, "Error: cgroup set needs PATH|ID and at least one setting\n");
		return EXIT_USAGE;
	}
	if (arg_cgroup(argv[0], &id) ||
	    ctl_args(policy_args, sizeof(policy_args) / sizeof(policy_args[0]),
		     argc - 1, argv + 1, &p, NULL))
		return EXIT_USAGE;
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	if (pwrmig_cgroup_policy_set(pw, id, &p, &c))
		return ctl_error(ctl, "cgroup set");
	cgroup_print(ctl, &c);
	out_end(ctl);
	return EXIT_OK;
}

/* ---- top: the ledger's rates between two dumps ---------------------------- */

struct snap {
	struct pwrmig_cgroup *c;
	size_t n, cap;
};

struct rate {
	const struct pwrmig_cgroup *c;
	uint64_t cpu_mw, dram_mw, gpu_mw, power_mw;
	uint64_t cost_per_hour;		/* micro-units */
};

static volatile sig_atomic_t top_stop;

static void top_signal(int sig)
{
	top_stop = 1;
}

static int snap_cb(const struct pwrmig_cgroup *c, void *arg)
{
	struct snap *s = arg;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		void *p = realloc(s->c, cap * sizeof(*s->c));

		if (!p)
			return -1;
		s->c = p;
		s->cap = cap;
	}
	s->c[s->n++] = *c;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct pwrmig_cgroup *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int top_sort_cost;

static int by_rate(const void *a, const void *b)
{
	const struct rate *x = a, *y = b;
	uint64_t u = top_sort_cost ? x->cost_per_hour : x->power_mw;
	uint64_t v = top_sort_cost ? y->cost_per_hour : y->power_mw;

	if (u != v)
		return u > v ? -1 : 1;
	return x->c->id < y->c->id ? -1 : x->c->id > y->c->id;
}

/* DELTA (micro-units) over US microseconds, per SCALE microseconds. */
static uint64_t per(uint64_t delta, uint64_t us, uint64_t scale)
{
	return us ? (uint64_t)((long double)delta * scale / us) : 0;
}

static uint64_t since(uint64_t now, uint64_t before)
{
	return now > before ? now - before : 0;
}

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static void top_show(struct ctl *ctl, const struct snap *prev, const struct snap *cur,
		     uint64_t us, size_t limit, int tty)
{
	struct pwrmig_cgroup zero = { 0 };
	struct rate *r = calloc(cur->n ? cur->n : 1, sizeof(*r));
	uint64_t total_mw = 0;
	char when[16];
	time_t now = time(NULL);
	size_t i, n;

	if (!r)
		return;
	for (i = 0; i < cur->n; i++) {
		const struct pwrmig_cgroup *c = &cur->c[i];
		const struct pwrmig_cgroup *p = bsearch(c, prev->c, prev->n, sizeof(*c), by_id);

		if (!p)
			p = &zero;
		r[i].c = c;
		/* uJ per us is W; times 1000 for mW. */
		r[i].cpu_mw = per(since(c->cpu_uj, p->cpu_uj), us, 1000);
		r[i].dram_mw = per(since(c->dram_uj, p->dram_uj), us, 1000);
		r[i].gpu_mw = per(since(c->gpu_uj, p->gpu_uj), us, 1000);
		r[i].power_mw = r[i].cpu_mw + r[i].dram_mw + r[i].gpu_mw;
		r[i].cost_per_hour = per(since(c->cost_uunits, p->cost_uunits), us,
					 3600000000ULL);
		total_mw += r[i].power_mw;
	}
	qsort(r, cur->n, sizeof(*r), by_rate);
	n = limit && limit < cur->n ? limit : cur->n;

	if (!ctl->json) {
		strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
		if (tty)
			fputs("\033[H\033[J", stdout);
		printf("pwrmig top  %s  every %.1f s  %zu cgroups  %.3f W  sorted by %s\n",
		       when, us / 1e6, cur->n, total_mw / 1e3, top_sort_cost ? "cost" : "power");
		printf("%-8s  %-24s  %10s  %10s  %10s  %10s  %14s  %s\n", "ID", "PATH",
		       "POWER", "CPU", "DRAM", "GPU", "COST/h", "COST");
	}
	out_list_begin(ctl);
	for (i = 0; i < n; i++) {
		const struct pwrmig_cgroup *c = r[i].c;

		out_obj_begin(ctl);
		out_num(ctl, "id", c->id, "%-8llu", (unsigned long long)c->id);
		out_str(ctl, "path", c->path, "%-24s", c->path[0] ? c->path : "(gone)");
		out_num(ctl, "power-mw", r[i].power_mw, "%8.3f W", r[i].power_mw / 1e3);
		out_num(ctl, "cpu-mw", r[i].cpu_mw, "%8.3f W", r[i].cpu_mw / 1e3);
		out_num(ctl, "dram-mw", r[i].dram_mw, "%8.3f W", r[i].dram_mw / 1e3);
		out_num(ctl, "gpu-mw", r[i].gpu_mw, "%8.3f W", r[i].gpu_mw / 1e3);
		out_num(ctl, "cost-uunits-per-hour", r[i].cost_per_hour, "%10.6f %-3s",
			r[i].cost_per_hour / 1e6, c->currency);
		out_num(ctl, "cost-uunits", c->cost_uunits, "%.6f %s", c->cost_uunits / 1e6,
			c->currency);
		out_str(ctl, "currency", c->currency, NULL);
		out_obj_end(ctl);
	}
	out_end(ctl);
	if (!ctl->json && !tty)
		putchar('\n');
	fflush(stdout);
	free(r);
}

static int top_take(struct ctl *ctl, struct pwrmig *pw, struct snap *s)
{
	s->n = 0;
	if (pwrmig_cgroup_dump(pw, snap_cb, s))
		return ctl_error(ctl, "cgroup top");
	qsort(s->c, s->n, sizeof(*s->c), by_id);
	return 0;
}

/* cgroup top's arguments. */
struct top_opts {
	uint64_t interval_ms, count, limit;
	int have_limit;
};

static int sort_arg(const char *v, void *dest)
{
	if (!strcmp(v, "cost") || !strcmp(v, "power")) {
		top_sort_cost = !strcmp(v, "cost");
		return 0;
	}
	fprintf(stderr, "Error: sort '%s' is not power or cost\n", v);
	return -1;
}

static int interval_arg(const char *v, void *dest)
{
	struct top_opts *o = dest;

	if (arg_fixed("interval (s)", v, 3, 3600, &o->interval_ms))
		return -1;
	if (o->interval_ms >= 100)
		return 0;
	fprintf(stderr, "Error: interval '%s' is below 0.1 s\n", v);
	return -1;
}

static int limit_arg(const char *v, void *dest)
{
	struct top_opts *o = dest;

	o->have_limit = 1;
	o->limit = 0;
	return strcmp(v, "all") ? arg_u64("limit", v, &o->limit) : 0;
}

static const struct ctl_arg top_args[] = {
	{ .name = "sort", .kind = CTL_ARG_FN, .fn = sort_arg, CTL_NO_HAS },
	{ .name = "interval", .kind = CTL_ARG_FN, .fn = interval_arg, CTL_NO_HAS },
	{ .name = "count", .kind = CTL_ARG_U64, CTL_FIELD(struct top_opts, count), CTL_NO_HAS },
	{ .name = "limit", .kind = CTL_ARG_FN, .fn = limit_arg, CTL_NO_HAS },
};

static int cgroup_top(struct ctl *ctl, int argc, char **argv)
{
	struct snap a = { 0 }, b = { 0 }, *prev = &a, *cur = &b, *t;
	uint64_t interval_ms, count, limit, t0, t1, shown = 0;
	struct top_opts o = { .interval_ms = 1000 };
	int tty = isatty(STDOUT_FILENO) && !ctl->json, rc = EXIT_OK, have_limit;
	struct timespec ts;
	struct winsize ws;
	struct pwrmig *pw;

	top_sort_cost = 0;
	if (ctl_args(top_args, sizeof(top_args) / sizeof(top_args[0]), argc, argv, &o,
		     " (sort, interval, count, limit)"))
		return EXIT_USAGE;
	interval_ms = o.interval_ms;
	count = o.count;
	limit = o.limit;
	have_limit = o.have_limit;
	/* On a terminal, as many rows as fit. */
	if (!have_limit && tty && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row > 4)
		limit = ws.ws_row - 3;
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	signal(SIGINT, top_signal);
	signal(SIGTERM, top_signal);
	t0 = mono_us();
	if (top_take(ctl, pw, prev))
		return EXIT_FAIL;
	while (!top_stop && (!count || shown < count)) {
		ts.tv_sec = interval_ms / 1000;
		ts.tv_nsec = interval_ms % 1000 * 1000000;
		if (nanosleep(&ts, NULL) && top_stop)
			break;
		t1 = mono_us();
		if (top_take(ctl, pw, cur)) {
			rc = EXIT_FAIL;
			break;
		}
		top_show(ctl, prev, cur, t1 - t0, limit, tty);
		shown++;
		t = prev;
		prev = cur;
		cur = t;
		t0 = t1;
	}
	free(a.c);
	free(b.c);
	return rc;
}

static const struct ctl_cmd cgroup_cmds[] = {
	{ "show", cgroup_show, "show [PATH|ID]" },
	{ "top", cgroup_top, "top [sort power|cost] [interval SECS] [count N] [limit K|all]" },
	{ "set", cgroup_set, "set PATH|ID [deferrable on|off] [migratable on|off] [deadline T] [priority N]" },
};

int cmd_cgroup(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "cgroup", cgroup_cmds,
			    sizeof(cgroup_cmds) / sizeof(cgroup_cmds[0]), argc, argv);
}
