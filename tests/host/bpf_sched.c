// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF sched_switch collector on the host's kernel: CPU time charged
 * to a cgroup matches the kernel's own count (cpu.stat usage_usec), and a
 * full map sends time to the counted overflow bucket.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgtest.h"
#include "kselftest_harness.h"
#include "pwrmig_bpf.h"

static long long usage_usec(const char *dir)
{
	char path[600], key[64];
	long long v = -1, x;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cpu.stat", dir);
	f = fopen(path, "r");
	while (f && fscanf(f, "%63s %lld", key, &x) == 2)
		if (strcmp(key, "usage_usec") == 0)
			v = x;
	if (f)
		fclose(f);
	return v;
}

/* Run a child in cgroup DIR that burns MS of CPU time, then exits. */
static int burn_in(const char *dir, int ms)
{
	pid_t child = fork();
	int status;

	if (child < 0)
		return -errno;
	if (child == 0) {
		struct timespec t;

		if (join_cgroup(dir))
			_exit(2);
		do {
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
		} while (t.tv_sec * 1000 + t.tv_nsec / 1000000 < ms);
		_exit(0);
	}
	if (waitpid(child, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

struct find {
	uint64_t cgid;
	uint64_t runtime_ns;
	uint64_t switches;
	int entries;
};

static int find_cb(uint64_t cgid, uint64_t runtime_ns, uint64_t switches, void *arg)
{
	struct find *f = arg;

	f->entries++;
	if (cgid == f->cgid) {
		f->runtime_ns = runtime_ns;
		f->switches = switches;
	}
	return 0;
}

FIXTURE(sched) {
	struct cgtest t;
};

FIXTURE_SETUP(sched)
{
	int ret;

	if (geteuid() != 0)
		SKIP(return, "needs root to load eBPF and create cgroups");
	ret = cgtest_make(&self->t, "pwrmig-test");
	if (ret == -ENODEV)
		SKIP(return, "no cgroup2 mount");
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(sched)
{
	cgtest_remove(&self->t);
}

static void runtime_vs_cpu_stat(struct __test_metadata *_metadata,
				FIXTURE_DATA(sched) *self, const char *want_kind)
{
	struct pwrmig_sched *s;
	struct find f = { .cgid = self->t.cgid[0] };
	long long usage;
	double ratio;

	ASSERT_EQ(0, pwrmig_sched_open(&s, 0));
	TH_LOG("attached with %s", pwrmig_sched_attach_kind(s));
	ASSERT_STREQ(want_kind, pwrmig_sched_attach_kind(s));
	ASSERT_EQ(0, burn_in(self->t.cg[0], 400));
	usage = usage_usec(self->t.cg[0]);
	/*
	 * A CPU's pending time that moves to the hash while it is read shows
	 * at the next read (late, never twice): read until it is all there,
	 * for up to five seconds (a CPU crowded by other work switches late).
	 */
	for (int i = 0; i < 100; i++) {
		f.runtime_ns = f.switches = 0;
		ASSERT_EQ(0, pwrmig_sched_for_each(s, find_cb, &f));
		if (f.runtime_ns / 1000.0 >= 0.97 * usage)
			break;
		usleep(50000);
	}
	pwrmig_sched_close(s);

	ASSERT_GT(usage, 350000);
	ASSERT_GT(f.runtime_ns, 0);
	EXPECT_GE(f.switches, 1);
	ratio = f.runtime_ns / 1000.0 / usage;
	TH_LOG("eBPF %llu us, cpu.stat %lld us, ratio %.4f",
	       (unsigned long long)f.runtime_ns / 1000, usage, ratio);
	EXPECT_GT(ratio, 0.97);
	EXPECT_LT(ratio, 1.03);
}

TEST_F(sched, runtime_matches_cpu_stat)
{
	runtime_vs_cpu_stat(_metadata, self, "tp_btf");
}

/* The raw tracepoint fallback, forced, counts the same. */
TEST_F(sched, raw_tp_fallback_matches_cpu_stat)
{
	setenv("PWRMIG_BPF_RAW_TP", "1", 1);
	runtime_vs_cpu_stat(_metadata, self, "raw_tp");
	unsetenv("PWRMIG_BPF_RAW_TP");
}

TEST_F(sched, full_map_counts_overflow)
{
	struct pwrmig_sched_totals t;
	struct pwrmig_sched *s;
	struct find f = { .cgid = 0 };

	ASSERT_EQ(0, pwrmig_sched_open(&s, 1));
	ASSERT_EQ(0, burn_in(self->t.cg[0], 50));
	ASSERT_EQ(0, burn_in(self->t.cg[1], 50));
	ASSERT_EQ(0, pwrmig_sched_for_each(s, find_cb, &f));
	ASSERT_EQ(0, pwrmig_sched_totals(s, &t));
	pwrmig_sched_close(s);

	EXPECT_EQ(1, f.entries);
	/* At least one of the two 50 ms burners found no room. */
	EXPECT_GE(t.overflow_ns, 40 * 1000000ULL);
	EXPECT_GE(t.overflow_switches, 1);
}

TEST_HARNESS_MAIN
