// SPDX-License-Identifier: GPL-2.0
/*
 * A bystander for tests that look at BPF programs: it loads and attaches
 * the same sched_switch collector as pwrmigd (same program name, same
 * hook), prints the ids of the programs it holds, one a line, then "ready",
 * and keeps them attached until it is killed or its stdin closes.  A test
 * that counts programs by name or hook instead of by owner breaks when
 * this runs beside it.
 *
 *   bpf_bystander < PIPE
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pwrmig_bpf.h"

/* Print the prog_id of every BPF fd of this process (programs and links). */
static int print_prog_ids(void)
{
	char path[300], line[128];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	dir = opendir("/proc/self/fdinfo");
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%s", d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned int id;

			if (sscanf(line, "prog_id: %u", &id) == 1) {
				printf("%u\n", id);
				n++;
			}
		}
		fclose(f);
	}
	closedir(dir);
	return n;
}

int main(void)
{
	struct pwrmig_sched *s;
	char c;
	int err;

	err = pwrmig_sched_open(&s, 0);
	if (err) {
		fprintf(stderr, "bpf_bystander: cannot load the collector: %s\n",
			strerror(-err));
		return 1;
	}
	if (print_prog_ids() <= 0) {
		fprintf(stderr, "bpf_bystander: holds no program fd\n");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (read(STDIN_FILENO, &c, 1) > 0)
		;
	pwrmig_sched_close(s);
	return 0;
}
