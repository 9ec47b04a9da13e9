// SPDX-License-Identifier: GPL-2.0
/*
 * Cgroup churn for the ledger: N short-lived cgroups, each charged.
 *
 *   cgroup_churn DIR N
 *
 * N times: mkdir DIR, move this process into it, run a little and sleep
 * (the switch away charges the new cgroup), move back to where it
 * started, rmdir DIR.  Each round is a new cgroup id.  Prints progress
 * to stderr every tenth of the way, and at the end how long it took.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Write "0" (this process) to PATH/cgroup.procs. */
static int enter(const char *path)
{
	char procs[4096];
	int fd, ok;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	fd = open(procs, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, "0", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

/* Where this process starts: its cgroup v2 directory. */
static int home(char *buf, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		found = snprintf(buf, len, "/sys/fs/cgroup%s", line + 3) < (int)len;
	}
	fclose(f);
	return found ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct timespec nap = { 0, 1000 };
	volatile unsigned long spin;
	unsigned long n, i, j;
	char start[4200];
	double t0;

	if (argc != 3 || !(n = strtoul(argv[2], NULL, 10))) {
		fprintf(stderr, "usage: cgroup_churn DIR N\n");
		return 2;
	}
	if (home(start, sizeof(start))) {
		fprintf(stderr, "cgroup_churn: no cgroup v2 line in /proc/self/cgroup\n");
		return 1;
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		if (mkdir(argv[1], 0755)) {
			fprintf(stderr, "cgroup_churn: round %lu: mkdir %s: %s\n",
				i, argv[1], strerror(errno));
			return 1;
		}
		if (enter(argv[1])) {
			fprintf(stderr, "cgroup_churn: round %lu: enter %s: %s\n",
				i, argv[1], strerror(errno));
			return 1;
		}
		for (j = 0, spin = 0; j < 2000; j++)
			spin += j;
		nanosleep(&nap, NULL);
		if (enter(start) || rmdir(argv[1])) {
			fprintf(stderr, "cgroup_churn: round %lu: leave %s: %s\n",
				i, argv[1], strerror(errno));
			return 1;
		}
		if (n >= 10 && (i + 1) % (n / 10) == 0)
			fprintf(stderr, "cgroup_churn: %lu of %lu, %.0f s\n",
				i + 1, n, now() - t0);
	}
	printf("%lu cgroups in %.1f s\n", n, now() - t0);
	return 0;
}
