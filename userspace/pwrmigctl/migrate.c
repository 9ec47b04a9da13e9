// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl migrate: migration requests.
 *
 *   migrate start PATH|ID to SITE [live|cold] [timeout S] [wait]
 *   migrate show [ID]
 *   migrate wait ID
 *   migrate cancel ID
 *
 * wait follows the request to its end and exits 0 when it is done, 1 when
 * it failed, was cancelled or timed out: on a terminal one line per phase,
 * rewritten in place as the step's bytes rise; else a line per change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pwrmigctl.h"

static int final_state(uint32_t s)
{
	return s == PWRMIG_MIGRATE_STATE_DONE || s == PWRMIG_MIGRATE_STATE_FAILED ||
	       s == PWRMIG_MIGRATE_STATE_CANCELLED || s == PWRMIG_MIGRATE_STATE_TIMED_OUT;
}

/* The current step's rate (bytes/s) and time left (s, 0: unknown). */
struct step {
	uint64_t rate, eta, elapsed;
};

static struct step step_of(const struct pwrmig_migration *m)
{
	struct step s = { 0 };
	uint64_t end = final_state(m->state) ? m->updated : (uint64_t)time(NULL);

	if (m->phase_ms)
		s.rate = m->phase_bytes * 1000 / m->phase_ms;
	if (s.rate && m->phase_total > m->phase_bytes)
		s.eta = (m->phase_total - m->phase_bytes + s.rate - 1) / s.rate;
	s.elapsed = end > m->created ? end - m->created : 0;
	return s;
}

/* The step's figures: in JSON always, in text while bytes move. */
static void step_print(struct ctl *ctl, const struct pwrmig_migration *m)
{
	struct step s = step_of(m);

	if (ctl->json || (m->phase_bytes && !final_state(m->state))) {
		out_num(ctl, "phase-bytes", m->phase_bytes, m->phase_total ?
			"step %.1f/%.1f MiB" : "step %.1f MiB", m->phase_bytes / 1048576.0,
			m->phase_total / 1048576.0);
		out_num(ctl, "phase-total", m->phase_total, NULL);
		out_num(ctl, "phase-ms", m->phase_ms, NULL);
		out_num(ctl, "rate-bps", s.rate, "%.1f MiB/s", s.rate / 1048576.0);
		out_num(ctl, "eta-s", s.eta, s.eta ? "eta %llu s" : NULL,
			(unsigned long long)s.eta);
	}
	out_num(ctl, "elapsed-s", s.elapsed, m->state == PWRMIG_MIGRATE_STATE_RUNNING ?
		"elapsed %llu s" : NULL, (unsigned long long)s.elapsed);
}

void migration_print(struct ctl *ctl, const struct pwrmig_migration *m)
{
	out_obj_begin(ctl);
	out_num(ctl, "id", m->id, "%-4u", m->id);
	out_num(ctl, "cgroup-id", m->cgroup_id, "cgroup %llu",
		(unsigned long long)m->cgroup_id);
	out_str(ctl, "container", m->container, m->container[0] ? "container %s" : NULL,
		m->container);
	out_str(ctl, "site", m->site, "to %s", m->site);
	out_str(ctl, "mode", pwrmig_migrate_mode_str(m->mode), "%s",
		pwrmig_migrate_mode_str(m->mode));
	out_str(ctl, "state", pwrmig_migrate_state_str(m->state), "%s",
		pwrmig_migrate_state_str(m->state));
	if (m->phase)
		out_str(ctl, "phase", pwrmig_migrate_phase_str(m->phase), "phase %s",
			pwrmig_migrate_phase_str(m->phase));
	out_num(ctl, "bytes", m->bytes, "%.1f MiB", m->bytes / 1048576.0);
	out_num(ctl, "rounds", m->rounds, m->rounds ? "rounds %u" : NULL, m->rounds);
	out_num(ctl, "freeze-ms", m->freeze_ms, m->freeze_ms ? "frozen %u ms" : NULL,
		m->freeze_ms);
	step_print(ctl, m);
	if (m->error)
		out_num(ctl, "error", m->error, "error %u (%s)", m->error,
			m->error_msg[0] ? m->error_msg : strerror(m->error));
	out_str(ctl, "error-msg", m->error_msg, NULL);
	out_str(ctl, "requester", m->requester, m->requester[0] ? "by %s" : NULL,
		m->requester);
	out_num(ctl, "created", m->created, NULL);
	out_num(ctl, "updated", m->updated, NULL);
	out_num(ctl, "timeout-s", m->timeout_s, NULL);
	out_obj_end(ctl);
}

/*
 * Print request ID's changes until it ends.  FIRST, when given, is its
 * state as submitted, with the caller subscribed before submitting it, so
 * that a daemon's quick claim cannot hide the pending state.
 */
static int migrate_follow(struct ctl *ctl, struct pwrmig *pw, uint32_t id,
			  const struct pwrmig_migration *first)
{
	struct pwrmig_migration m, last = { 0 };
	int n, changed, live = !ctl->json && isatty(STDOUT_FILENO), open = 0;
	struct pwrmig_event ev;

	if (first) {
		m = *first;
	} else {
		if (pwrmig_subscribe(pw, PWRMIG_MCGRP_MIGRATE))
			return ctl_error(ctl, "migrate wait");
		if (pwrmig_migrate_get(pw, id, &m))
			return ctl_error(ctl, "migrate wait");
	}
	for (;;) {
		changed = m.state != last.state || m.phase != last.phase ||
			  m.bytes != last.bytes || m.rounds != last.rounds ||
			  m.phase_bytes != last.phase_bytes;
		/* A terminal: the line of a phase is rewritten while bytes rise. */
		if (changed && live && open && m.state == last.state && m.phase == last.phase &&
		    m.rounds == last.rounds)
			fputs("\r\033[K", stdout);
		else if (changed && open)
			putchar('\n');
		if (changed) {
			ctl->no_newline = live;
			migration_print(ctl, &m);
			ctl->no_newline = 0;
			out_end(ctl);
			open = live;
			last = m;
		}
		if (open && final_state(m.state)) {
			putchar('\n');
			fflush(stdout);
		}
		if (final_state(m.state))
			return m.state == PWRMIG_MIGRATE_STATE_DONE ? EXIT_OK : EXIT_FAIL;
		n = pwrmig_event_next(pw, 1000, &ev);
		if (n < 0)
			return ctl_error(ctl, "migrate wait");
		if (n && ev.cmd == PWRMIG_CMD_MIGRATE_NTF && ev.migration.id == id)
			m = ev.migration;
		else if (!n && pwrmig_migrate_get(pw, id, &m))	/* re-read now and then */
			return ctl_error(ctl, "migrate wait");
	}
}

/* The request id of "migrate CMD ID": exactly one, 1 to 2^32 - 1. */
static int arg_id(const char *cmd, int argc, char **argv, uint32_t *id)
{
	uint64_t v;

	if (argc != 1) {
		fprintf(stderr, "Error: migrate %s needs exactly one ID\n", cmd);
		return -1;
	}
	if (arg_u64("request id", argv[0], &v))
		return -1;
	if (!v || v > 0xffffffffULL) {
		fprintf(stderr, "Error: request id '%s' is not 1-4294967295\n", argv[0]);
		return -1;
	}
	*id = v;
	return 0;
}

static int migration_cb(const struct pwrmig_migration *m, void *arg)
{
	migration_print(arg, m);
	return 0;
}

/* migrate start's words after SITE. */
struct start_opts {
	uint32_t mode;
	uint64_t timeout;
	int wait;
};

static int mode_arg(const char *word, void *dest)
{
	((struct start_opts *)dest)->mode = pwrmig_migrate_mode_parse(word);
	return 0;
}

static int timeout_arg(const char *v, void *dest)
{
	struct start_opts *o = dest;

	char *end;

	o->timeout = strtoull(v, &end, 10);
	if (*v >= '0' && *v <= '9' && !*end && o->timeout && o->timeout <= 86400)
		return 0;
	fprintf(stderr, "Error: timeout '%s' is not 1-86400 seconds (how long the request "
		"may wait for a pwrmigd to claim it)\n", v);
	return -1;
}

static const struct ctl_arg start_args[] = {
	{ .name = "live", .kind = CTL_ARG_WORD, .fn = mode_arg, CTL_NO_HAS },
	{ .name = "cold", .kind = CTL_ARG_WORD, .fn = mode_arg, CTL_NO_HAS },
	{ .name = "wait", .kind = CTL_ARG_FLAG, CTL_FIELD(struct start_opts, wait), CTL_NO_HAS },
	{ .name = "timeout", .kind = CTL_ARG_FN, .fn = timeout_arg, CTL_NO_HAS },
};

static int migrate_start(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig_migrate_order o = { 0 };
	struct pwrmig_migration m;
	char requester[64], container[64];
	struct start_opts opt = { 0 };
	uint64_t id, timeout;
	struct pwrmig *pw;
	uint32_t mode;
	int wait;

	if (argc < 3 || strcmp(argv[1], "to")) {
		fprintf(stderr, "Error: usage: migrate start PATH|ID|CONTAINER to SITE "
			"[live|cold] [timeout S] [wait]\n");
		return EXIT_USAGE;
	}
	if (arg_workload(argv[0], &id, container, sizeof(container)) ||
	    ctl_args(start_args, sizeof(start_args) / sizeof(start_args[0]), argc - 3,
		     argv + 3, &opt, NULL))
		return EXIT_USAGE;
	mode = opt.mode;
	timeout = opt.timeout;
	wait = opt.wait;
	snprintf(requester, sizeof(requester), "pwrmigctl uid %u", getuid());
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	o.cgroup_id = id;
	o.site = argv[2];
	o.mode = mode;
	o.requester = requester;
	o.timeout_s = timeout;
	o.container = container[0] ? container : NULL;
	if (wait && pwrmig_subscribe(pw, PWRMIG_MCGRP_MIGRATE))
		return ctl_error(ctl, "migrate start");
	if (pwrmig_migrate_submit(pw, &o, &m))
		return ctl_error(ctl, "migrate start");
	if (wait)
		return migrate_follow(ctl, pw, m.id, &m);
	migration_print(ctl, &m);
	out_end(ctl);
	return EXIT_OK;
}

static int migrate_show(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig_migration m;
	struct pwrmig *pw;
	uint32_t id;

	if (argc > 1) {
		fprintf(stderr, "Error: migrate show takes at most one ID\n");
		return EXIT_USAGE;
	}
	if (argc == 1 && arg_id("show", argc, argv, &id))
		return EXIT_USAGE;
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	if (argc == 1) {
		if (pwrmig_migrate_get(pw, id, &m))
			return ctl_error(ctl, "migrate show");
		migration_print(ctl, &m);
	} else {
		out_list_begin(ctl);
		if (pwrmig_migrate_dump(pw, migration_cb, ctl))
			return ctl_error(ctl, "migrate show");
	}
	out_end(ctl);
	return EXIT_OK;
}

static int migrate_wait(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig *pw;
	uint32_t id;

	if (arg_id("wait", argc, argv, &id))
		return EXIT_USAGE;
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	return migrate_follow(ctl, pw, id, NULL);
}

static int migrate_cancel(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig_migration m;
	struct pwrmig *pw;
	uint32_t id;

	if (arg_id("cancel", argc, argv, &id))
		return EXIT_USAGE;
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	if (pwrmig_migrate_cancel(pw, id, &m))
		return ctl_error(ctl, "migrate cancel");
	migration_print(ctl, &m);
	out_end(ctl);
	return EXIT_OK;
}

static const struct ctl_cmd migrate_cmds[] = {
	{ "start", migrate_start, "start PATH|ID|CONTAINER to SITE [live|cold] [timeout S] [wait]" },
	{ "show", migrate_show, "show [ID]" },
	{ "wait", migrate_wait, "wait ID" },
	{ "cancel", migrate_cancel, "cancel ID" },
};

int cmd_migrate(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "migrate", migrate_cmds,
			    sizeof(migrate_cmds) / sizeof(migrate_cmds[0]), argc, argv);
}
