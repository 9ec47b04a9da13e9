// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl cgroup: per-cgroup energy, cost and policy.
 *
 *   cgroup show [PATH|ID]
 *   cgroup set PATH|ID [deferrable on|off] [migratable on|off]
 *                      [deadline UNIXTIME] [priority N]
 */
#include <stdio.h>
#include <string.h>

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

static int on_off(const char *what, const char *s, int *v)
{
	if (!strcmp(s, "on") || !strcmp(s, "1") || !strcmp(s, "yes"))
		*v = 1;
	else if (!strcmp(s, "off") || !strcmp(s, "0") || !strcmp(s, "no"))
		*v = 0;
	else {
		fprintf(stderr, "Error: %s '%s' is not on or off\n", what, s);
		return -1;
	}
	return 0;
}

static int cgroup_set(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig_policy p = { .deferrable = -1, .migratable = -1 };
	struct pwrmig_cgroup c;
	struct pwrmig *pw;
	uint64_t id, v;
	int i;

	if (argc < 3) {
		fprintf(stderr, "Error: cgroup set needs PATH|ID and at least one setting\n");
		return EXIT_USAGE;
	}
	if (arg_cgroup(argv[0], &id))
		return EXIT_USAGE;
	for (i = 1; i < argc; i += 2) {
		if (i + 1 >= argc) {
			fprintf(stderr, "Error: '%s' needs a value\n", argv[i]);
			return EXIT_USAGE;
		}
		if (!strcmp(argv[i], "deferrable")) {
			if (on_off("deferrable", argv[i + 1], &p.deferrable))
				return EXIT_USAGE;
		} else if (!strcmp(argv[i], "migratable")) {
			if (on_off("migratable", argv[i + 1], &p.migratable))
				return EXIT_USAGE;
		} else if (!strcmp(argv[i], "deadline")) {
			if (arg_u64("deadline", argv[i + 1], &p.deadline))
				return EXIT_USAGE;
			p.has_deadline = 1;
		} else if (!strcmp(argv[i], "priority")) {
			if (arg_u64("priority", argv[i + 1], &v) || v > 0xffffffffULL)
				return EXIT_USAGE;
			p.priority = v;
			p.has_priority = 1;
		} else {
			fprintf(stderr, "Error: unknown argument '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	if (pwrmig_cgroup_policy_set(pw, id, &p, &c))
		return ctl_error(ctl, "cgroup set");
	cgroup_print(ctl, &c);
	out_end(ctl);
	return EXIT_OK;
}

static const struct ctl_cmd cgroup_cmds[] = {
	{ "show", cgroup_show, "show [PATH|ID]" },
	{ "set", cgroup_set, "set PATH|ID [deferrable on|off] [migratable on|off] [deadline T] [priority N]" },
};

int cmd_cgroup(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "cgroup", cgroup_cmds,
			    sizeof(cgroup_cmds) / sizeof(cgroup_cmds[0]), argc, argv);
}
