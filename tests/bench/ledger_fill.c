// SPDX-License-Identifier: GPL-2.0
/*
 * Put N cgroups into the module's ledger for the dump benchmark: create
 * DIR/cg0..cgN-1 under the cgroup2 root and report 1 uJ of GPU energy for
 * each, which makes the ledger hold it.
 *
 *   ledger_fill N
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pwrmig.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0, i;
	struct pwrmig *pw;
	char path[128];
	struct stat st;

	if (n <= 0) {
		fprintf(stderr, "usage: ledger_fill N\n");
		return 2;
	}
	pw = pwrmig_open();
	if (!pw) {
		fprintf(stderr, "ledger_fill: %s\n", strerror(errno));
		return 1;
	}
	mkdir("/sys/fs/cgroup/pwrmig-bench", 0755);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/sys/fs/cgroup/pwrmig-bench/cg%ld", i);
		if ((mkdir(path, 0755) && errno != EEXIST) || stat(path, &st)) {
			perror(path);
			return 1;
		}
		if (pwrmig_energy_report(pw, st.st_ino, 0, 1)) {
			fprintf(stderr, "ledger_fill: %s\n", pwrmig_errmsg(pw));
			return 1;
		}
	}
	pwrmig_close(pw);
	return 0;
}
