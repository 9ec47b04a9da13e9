// SPDX-License-Identifier: GPL-2.0
/*
 * Test meter, driven through debugfs the way netdevsim is, so that tests
 * can inject exact energy deltas, wraps and resets:
 *
 *   /sys/kernel/debug/pwrmig/test_meter/
 *     pkgN_pkg, pkgN_dram   raw counter of package N (write to set)
 *     bits                  counter width, 8..64 (default 32)
 *     unit_uj               microjoules per count (default 1)
 *     max_power_w           most a package draws (0: unknown)
 *     restart               write a package number: its counters restart
 *                           (the meter says so, as NVML does on reload)
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "pwrmig.h"

static u64 *test_raw;		/* [packages][PWRMIG_NR_MDOMS] */
static u64 *test_gen;
static u32 test_bits = 32;
static u64 test_unit_uj = 1;
static u64 test_max_power_w;
static u32 test_fail;		/* reads fail with -EIO, as a faulting MSR */

static int test_start(struct pwrmig_meter *m)
{
	if (!test_raw)
		return -ENODEV;	/* no debugfs */
	if (test_bits < 8 || test_bits > 64 || !test_unit_uj)
		return -EINVAL;
	m->bits = test_bits;
	m->uj_num = test_unit_uj;
	m->uj_den = 1;
	m->max_rate_per_s = test_max_power_w * 1000000 / test_unit_uj;
	return 0;
}

static int test_read(struct pwrmig_meter *m, unsigned int pkg,
		     unsigned int dom, u64 *raw)
{
	if (READ_ONCE(test_fail))
		return -EIO;
	*raw = READ_ONCE(test_raw[pkg * PWRMIG_NR_MDOMS + dom]);
	return 0;
}

u64 pwrmig_meter_test_generation(unsigned int pkg, unsigned int dom)
{
	return test_gen ? READ_ONCE(test_gen[pkg * PWRMIG_NR_MDOMS + dom]) : 0;
}

struct pwrmig_meter pwrmig_meter_test = {
	.kind = PWRMIG_METER_KIND_TEST,
	.name = "test",
	.bits = 32,
	.uj_num = 1,
	.uj_den = 1,
	.start = test_start,
	.read = test_read,
};

static ssize_t test_restart_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	unsigned int pkg, dom;
	int err;

	err = kstrtouint_from_user(ubuf, len, 0, &pkg);
	if (err)
		return err;
	if (pkg >= topology_max_packages())
		return -ERANGE;
	for (dom = 0; dom < PWRMIG_NR_MDOMS; dom++) {
		WRITE_ONCE(test_raw[pkg * PWRMIG_NR_MDOMS + dom], 0);
		WRITE_ONCE(test_gen[pkg * PWRMIG_NR_MDOMS + dom],
			   test_gen[pkg * PWRMIG_NR_MDOMS + dom] + 1);
	}
	return len;
}

static const struct file_operations test_restart_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = test_restart_write,
	.llseek = noop_llseek,
};

int pwrmig_meter_test_init(struct dentry *parent)
{
	unsigned int n = topology_max_packages(), pkg;
	struct dentry *dir;
	char name[32];

	test_raw = kcalloc(n * PWRMIG_NR_MDOMS, sizeof(*test_raw), GFP_KERNEL);
	test_gen = kcalloc(n * PWRMIG_NR_MDOMS, sizeof(*test_gen), GFP_KERNEL);
	if (!test_raw || !test_gen) {
		kfree(test_raw);
		kfree(test_gen);
		test_raw = NULL;
		test_gen = NULL;
		return -ENOMEM;
	}
	dir = debugfs_create_dir("test_meter", parent);
	for (pkg = 0; pkg < n; pkg++) {
		snprintf(name, sizeof(name), "pkg%u_pkg", pkg);
		debugfs_create_u64(name, 0600, dir,
				   &test_raw[pkg * PWRMIG_NR_MDOMS + PWRMIG_MDOM_PKG]);
		snprintf(name, sizeof(name), "pkg%u_dram", pkg);
		debugfs_create_u64(name, 0600, dir,
				   &test_raw[pkg * PWRMIG_NR_MDOMS + PWRMIG_MDOM_DRAM]);
	}
	debugfs_create_u32("bits", 0600, dir, &test_bits);
	debugfs_create_u64("unit_uj", 0600, dir, &test_unit_uj);
	debugfs_create_u64("max_power_w", 0600, dir, &test_max_power_w);
	debugfs_create_u32("fail", 0600, dir, &test_fail);
	debugfs_create_file("restart", 0200, dir, NULL, &test_restart_fops);
	return 0;
}

void pwrmig_meter_test_exit(void)
{
	kfree(test_raw);
	kfree(test_gen);
	test_raw = NULL;
	test_gen = NULL;
}
