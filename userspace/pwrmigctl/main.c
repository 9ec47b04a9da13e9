// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl: the SRE's tool for the pwrmig kernel ledger.
 *
 *   pwrmigctl [OPTIONS] OBJECT [COMMAND] [ARGS]
 *
 * Objects are matched by unique prefix, as in ip(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "famsock.h"
#include "pwrmigctl.h"

static const struct ctl_cmd objects[] = {
	{ "info", cmd_info, "show the module's version, meter and CPUs" },
	{ "cgroup", cmd_cgroup, "show | set: per-cgroup energy, cost and policy" },
	{ "site", cmd_site, "show | set | del: sites, prices, PUE" },
	{ "price", cmd_price, "set: a site's current price" },
	{ "meter", cmd_meter, "show | set: the energy meter and its totals" },
	{ "migrate", cmd_migrate, "start | show | wait | cancel: migration requests" },
	{ "monitor", cmd_monitor, "[telemetry|migrate|all]: events as they happen" },
	{ "capture", cmd_capture, "-w FILE | -r FILE: record or decode a pcap audit trail" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: pwrmigctl [OPTIONS] OBJECT [COMMAND] [ARGS]\n"
		"Options:\n"
		"  -j, --json      JSON output (raw integers)\n"
		"  -p, --pretty    indent JSON output\n"
		"  -N, --numeric   raw integers in text output too, no units\n"
		"  -n, --netns NAME  run in network namespace NAME (/run/netns/NAME, as ip -n)\n"
		"  -v, --verbose   dump netlink messages on stderr\n"
		"  -V, --version   print pwrmigctl's version\n"
		"  -h, --help      this text\n"
		"Objects:\n");
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		fprintf(f, "  %-14s  %s\n", objects[i].name, objects[i].help);
	fprintf(f, "Exit status: 0 success, 1 the module refused or is absent (or a\n"
		   "waited-for migration did not finish as done), 2 usage.\n");
}

struct pwrmig *ctl_pw(struct ctl *ctl)
{
	struct pwrmig_open_opts opts = {
		.sz = sizeof(opts),
		.api_version = PWRMIG_API_VERSION,
	};

	if (ctl->pw)
		return ctl->pw;
	ctl->pw = pwrmig_open_opts(&opts);
	if (!ctl->pw) {
		if (errno == ENOENT)
			fprintf(stderr, "Error: the pwrmig module is not loaded (modprobe pwrmig) "
				"and pwrmigd does not serve its family on %s\n",
				getenv(PWRMIG_FAMSOCK_ENV) ?: PWRMIG_FAMSOCK_PATH);
		else
			fprintf(stderr, "Error: cannot open generic netlink: %s\n",
				strerror(errno));
		return NULL;
	}
	pwrmig_set_debug(ctl->pw, ctl->verbose);
	return ctl->pw;
}

int ctl_error(struct ctl *ctl, const char *what)
{
	const struct pwrmig_error *e = pwrmig_last_error(ctl->pw);

	/*
	 * The module explains refusals, but 6.1 drops the message of a
	 * refused dump: every refusal for want of privilege is this one.
	 */
	if (e->error == -EPERM && !e->has_msg)
		fprintf(stderr, "Error: %s: not permitted: reading per-cgroup energy or changing the ledger needs %s\n",
			what, strcmp(pwrmig_backend(ctl->pw), "pwrmigd") ? "CAP_NET_ADMIN" :
			"root (pwrmigd serves the family here)");
	else
		fprintf(stderr, "Error: %s: %s\n", what, pwrmig_errmsg(ctl->pw));
	return EXIT_FAIL;
}

/*
 * NAME in T, by unique prefix; NULL, with an error naming WHAT (and the
 * candidates of an ambiguous prefix) and how to list them (TRY).
 */
static const struct ctl_cmd *lookup(const struct ctl_cmd *t, size_t n, const char *name,
				    const char *what, const char *try)
{
	const struct ctl_cmd *found = NULL;
	size_t i, len = strlen(name);
	int many = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
		if (len && strncmp(t[i].name, name, len) == 0) {
			if (found)
				many = 1;
			else
				found = &t[i];
		}
	}
	if (found && !many)
		return found;
	if (!found) {
		fprintf(stderr, "Error: unknown %s '%s' (try %s)\n", what, name, try);
		return NULL;
	}
	fprintf(stderr, "Error: %s '%s' is ambiguous:", what, name);
	for (i = 0; i < n; i++)
		if (strncmp(t[i].name, name, len) == 0)
			fprintf(stderr, " %s", t[i].name);
	fputc('\n', stderr);
	return NULL;
}

int ctl_dispatch(struct ctl *ctl, const char *obj, const struct ctl_cmd *cmds,
		 size_t n, int argc, char **argv)
{
	char what[64], try[64];
	const struct ctl_cmd *c;
	size_t i;

	if (argc < 1 || !strcmp(argv[0], "help")) {
		fprintf(argc < 1 ? stderr : stdout, "Usage: pwrmigctl %s COMMAND\n", obj);
		for (i = 0; i < n; i++)
			fprintf(argc < 1 ? stderr : stdout, "  %s %s\n", obj, cmds[i].help);
		return argc < 1 ? EXIT_USAGE : EXIT_OK;
	}
	snprintf(what, sizeof(what), "%s command", obj);
	snprintf(try, sizeof(try), "pwrmigctl %s help", obj);
	c = lookup(cmds, n, argv[0], what, try);
	if (!c)
		return EXIT_USAGE;
	/* "OBJ CMD help": that command's usage. */
	if (argc == 2 && !strcmp(argv[1], "help")) {
		printf("Usage: pwrmigctl %s %s\n", obj, c->help);
		return EXIT_OK;
	}
	return c->fn(ctl, argc - 1, argv + 1);
}

int arg_u64(const char *what, const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (!*s || *end || errno || *s == '-') {
		fprintf(stderr, "Error: %s '%s' is not a non-negative integer\n", what, s);
		return -1;
	}
	return 0;
}

/* "1.2195" with DECIMALS 6 -> 1219500; at most MAX_WHOLE. */
int arg_fixed(const char *what, const char *s, unsigned int decimals,
	      uint64_t max_whole, uint64_t *out)
{
	if (!fixed_parse(s, decimals, max_whole, out))
		return 0;
	fprintf(stderr, "Error: %s '%s' is not a number from 0 to %llu with at most "
		"%u decimals\n", what, s, (unsigned long long)max_whole, decimals);
	return -1;
}

int arg_price(const char *s, uint64_t *uunits)
{
	return arg_fixed("price per kWh", s, 6, 1000, uunits);
}

/* -n NAME: the named network namespace, as ip(8) names them. */
static int netns_enter(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		fprintf(stderr, "Error: network namespace name '%s' is not a name\n", name);
		return -1;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "Error: cannot enter network namespace '%s': %s\n", name,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "numeric", no_argument, NULL, 'N' },
		{ "netns", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { 0 };
	const struct ctl_cmd *cmd;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+jpNn:vVh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ctl.json = 1;
			break;
		case 'p':
			ctl.pretty = 1;
			break;
		case 'N':
			ctl.numeric = 1;
			break;
		case 'n':
			if (netns_enter(optarg))
				return EXIT_FAIL;
			break;
		case 'v':
			ctl.verbose = 1;
			break;
		case 'V':
			printf("pwrmigctl %s\n", PWRMIG_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	cmd = lookup(objects, sizeof(objects) / sizeof(objects[0]), argv[optind], "object",
		     "pwrmigctl help");
	if (!cmd)
		return EXIT_USAGE;

	rc = cmd->fn(&ctl, argc - optind - 1, argv + optind + 1);
	pwrmig_close(ctl.pw);
	return rc;
}
