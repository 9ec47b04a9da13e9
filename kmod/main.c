// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmig: per-cgroup energy and electricity cost ledger.
 *
 * Module entry points and meter detection.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/cpumask.h>
#include <linux/topology.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "compat.h"
#include "pwrmig.h"

#ifndef MSR_AMD_RAPL_POWER_UNIT
#define MSR_AMD_RAPL_POWER_UNIT	0xc0010299
#endif

struct pwrmig_state pwrmig;

const char *pwrmig_meter_kind_name(enum pwrmig_meter_kind kind)
{
	switch (kind) {
	case PWRMIG_METER_KIND_RAPL:
		return "rapl";
	case PWRMIG_METER_KIND_MODEL:
		return "model";
	case PWRMIG_METER_KIND_TEST:
		return "test";
	}
	return "unknown";
}

/*
 * RAPL is present when the vendor's power-unit MSR can be read.  Virtual
 * machines usually fault on it (rdmsr_safe catches the #GP), and then the
 * module falls back to the power model.
 */
static enum pwrmig_meter_kind pwrmig_detect_meter(void)
{
	u32 msr;
	u64 unit;

	switch (boot_cpu_data.x86_vendor) {
	case X86_VENDOR_INTEL:
		msr = MSR_RAPL_POWER_UNIT;
		break;
	case X86_VENDOR_AMD:
	case X86_VENDOR_HYGON:
		msr = MSR_AMD_RAPL_POWER_UNIT;
		break;
	default:
		return PWRMIG_METER_KIND_MODEL;
	}
	if (rdmsrl_safe(msr, &unit) || !unit)
		return PWRMIG_METER_KIND_MODEL;
	return PWRMIG_METER_KIND_RAPL;
}

static int __init pwrmig_init(void)
{
	int err;

	pwrmig.meter_kind = pwrmig_detect_meter();

	err = pwrmig_genl_register();
	if (err) {
		pr_err("cannot register generic netlink family: %d\n", err);
		return err;
	}
	pr_info("version %s loaded, meter %s, %u CPUs in %u packages\n",
		PWRMIG_VERSION, pwrmig_meter_kind_name(pwrmig.meter_kind),
		num_possible_cpus(), topology_max_packages());
	return 0;
}

static void __exit pwrmig_exit(void)
{
	pwrmig_genl_unregister();
}

module_init(pwrmig_init);
module_exit(pwrmig_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("pwrmig developers");
MODULE_DESCRIPTION("Per-cgroup energy and electricity cost ledger with migration broker");
MODULE_VERSION(PWRMIG_VERSION);
MODULE_ALIAS_GENL_FAMILY(PWRMIG_FAMILY_NAME);
