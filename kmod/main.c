// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmig: per-cgroup energy and electricity cost ledger.
 *
 * Module entry points and parameters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/cpumask.h>

#include "compat.h"
#include "pwrmig.h"

struct pwrmig_state pwrmig;

unsigned int pwrmig_max_cgroups = 65536;
module_param_named(max_cgroups, pwrmig_max_cgroups, uint, 0444);
MODULE_PARM_DESC(max_cgroups,
		 "Most cgroups in the ledger, 1-1048576; removed ones make room, then further ones go to the other bucket (default 65536)");

unsigned int pwrmig_keep_removed_s = 300;
module_param_named(keep_removed_s, pwrmig_keep_removed_s, uint, 0644);
MODULE_PARM_DESC(keep_removed_s,
		 "Seconds a removed cgroup's entry stays for exporters; sooner when room is needed (default 300)");

unsigned int pwrmig_claim_silence_s = 3600;
module_param_named(claim_silence_s, pwrmig_claim_silence_s, uint, 0644);
MODULE_PARM_DESC(claim_silence_s,
		 "Seconds a claimed migration may go without a report before it times out, 0: never (default 3600)");

bool pwrmig_open_reads;
module_param_named(open_reads, pwrmig_open_reads, bool, 0444);
MODULE_PARM_DESC(open_reads,
		 "Let every user read per-cgroup energy and join the telemetry group (default: CAP_NET_ADMIN only)");

static unsigned int interval_ms = 100;
module_param(interval_ms, uint, 0444);
MODULE_PARM_DESC(interval_ms,
		 "Sampling interval at load, 10-10000 ms (default 100; meter-set changes it)");

static int __init pwrmig_init(void)
{
	int err;

	if (interval_ms < 10 || interval_ms > 10000) {
		pr_err("interval_ms=%u is outside 10-10000\n", interval_ms);
		return -EINVAL;
	}
	pwrmig.interval_ms = interval_ms;
	/* An entry takes a 256-byte slab object: a million is 256 MiB. */
	if (pwrmig_max_cgroups < 1 || pwrmig_max_cgroups > 1048576) {
		pr_err("max_cgroups=%u is outside 1-1048576\n", pwrmig_max_cgroups);
		return -EINVAL;
	}

	err = pwrmig_ledger_init();
	if (err)
		return err;
	err = pwrmig_broker_init();
	if (err)
		goto err_ledger;
	err = pwrmig_genl_register();
	if (err) {
		pr_err("cannot register generic netlink family: %d\n", err);
		goto err_broker;
	}
	WRITE_ONCE(pwrmig.nl_ready, true);
	pr_info("version %s loaded, meter %s, %u CPUs in %u packages\n",
		PWRMIG_VERSION, pwrmig.meter->name,
		num_possible_cpus(), pwrmig.packages);
	return 0;

err_broker:
	pwrmig_broker_exit();
err_ledger:
	pwrmig_ledger_stop();
	pwrmig_ledger_exit();
	return err;
}

/*
 * The sampler walks the broker's requests: stop it (and debugfs) first,
 * then the family, then free.
 */
static void __exit pwrmig_exit(void)
{
	pwrmig_ledger_stop();
	mutex_lock(&pwrmig.lock);
	pwrmig.nl_ready = false;
	mutex_unlock(&pwrmig.lock);
	pwrmig_genl_unregister();
	pwrmig_broker_exit();
	pwrmig_ledger_exit();
}

module_init(pwrmig_init);
module_exit(pwrmig_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("pwrmig developers");
MODULE_DESCRIPTION("Per-cgroup energy and electricity cost ledger with migration broker");
MODULE_VERSION(PWRMIG_VERSION);
MODULE_ALIAS_GENL_FAMILY(PWRMIG_FAMILY_NAME);
