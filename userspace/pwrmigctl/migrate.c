// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl migrate: migration requests.
 *
 *   migrate start PATH|ID to SITE [live|cold] [timeout S]
 *   migrate show [ID]
 *   migrate cancel ID
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pwrmigctl.h"

static void migration_print(struct ctl *ctl, const struct pwrmig_migration *m)
{
	out_obj_begin(ctl);
	out_num(ctl, "id", m->id, "%-4u", m->id);
	out_num(ctl, "cgroup-id", m->cgroup_id, "cgroup %llu",
		(unsigned long long)m->cgroup_id);
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

static int migration_cb(const struct pwrmig_migration *m, void *arg)
{
	migration_print(arg, m);
	return 0;
}

static int migrate_start(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig_migration m;
	char requester[64];
	uint32_t mode = 0;
	uint64_t id, timeout = 0;
	struct pwrmig *pw;
	int i;

	if (argc < 3 || strcmp(argv[1], "to")) {
		fprintf(stderr, "Error: usage: migrate start PATH|ID to SITE [live|cold] [timeout S]\n");
		return EXIT_USAGE;
	}
	if (arg_cgroup(argv[0], &id))
		return EXIT_USAGE;
	for (i = 3; i < argc; i++) {
		if (pwrmig_migrate_mode_parse(argv[i])) {
			mode = pwrmig_migrate_mode_parse(argv[i]);
		} else if (!strcmp(argv[i], "timeout") && i + 1 < argc) {
			if (arg_u64("timeout", argv[++i], &timeout) || !timeout ||
			    timeout > 86400) {
				fprintf(stderr, "Error: timeout must be 1-86400 seconds\n");
				return EXIT_USAGE;
			}
		} else {
			fprintf(stderr, "Error: unknown argument '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	snprintf(requester, sizeof(requester), "pwrmigctl uid %u", getuid());
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	if (pwrmig_migrate_request(pw, id, argv[2], mode, requester, timeout, &m))
		return ctl_error(ctl, "migrate start");
	migration_print(ctl, &m);
	out_end(ctl);
	return EXIT_OK;
}

static int migrate_show(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig_migration m;
	struct pwrmig *pw;
	uint64_t id;

	if (argc > 1) {
		fprintf(stderr, "Error: migrate show takes at most one ID\n");
		return EXIT_USAGE;
	}
	if (argc == 1 && (arg_u64("id", argv[0], &id) || !id || id > 0xffffffffULL))
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

static int migrate_cancel(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig_migration m;
	struct pwrmig *pw;
	uint64_t id;

	if (argc != 1) {
		fprintf(stderr, "Error: migrate cancel needs exactly one ID\n");
		return EXIT_USAGE;
	}
	if (arg_u64("id", argv[0], &id) || !id || id > 0xffffffffULL)
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
	{ "start", migrate_start, "start PATH|ID to SITE [live|cold] [timeout S]" },
	{ "show", migrate_show, "show [ID]" },
	{ "cancel", migrate_cancel, "cancel ID" },
};

int cmd_migrate(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "migrate", migrate_cmds,
			    sizeof(migrate_cmds) / sizeof(migrate_cmds[0]), argc, argv);
}
