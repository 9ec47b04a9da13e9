// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of one energy split (common/attrib.c, the arithmetic the module's
 * sampler and pwrmigd's eBPF ledger share) over N shares, the cgroups
 * that ran on a package in one sample plus idle and other.  Runtimes and
 * energy of a busy 100 ms sample; carries kept from split to split as the
 * ledger keeps them.
 *
 *   split [N...]      default: 1024 4096 16384
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "attrib.h"

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned long long next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static const unsigned int dflt[] = { 1024, 4096, 16384 };
	unsigned int i, k, r, n, nsizes = argc > 1 ? argc - 1 : 3;
	enum { RUNS = 101 };
	double t[RUNS];

	for (k = 0; k < nsizes; k++) {
		struct pwrmig_share *s;

		n = argc > 1 ? strtoul(argv[k + 1], NULL, 0) : dflt[k];
		s = calloc(n, sizeof(*s));
		if (!n || !s) {
			fprintf(stderr, "split: bad size '%s'\n", argv[k + 1]);
			return 2;
		}
		for (r = 0; r < RUNS; r++) {
			unsigned long long total = 1000000 + next_rand() % 100000000;
			double t0;

			for (i = 0; i < n; i++)
				s[i].weight = next_rand() % 100000000;
			t0 = now_us();
			pwrmig_split(total, s, n);
			t[r] = now_us() - t0;
		}
		qsort(t, RUNS, sizeof(t[0]), cmp_double);
		printf("split over %5u shares: median %8.1f us, max %8.1f us (%d splits)\n",
		       n, t[RUNS / 2], t[RUNS - 1], RUNS);
		free(s);
	}
	return 0;
}
