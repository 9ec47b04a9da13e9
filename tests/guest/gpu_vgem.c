// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF GPU device-use counter against a real DRM device: vgem (the
 * virtual GEM driver, major 226), with the default majors.  A child in a
 * test cgroup opens the vgem card and issues DRM_IOCTL_VERSION a known
 * number of times; exactly that is counted for its cgroup and device.
 * Run by tests/guest/gpu_bpf.sh after modprobe vgem.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgtest.h"
#include "kselftest_harness.h"
#include "pwrmig_bpf.h"

/* include/uapi/drm/drm.h (libdrm's headers are not needed for one call). */
struct drm_version {
	int version_major, version_minor, version_patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};
#define DRM_IOCTL_VERSION	_IOWR('d', 0x00, struct drm_version)

#define NR_VERSION	7

/*
 * The /dev/dri node of vgem's card.  vgem registers a bare platform
 * device named "vgem" (no driver binds it): /sys/class/drm/cardN/device
 * points at it.
 */
static int vgem_card(char *dev, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX];
	struct dirent *d;
	DIR *dir;
	ssize_t n;
	int ret = -ENOENT;

	dir = opendir("/sys/class/drm");
	while (dir && ret && (d = readdir(dir))) {
		if (strncmp(d->d_name, "card", 4) || strchr(d->d_name, '-'))
			continue;
		snprintf(link, sizeof(link), "/sys/class/drm/%s/device", d->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = 0;
		if (strcmp(strrchr(target, '/') ? strrchr(target, '/') + 1 : target, "vgem"))
			continue;
		snprintf(dev, len, "/dev/dri/%s", d->d_name);
		ret = 0;
	}
	if (dir)
		closedir(dir);
	return ret;
}

struct found {
	uint64_t cgid;
	struct pwrmig_gpu_use use;
	int n;
};

static int found_cb(const struct pwrmig_gpu_use *u, void *arg)
{
	struct found *f = arg;

	if (u->cgid == f->cgid) {
		f->use = *u;
		f->n++;
	}
	return 0;
}

TEST(vgem_version_ioctls_counted)
{
	struct found f = { 0 };
	struct drm_version v;
	struct pwrmig_gpu *g;
	struct cgtest t = { 0 };
	char dev[PATH_MAX], err[768] = "";
	struct stat st;
	int fd, i, status;
	pid_t child;

	if (vgem_card(dev, sizeof(dev)))
		SKIP(return, "no vgem card (modprobe vgem)");
	ASSERT_EQ(0, stat(dev, &st));
	ASSERT_EQ(0, cgtest_make(&t, "pwrmig-vgem"));
	f.cgid = t.cgid[0];
	ASSERT_EQ(0, pwrmig_gpu_open(&g, NULL, err, sizeof(err))) TH_LOG("%s", err);
	TH_LOG("%s is %u:%u; attached with %s", dev, major(st.st_rdev), minor(st.st_rdev),
	       pwrmig_gpu_attach_kind(g));

	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		if (join_cgroup(t.cg[0]))
			_exit(2);
		fd = open(dev, O_RDWR);
		if (fd < 0)
			_exit(3);
		for (i = 0; i < NR_VERSION; i++) {
			memset(&v, 0, sizeof(v));
			if (ioctl(fd, DRM_IOCTL_VERSION, &v))
				_exit(4);
		}
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, pwrmig_gpu_read(g, found_cb, &f));
	pwrmig_gpu_close(g);
	cgtest_remove(&t);

	ASSERT_EQ(1, f.n);
	EXPECT_EQ(226, f.use.major);
	EXPECT_EQ(minor(st.st_rdev), f.use.minor);
	EXPECT_EQ(1, f.use.opens);
	EXPECT_EQ(NR_VERSION, f.use.ioctls);
	EXPECT_NE(0, f.use.last_ioctl_ns);
}

TEST_HARNESS_MAIN
