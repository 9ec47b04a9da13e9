// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmig_test.ko: the test rig's meter, a module of its own as netdevsim
 * is, so that the production module carries no test meter and no knobs to
 * write.  It registers an external meter with pwrmig.ko
 * (pwrmig_meter_register()), which tests select with meter-set kind
 * external, and drives it through debugfs, so that tests can inject
 * exact energy deltas, wraps and resets:
 *
 *   /sys/kernel/debug/pwrmig_test/
 *     pkgN_pkg, pkgN_dram   raw counter of package N (write to set)
 *     bits                  counter width, 8..64 (default 32)
 *     unit_uj               microjoules per count (default 1)
 *     max_power_w           most a package draws (0: unknown)
 *     fail                  1: reads fail with -EIO, as a faulting MSR
 *     restart               write a package number: its counters restart
 *                           (the meter says so, as NVML does on reload)
 *     sample                write anything: pwrmig.ko samples now
 *
 * Built only for the test rig (make's PWRMIG_TEST=m), never installed.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "pwrmig.h"

static struct dentry *test_dir;

static u64 *test_raw;		/* [packages][PWRMIG_NR_MDOMS] */
static u64 *test_gen;
static u32 test_bits = 32;
static u64 test_unit_uj = 1;
static u64 test_max_power_w;
static u32 test_fail;		/* reads fail with -EIO, as a faulting MSR */

static int test_start(struct pwrmig_meter *m)
{
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

static u64 test_generation(struct pwrmig_meter *m, unsigned int pkg, unsigned int dom)
{
	return READ_ONCE(test_gen[pkg * PWRMIG_NR_MDOMS + dom]);
}

static struct pwrmig_meter test_meter = {
	.name = "test",
	.bits = 32,
	.uj_num = 1,
	.uj_den = 1,
	.start = test_start,
	.read = test_read,
	.generation = test_generation,
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

static ssize_t test_sample_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	pwrmig_sample();
	return len;
}

static const struct file_operations test_sample_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = test_sample_write,
	.llseek = noop_llseek,
};

static void test_free(void)
{
	kfree(test_raw);
	kfree(test_gen);
}

static int __init pwrmig_test_init(void)
{
	unsigned int n = topology_max_packages(), pkg;
	char name[32];
	int err;

	test_raw = kcalloc(n * PWRMIG_NR_MDOMS, sizeof(*test_raw), GFP_KERNEL);
	test_gen = kcalloc(n * PWRMIG_NR_MDOMS, sizeof(*test_gen), GFP_KERNEL);
	if (!test_raw || !test_gen) {
		test_free();
		return -ENOMEM;
	}
	test_dir = debugfs_create_dir("pwrmig_test", NULL);
	for (pkg = 0; pkg < n; pkg++) {
		snprintf(name, sizeof(name), "pkg%u_pkg", pkg);
		debugfs_create_u64(name, 0600, test_dir,
				   &test_raw[pkg * PWRMIG_NR_MDOMS + PWRMIG_MDOM_PKG]);
		snprintf(name, sizeof(name), "pkg%u_dram", pkg);
		debugfs_create_u64(name, 0600, test_dir,
				   &test_raw[pkg * PWRMIG_NR_MDOMS + PWRMIG_MDOM_DRAM]);
	}
	debugfs_create_u32("bits", 0600, test_dir, &test_bits);
	debugfs_create_u64("unit_uj", 0600, test_dir, &test_unit_uj);
	debugfs_create_u64("max_power_w", 0600, test_dir, &test_max_power_w);
	debugfs_create_u32("fail", 0600, test_dir, &test_fail);
	debugfs_create_file("restart", 0200, test_dir, NULL, &test_restart_fops);
	debugfs_create_file("sample", 0200, test_dir, NULL, &test_sample_fops);
	err = pwrmig_meter_register(&test_meter);
	if (err) {
		debugfs_remove_recursive(test_dir);
		test_free();
	}
	return err;
}

static void __exit pwrmig_test_exit(void)
{
	/* No read of the meter after this; then nothing points into it. */
	pwrmig_meter_unregister(&test_meter);
	debugfs_remove_recursive(test_dir);
	test_free();
}

module_init(pwrmig_test_init);
module_exit(pwrmig_test_exit);
MODULE_DESCRIPTION("pwrmig test meter: energy counters driven through debugfs");
MODULE_LICENSE("GPL");
