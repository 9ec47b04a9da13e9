// SPDX-License-Identifier: GPL-2.0
/*
 * trainjob: a stand-in for a training job, for migration tests.
 *
 * It holds "weights" in memory, and each step changes one word in each of
 * PAGES pages chosen from the step number, so the set of dirty pages per
 * second is under the test's control.  After every step it appends
 *
 *	step N digest HEX
 *
 * to the progress file, where the digest is the XOR of every word of the
 * weights.  The whole state follows from the step number, so
 * `trainjob --expect N` recomputes the digest a job must show at step N:
 * a migrated job that resumed from its memory continues from the step
 * where it stopped with the right digest; one restarted from zero does not.
 *
 * With --pidns it runs as the init of a new PID namespace and its parent
 * exits at once, so a checkpoint of it can be restored beside the frozen
 * original on the same machine (the PIDs inside do not clash).
 *
 *   trainjob [--mem MIB] [--pages N] [--step-ms MS] [--steps N] [--pidns] PROGRESS
 *   trainjob --expect N [--mem MIB] [--pages N]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE_WORDS (4096 / sizeof(uint64_t))

struct job {
	uint64_t *w;
	size_t npages;
	unsigned int pages;	/* pages dirtied per step */
	uint64_t step;
	uint64_t digest;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static int job_init(struct job *j, size_t mib, unsigned int pages)
{
	size_t i, n = mib * 1024 * 1024 / sizeof(uint64_t);

	j->w = mmap(NULL, n * sizeof(uint64_t), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (j->w == MAP_FAILED)
		return -1;
	/*
	 * Small pages: with transparent huge pages one changed word would
	 * dirty 2 MiB, and the dirty rate would no longer be the test's.
	 */
	madvise(j->w, n * sizeof(uint64_t), MADV_NOHUGEPAGE);
	j->npages = n / PAGE_WORDS;
	j->pages = pages;
	j->step = 0;
	j->digest = 0;
	/* Touch every page so that the whole state is resident. */
	for (i = 0; i < n; i++) {
		j->w[i] = mix(i + 1);
		j->digest ^= j->w[i];
	}
	return 0;
}

static void job_step(struct job *j)
{
	unsigned int k;

	j->step++;
	for (k = 0; k < j->pages; k++) {
		uint64_t h = mix(j->step * 0x9e3779b97f4a7c15ULL + k);
		size_t idx = (h % j->npages) * PAGE_WORDS + (h >> 52) % PAGE_WORDS;
		uint64_t old = j->w[idx];

		j->w[idx] = mix(old ^ h);
		j->digest ^= old ^ j->w[idx];
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: trainjob [OPTIONS] PROGRESS-FILE\n"
		"       trainjob --expect N [--mem MIB] [--pages N]\n"
		"  --mem MIB      size of the weights (default 16)\n"
		"  --pages N      pages changed per step (default 16)\n"
		"  --step-ms MS   time between steps (default 100)\n"
		"  --steps N      stop after N steps (default: run until killed)\n"
		"  --pidns        run as init of a new PID namespace, print its PID\n"
		"                 and return at once\n"
		"  --expect N     print the digest a job must show at step N\n");
}

static int parse_u64(const char *opt, const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "trainjob: %s: '%s' is not a number\n", opt, s);
		return -1;
	}
	return 0;
}

/*
 * --pidns: go on as PID 1 of a new PID namespace, in a session of its
 * own; the parent prints the child's pid and exits.  -1 in the child,
 * else the parent's exit status.
 */
static int pid_ns_child(void)
{
	pid_t pid;

	if (unshare(CLONE_NEWPID)) {
		fprintf(stderr, "trainjob: new PID namespace: %s\n", strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "trainjob: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid) {
		printf("%d\n", pid);
		return 0;
	}
	setsid();
	return -1;
}

/* Step J every STEP_MS (STEPS times, 0: for ever), each step a line in LOG. */
static int train(struct job *j, const char *log, uint64_t step_ms, uint64_t steps)
{
	struct timespec pause_ts;
	char line[96];
	int fd, n;

	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "trainjob: %s: %s\n", log, strerror(errno));
		return 1;
	}
	/*
	 * Relative sleeps: a restored job's monotonic clock may differ from
	 * the one it was dumped with.
	 */
	pause_ts.tv_sec = step_ms / 1000;
	pause_ts.tv_nsec = step_ms % 1000 * 1000000L;
	while (!steps || j->step < steps) {
		job_step(j);
		n = snprintf(line, sizeof(line), "step %" PRIu64 " digest %016" PRIx64 "\n",
			     j->step, j->digest);
		if (write(fd, line, n) != n) {
			fprintf(stderr, "trainjob: %s: %s\n", log, strerror(errno));
			return 1;
		}
		nanosleep(&pause_ts, NULL);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "pages", required_argument, NULL, 'p' },
		{ "step-ms", required_argument, NULL, 's' },
		{ "steps", required_argument, NULL, 'n' },
		{ "expect", required_argument, NULL, 'e' },
		{ "pidns", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t mib = 16, pages = 16, step_ms = 100, steps = 0, expect = 0;
	int c, has_expect = 0, pidns = 0;
	struct job j;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (parse_u64("--mem", optarg, &mib))
				return 2;
			break;
		case 'p':
			if (parse_u64("--pages", optarg, &pages))
				return 2;
			break;
		case 's':
			if (parse_u64("--step-ms", optarg, &step_ms))
				return 2;
			break;
		case 'n':
			if (parse_u64("--steps", optarg, &steps))
				return 2;
			break;
		case 'e':
			if (parse_u64("--expect", optarg, &expect))
				return 2;
			has_expect = 1;
			break;
		case 'P':
			pidns = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!mib || mib > 65536 || !pages) {
		fprintf(stderr, "trainjob: --mem must be 1..65536 and --pages at least 1\n");
		return 2;
	}
	if (pidns && !has_expect && (c = pid_ns_child()) >= 0)
		return c;
	if (job_init(&j, mib, pages)) {
		fprintf(stderr, "trainjob: %" PRIu64 " MiB: %s\n", mib, strerror(errno));
		return 1;
	}
	if (has_expect) {
		while (j.step < expect)
			job_step(&j);
		printf("%016" PRIx64 "\n", j.digest);
		return 0;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	return train(&j, argv[optind], step_ms, steps);
}
