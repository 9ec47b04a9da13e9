// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF GPU device-use counter on the host's kernel, pointed at the
 * mem devices (major 1: /dev/null 1:3, /dev/zero 1:5) instead of GPUs:
 * the opens and ioctls of a child in each of two cgroups are counted
 * exactly, per cgroup and device, failing ioctls included; a device whose
 * major is not in the set is not counted; reads give deltas; and a full
 * map sends what does not fit to the counted overflow bucket.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgtest.h"
#include "kselftest_harness.h"
#include "pwrmig_bpf.h"

#define MEM_MAJOR	1
#define NULL_MINOR	3
#define ZERO_MINOR	5

/* What a child does: opens of and ioctls on each device. */
struct work {
	int null_opens, null_ioctls;
	int zero_opens, zero_ioctls;
	int ptmx_opens, ptmx_ioctls;	/* major 5: never in the set here */
};

/*
 * N ioctls on FD, all through security_file_ioctl(): FIONREAD and TCGETS
 * fail with ENOTTY on the mem devices (the driver has no ioctls), FIOCLEX
 * succeeds in the VFS before any driver.  On /dev/ptmx TCGETS succeeds.
 * Returns 0 when each failed or succeeded as expected.
 */
static int ioctls(int fd, int n, int tty)
{
	char tio[256];	/* more than any struct termios */
	int i, v, r;

	for (i = 0; i < n; i++) {
		switch (i % 3) {
		case 0:
			r = ioctl(fd, FIONREAD, &v);
			if (!tty && (r != -1 || errno != ENOTTY))
				return -1;
			break;
		case 1:
			r = ioctl(fd, TCGETS, tio);
			if (tty ? r != 0 : (r != -1 || errno != ENOTTY))
				return -1;
			break;
		default:
			if (ioctl(fd, FIOCLEX) != 0)
				return -1;
		}
	}
	return 0;
}

/* Open PATH N times; the first descriptor gets NIOCTL ioctls. */
static int use(const char *path, int n, int nioctl, int tty)
{
	int i, fd, ret = 0;

	for (i = 0; i < n && !ret; i++) {
		fd = open(path, O_RDWR | O_NOCTTY);
		if (fd < 0)
			return -1;
		if (i == 0)
			ret = ioctls(fd, nioctl, tty);
		close(fd);
	}
	return ret;
}

/* Run a child in cgroup DIR that does W, then exits. */
static int run_in(const char *dir, const struct work *w)
{
	pid_t child = fork();
	int status;

	if (child < 0)
		return -errno;
	if (child == 0) {
		if (join_cgroup(dir))
			_exit(2);
		if (use("/dev/null", w->null_opens, w->null_ioctls, 0))
			_exit(3);
		if (use("/dev/zero", w->zero_opens, w->zero_ioctls, 0))
			_exit(4);
		if (use("/dev/ptmx", w->ptmx_opens, w->ptmx_ioctls, 1))
			_exit(5);
		_exit(0);
	}
	if (waitpid(child, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}

#define MAX_SEEN	16

/* What one read reported for the test's cgroups, and how much else. */
struct seen {
	uint64_t cgid[2];
	struct pwrmig_gpu_use use[MAX_SEEN];
	int n;
	int others;	/* pairs of other cgroups (the rest of the host) */
};

static int seen_cb(const struct pwrmig_gpu_use *u, void *arg)
{
	struct seen *s = arg;

	if (u->cgid != s->cgid[0] && u->cgid != s->cgid[1]) {
		s->others++;
		return 0;
	}
	if (s->n < MAX_SEEN)
		s->use[s->n] = *u;
	s->n++;
	return 0;
}

static const struct pwrmig_gpu_use *find(const struct seen *s, uint64_t cgid,
					 unsigned int major, unsigned int minor)
{
	int i;

	for (i = 0; i < s->n && i < MAX_SEEN; i++)
		if (s->use[i].cgid == cgid && s->use[i].major == major &&
		    s->use[i].minor == minor)
			return &s->use[i];
	return NULL;
}

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

FIXTURE(gpu) {
	struct cgtest t;
};

FIXTURE_SETUP(gpu)
{
	int ret;

	if (geteuid() != 0)
		SKIP(return, "needs root to load eBPF and create cgroups");
	ret = cgtest_make(&self->t, "pwrmig-gputest");
	if (ret == -ENODEV)
		SKIP(return, "no cgroup2 mount");
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(gpu)
{
	cgtest_remove(&self->t);
}

static const unsigned int mem_major[] = { MEM_MAJOR };

/*
 * The children's opens and ioctls, counted exactly per cgroup and device,
 * with hook FORCE (NULL: the one the loader picks; a forced one this
 * kernel cannot attach is a skip that says why, unless
 * PWRMIG_TEST_ALL_HOOKS is set).
 */
static void counts_exactly(struct __test_metadata *_metadata, FIXTURE_DATA(gpu) *self,
			   const char *force)
{
	const struct pwrmig_gpu_opts o = { .majors = mem_major, .nmajors = 1 };
	const struct work w0 = {
		.null_opens = 2, .null_ioctls = 5,
		.zero_opens = 1, .zero_ioctls = 2,
		.ptmx_opens = 1, .ptmx_ioctls = 3,
	};
	const struct work w1 = { .null_opens = 1, .null_ioctls = 9 };
	const struct work w1_again = { .null_opens = 3, .null_ioctls = 4 };
	struct seen s = { .cgid = { self->t.cgid[0], self->t.cgid[1] } };
	const struct pwrmig_gpu_use *u;
	struct pwrmig_gpu *g;
	uint64_t t0, t1;
	char err[768] = "";
	int ret;

	if (force)
		setenv("PWRMIG_BPF_GPU_HOOK", force, 1);
	ret = pwrmig_gpu_open(&g, &o, err, sizeof(err));
	unsetenv("PWRMIG_BPF_GPU_HOOK");
	/* Where every hook must work (the guest kernels), not a skip. */
	if (ret && force && !getenv("PWRMIG_TEST_ALL_HOOKS"))
		SKIP(return, "%s", err);
	ASSERT_EQ(0, ret) TH_LOG("%s", err);
	TH_LOG("attached with %s%s%s", pwrmig_gpu_attach_kind(g),
	       *pwrmig_gpu_fallback_why(g) ? "; passed over: " : "",
	       pwrmig_gpu_fallback_why(g));
	if (force)
		ASSERT_STREQ(force, pwrmig_gpu_attach_kind(g));

	t0 = mono_ns();
	ASSERT_EQ(0, run_in(self->t.cg[0], &w0));
	ASSERT_EQ(0, run_in(self->t.cg[1], &w1));
	t1 = mono_ns();
	ASSERT_EQ(0, pwrmig_gpu_read(g, seen_cb, &s));

	/* cgroup 0: /dev/null and /dev/zero apart; /dev/ptmx (5:2) not at all. */
	EXPECT_EQ(3, s.n);
	u = find(&s, self->t.cgid[0], MEM_MAJOR, NULL_MINOR);
	ASSERT_NE(NULL, u);
	EXPECT_EQ(2, u->opens);
	EXPECT_EQ(5, u->ioctls);
	EXPECT_GE(u->last_ioctl_ns, t0);
	EXPECT_LE(u->last_ioctl_ns, t1);
	u = find(&s, self->t.cgid[0], MEM_MAJOR, ZERO_MINOR);
	ASSERT_NE(NULL, u);
	EXPECT_EQ(1, u->opens);
	EXPECT_EQ(2, u->ioctls);
	/* cgroup 1: its own counts, nothing of cgroup 0's. */
	u = find(&s, self->t.cgid[1], MEM_MAJOR, NULL_MINOR);
	ASSERT_NE(NULL, u);
	EXPECT_EQ(1, u->opens);
	EXPECT_EQ(9, u->ioctls);

	/* Deltas: nothing new is nothing reported ... */
	s.n = 0;
	ASSERT_EQ(0, pwrmig_gpu_read(g, seen_cb, &s));
	EXPECT_EQ(0, s.n);
	/* ... and that read removed the idle pairs: new use starts afresh. */
	ASSERT_EQ(0, run_in(self->t.cg[1], &w1_again));
	ASSERT_EQ(0, pwrmig_gpu_read(g, seen_cb, &s));
	EXPECT_EQ(1, s.n);
	u = find(&s, self->t.cgid[1], MEM_MAJOR, NULL_MINOR);
	ASSERT_NE(NULL, u);
	EXPECT_EQ(3, u->opens);
	EXPECT_EQ(4, u->ioctls);
	pwrmig_gpu_close(g);
}

TEST_F(gpu, counts_per_cgroup_and_device)
{
	counts_exactly(_metadata, self, NULL);
}

/* Each way in, forced, counts the same where this kernel lets it attach. */
TEST_F(gpu, counts_with_fentry)
{
	counts_exactly(_metadata, self, "fentry");
}

TEST_F(gpu, counts_with_kprobe)
{
	counts_exactly(_metadata, self, "kprobe");
}

TEST_F(gpu, counts_with_syscall_tp)
{
	counts_exactly(_metadata, self, "syscall_tp");
}

/* With the default set (NVIDIA 195, DRM 226) the mem devices are not counted. */
TEST_F(gpu, default_majors_skip_other_devices)
{
	const struct work w = { .null_opens = 2, .null_ioctls = 4, .zero_opens = 1 };
	struct seen s = { .cgid = { self->t.cgid[0], self->t.cgid[1] } };
	struct pwrmig_gpu *g;
	char err[768] = "";

	ASSERT_EQ(0, pwrmig_gpu_open(&g, NULL, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, run_in(self->t.cg[0], &w));
	ASSERT_EQ(0, pwrmig_gpu_read(g, seen_cb, &s));
	pwrmig_gpu_close(g);
	EXPECT_EQ(0, s.n);
}

TEST_F(gpu, full_map_counts_overflow)
{
	const struct pwrmig_gpu_opts o = {
		.majors = mem_major, .nmajors = 1, .max_entries = 1,
	};
	const struct work w0 = { .null_opens = 2, .null_ioctls = 3 };
	const struct work w1 = { .null_opens = 4, .null_ioctls = 7 };
	struct seen s = { .cgid = { self->t.cgid[0], self->t.cgid[1] } };
	struct pwrmig_gpu_totals t;
	uint64_t opens = 0, ioctls = 0;
	struct pwrmig_gpu *g;
	char err[768] = "";
	int i;

	ASSERT_EQ(0, pwrmig_gpu_open(&g, &o, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, run_in(self->t.cg[0], &w0));
	ASSERT_EQ(0, run_in(self->t.cg[1], &w1));
	ASSERT_EQ(0, pwrmig_gpu_read(g, seen_cb, &s));
	ASSERT_EQ(0, pwrmig_gpu_totals(g, &t));
	pwrmig_gpu_close(g);

	/*
	 * One slot: at most one pair is in the map (another cgroup of the
	 * host may have taken it); what is not there is in the overflow.
	 */
	EXPECT_LE(s.n + s.others, 1);
	for (i = 0; i < s.n && i < MAX_SEEN; i++) {
		opens += s.use[i].opens;
		ioctls += s.use[i].ioctls;
	}
	TH_LOG("in the map: %llu opens, %llu ioctls; overflow %llu opens, %llu ioctls",
	       (unsigned long long)opens, (unsigned long long)ioctls,
	       (unsigned long long)t.overflow_opens, (unsigned long long)t.overflow_ioctls);
	ASSERT_LT(opens, 6);
	EXPECT_GE(t.overflow_opens, 6 - opens);
	EXPECT_GE(t.overflow_ioctls, 10 - ioctls);
}

TEST(bad_majors_refused)
{
	const unsigned int many[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	const unsigned int big[] = { 4096 };
	struct pwrmig_gpu_opts o = { .majors = many, .nmajors = 9 };
	struct pwrmig_gpu *g;
	char err[256] = "";

	EXPECT_EQ(-EINVAL, pwrmig_gpu_open(&g, &o, err, sizeof(err)));
	EXPECT_STREQ("gpu eBPF: 9 device majors given, want 1 to 8", err);
	o.majors = big;
	o.nmajors = 1;
	EXPECT_EQ(-EINVAL, pwrmig_gpu_open(&g, &o, err, sizeof(err)));
	EXPECT_STREQ("gpu eBPF: device major 4096 is over 4095", err);
}

TEST(unknown_hook_refused)
{
	struct pwrmig_gpu *g;
	char err[256] = "";
	int ret;

	setenv("PWRMIG_BPF_GPU_HOOK", "uprobe", 1);
	ret = pwrmig_gpu_open(&g, NULL, err, sizeof(err));
	unsetenv("PWRMIG_BPF_GPU_HOOK");
	EXPECT_EQ(-ENOENT, ret);
	EXPECT_STREQ("gpu eBPF: PWRMIG_BPF_GPU_HOOK=uprobe is no hook (fentry, kprobe, syscall_tp)",
		     err);
}

TEST_HARNESS_MAIN
