// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl: the SRE's tool for the pwrmig kernel ledger.
 *
 *   pwrmigctl [OPTIONS] OBJECT [COMMAND] [ARGS]
 *
 * Objects are matched by unique prefix, as in ip(8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pwrmigctl.h"

static const struct ctl_cmd objects[] = {
	{ "info", cmd_info, "show the module's version, meter and CPUs" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: pwrmigctl [OPTIONS] OBJECT [COMMAND] [ARGS]\n"
		"Options:\n"
		"  -j, --json      JSON output (raw integers)\n"
		"  -p, --pretty    indent JSON output\n"
		"  -v, --verbose   dump netlink messages on stderr\n"
		"  -V, --version   print pwrmigctl's version\n"
		"  -h, --help      this text\n"
		"Objects:\n");
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		fprintf(f, "  %-14s  %s\n", objects[i].name, objects[i].help);
	fprintf(f, "Exit status: 0 success, 1 the module refused or is absent, 2 usage.\n");
}

struct pwrmig *ctl_pw(struct ctl *ctl)
{
	if (ctl->pw)
		return ctl->pw;
	ctl->pw = pwrmig_open();
	if (!ctl->pw) {
		if (errno == ENOENT)
			fprintf(stderr, "Error: the pwrmig module is not loaded (modprobe pwrmig)\n");
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
	fprintf(stderr, "Error: %s: %s\n", what, pwrmig_errmsg(ctl->pw));
	return EXIT_FAIL;
}

static const struct ctl_cmd *lookup(const char *name)
{
	const struct ctl_cmd *found = NULL;
	size_t i, len = strlen(name);

	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		if (strcmp(objects[i].name, name) == 0)
			return &objects[i];
		if (strncmp(objects[i].name, name, len) == 0) {
			if (found)
				return NULL;	/* ambiguous */
			found = &objects[i];
		}
	}
	return found;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { 0 };
	const struct ctl_cmd *cmd;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+jpvVh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ctl.json = 1;
			break;
		case 'p':
			ctl.pretty = 1;
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
	cmd = lookup(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "Error: unknown object '%s' (try pwrmigctl -h)\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	rc = cmd->fn(&ctl, argc - optind - 1, argv + optind + 1);
	pwrmig_close(ctl.pw);
	return rc;
}
