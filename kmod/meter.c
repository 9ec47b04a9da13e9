// SPDX-License-Identifier: GPL-2.0
/*
 * The meters the ledger reads: its own (RAPL, the power model) and one
 * that another module registers (PWRMIG_METER_KIND_EXTERNAL): a
 * platform's own power sensors, or the test rig's pwrmig_test.ko.  An
 * external meter is used only when asked for (meter-set kind external),
 * and the ledger goes back to its own when that module goes.
 */
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/mutex.h>
#include <linux/printk.h>

#include "pwrmig.h"

static struct pwrmig_meter *pwrmig_meter_external;	/* guarded by pwrmig.lock */

struct pwrmig_meter *pwrmig_meter_by_kind(u32 kind)
{
	lockdep_assert_held(&pwrmig.lock);
	switch (kind) {
	case PWRMIG_METER_KIND_RAPL:
		return &pwrmig_meter_rapl;
	case PWRMIG_METER_KIND_MODEL:
		return &pwrmig_meter_model;
	case PWRMIG_METER_KIND_EXTERNAL:
		return pwrmig_meter_external;
	}
	return NULL;
}

int pwrmig_meter_default(void)
{
	int err;

	lockdep_assert_held(&pwrmig.lock);
	err = pwrmig_rapl_present() ? pwrmig_meter_switch(&pwrmig_meter_rapl) : -ENODEV;
	if (err) {
		if (err != -ENODEV)
			pr_info("RAPL unusable (%d); using the power model\n", err);
		err = pwrmig_meter_switch(&pwrmig_meter_model);
	}
	return err;
}

/**
 * pwrmig_meter_register - offer a meter of another module to the ledger
 * @m: the meter: @read, @bits and the microjoule ratio set; @kind is set here
 *
 * One external meter at a time.  Return: 0, -EINVAL for an incomplete
 * meter, -EBUSY when another is registered.
 */
int pwrmig_meter_register(struct pwrmig_meter *m)
{
	int err = 0;

	if (!m->read || !m->name || m->bits < 8 || m->bits > 64 || !m->uj_num ||
	    !m->uj_den)
		return -EINVAL;
	mutex_lock(&pwrmig.lock);
	if (pwrmig_meter_external) {
		err = -EBUSY;
	} else {
		m->kind = PWRMIG_METER_KIND_EXTERNAL;
		pwrmig_meter_external = m;
	}
	mutex_unlock(&pwrmig.lock);
	return err;
}
EXPORT_SYMBOL_GPL(pwrmig_meter_register);

/**
 * pwrmig_meter_unregister - take a registered meter back
 * @m: the meter pwrmig_meter_register() took
 *
 * When the ledger reads it, it charges what ran so far to it and goes back
 * to its own meter first; no read of @m follows the return.
 */
void pwrmig_meter_unregister(struct pwrmig_meter *m)
{
	mutex_lock(&pwrmig.lock);
	if (pwrmig_meter_external == m) {
		if (pwrmig.meter == m && pwrmig_meter_default())
			pr_warn("no meter to go back to after %s\n", m->name);
		pwrmig_meter_external = NULL;
	}
	mutex_unlock(&pwrmig.lock);
}
EXPORT_SYMBOL_GPL(pwrmig_meter_unregister);
