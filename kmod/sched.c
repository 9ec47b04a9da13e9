// SPDX-License-Identifier: GPL-2.0
/*
 * CPU time per cgroup, charged at every context switch.
 *
 * The sched_switch probe runs on the CPU that switches, with interrupts
 * off, right after the scheduler brought the outgoing task's
 * se.sum_exec_runtime up to date.  It adds what that task ran since it got
 * the CPU to the task's cgroup v2 id in this CPU's own table: no lock, no
 * allocation, no clock read.  The time is the scheduler's own, so it is
 * exactly what cpu.stat counts.  A cgroup that finds the table full is
 * charged to a counted "other" bucket.
 *
 * The sampler collects a CPU's table with an IPI to that CPU.  The IPI
 * handler also runs with interrupts off on that CPU, so it can never
 * interleave with the probe there; it charges the running task what it
 * ran so far (a spinning task is billed every sample, not only when it
 * leaves the CPU), counts the rest of the wall time since the last
 * harvest as idle, copies the table out and clears it.
 *
 * Sampling must not disturb what it measures, so not every CPU gets the
 * IPI.  An idle CPU whose table is empty is charged by the sampler
 * itself: all its time since the last harvest was idle.  It gets one IPI
 * after it went idle with charges pending, then none until it ran again.
 * An isolated CPU (nohz_full or isolcpus) that runs a task is left alone:
 * what it runs is charged when it switches, and collected when it idles.
 * The sampler owns last_ns and idle_bal (the IPI handler runs at its
 * request); a CPU that wakes while the sampler looks at it charges busy
 * time the next harvest finds beyond its wall time, which pwrmig_idle()
 * carries into the following samples' idle time.
 *
 * An offline CPU runs no probe: the sampler takes its table directly (CPU
 * hotplug waits on cpus_read_lock meanwhile), and a CPU coming online
 * starts its clock afresh, so the time it was away is not counted idle.
 *
 * Wall time is the monotonic clock, one for all CPUs: a CPU's own
 * sched_clock can lag by the time it was offline until its first tick
 * (an unstable TSC), and monotonic time stops in suspend, when the CPUs
 * draw next to nothing, so a power model invents no energy for it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/cpuhotplug.h>
#include <linux/hash.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/isolation.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>

#include "pwrmig.h"

struct pwrmig_cpu {
	struct task_struct *in_task;	/* the task in_sum belongs to */
	u64 in_sum;		/* se.sum_exec_runtime of the running task when charged last */
	u64 last_ns;		/* ktime_get_ns() of the last harvest */
	u64 busy_ns;		/* charged since the last harvest */
	s64 idle_bal;		/* busy time seen beyond wall time (pwrmig_idle) */
	bool idle;		/* the idle task has this CPU */
	struct pwrmig_harvest h;
};

static DEFINE_PER_CPU(struct pwrmig_cpu, pwrmig_cpu);
static struct tracepoint *pwrmig_tp_switch;
static int pwrmig_cpuhp_state;
static atomic64_t pwrmig_ipis_spared;

static void pwrmig_charge(struct pwrmig_cpu *pc, struct task_struct *p)
{
	struct pwrmig_harvest *h = &pc->h;
	u64 sum = p->se.sum_exec_runtime;
	unsigned int i, idx;
	u64 delta, cgid;

	/*
	 * Only a baseline taken from this very task counts; right after the
	 * probe is attached it may belong to another one.  Then start afresh.
	 */
	delta = pc->in_task == p && sum > pc->in_sum ? sum - pc->in_sum : 0;
	pc->in_task = p;
	pc->in_sum = sum;
	if (!delta)
		return;
	pc->busy_ns += delta;
	/*
	 * Interrupts are off in both callers, which makes this an RCU-sched
	 * read side: the css_set cannot be freed under us.
	 */
	cgid = cgroup_id(rcu_dereference_sched(p->cgroups)->dfl_cgrp);

	/* Open addressing; cgroup ids are never 0, so 0 marks a free slot. */
	idx = hash_64(cgid, ilog2(PWRMIG_CPU_SLOTS));
	for (i = 0; i < PWRMIG_CPU_SLOTS; i++) {
		struct pwrmig_slot *s = &h->slot[(idx + i) % PWRMIG_CPU_SLOTS];

		if (s->cgid == cgid) {
			s->runtime_ns += delta;
			return;
		}
		if (!s->cgid) {
			s->cgid = cgid;
			s->runtime_ns = delta;
			h->used++;
			return;
		}
	}
	h->other_ns += delta;
	h->other_switches++;
}

static void pwrmig_probe_switch(void *data, bool preempt,
				struct task_struct *prev,
				struct task_struct *next,
				unsigned int prev_state)
{
	struct pwrmig_cpu *pc = this_cpu_ptr(&pwrmig_cpu);

	/* The idle task keeps no sum_exec_runtime: idle is what is left. */
	if (!is_idle_task(prev))
		pwrmig_charge(pc, prev);
	pc->in_task = next;
	pc->in_sum = next->se.sum_exec_runtime;
	WRITE_ONCE(pc->idle, is_idle_task(next));
}

static void pwrmig_harvest_ipi(void *arg)
{
	struct pwrmig_cpu *pc = this_cpu_ptr(&pwrmig_cpu);
	u64 now = ktime_get_ns(), wall;

	if (!is_idle_task(current))
		pwrmig_charge(pc, current);
	wall = now - pc->last_ns;
	pc->h.idle_ns = pwrmig_idle(&pc->idle_bal, wall, pc->busy_ns);
	memcpy(arg, &pc->h, sizeof(pc->h));
	memset(&pc->h, 0, sizeof(pc->h));
	pc->busy_ns = 0;
	pc->last_ns = now;
}

static bool pwrmig_cpu_isolated(int cpu)
{
	return !housekeeping_cpu(cpu, HK_TYPE_TICK) ||
	       !housekeeping_cpu(cpu, HK_TYPE_DOMAIN);
}

/* Nothing charged on CPU since its last harvest (a racy look: see above). */
static bool pwrmig_cpu_quiet(const struct pwrmig_cpu *pc)
{
	return !READ_ONCE(pc->busy_ns) && !READ_ONCE(pc->h.used) &&
	       !READ_ONCE(pc->h.other_ns);
}

/* Called with cpus_read_lock() held, one CPU after another. */
void pwrmig_sched_harvest(int cpu, struct pwrmig_harvest *h)
{
	struct pwrmig_cpu *pc = per_cpu_ptr(&pwrmig_cpu, cpu);
	u64 now;

	memset(h, 0, sizeof(*h));
	if (!cpu_online(cpu)) {
		/* No probe runs there: take what it charged before it left. */
		memcpy(h, &pc->h, sizeof(*h));
		h->idle_ns = 0;
		memset(&pc->h, 0, sizeof(pc->h));
		pc->busy_ns = 0;
		return;
	}
	if (READ_ONCE(pc->idle) && pwrmig_cpu_quiet(pc)) {
		now = ktime_get_ns();
		h->idle_ns = pwrmig_idle(&pc->idle_bal, now - pc->last_ns, 0);
		pc->last_ns = now;
		atomic64_inc(&pwrmig_ipis_spared);
		return;
	}
	if (!READ_ONCE(pc->idle) && pwrmig_cpu_isolated(cpu)) {
		/* Its time stays on its clock until it idles. */
		atomic64_inc(&pwrmig_ipis_spared);
		return;
	}
	if (smp_call_function_single(cpu, pwrmig_harvest_ipi, h, 1))
		memset(h, 0, sizeof(*h));
}

u64 pwrmig_sched_ipis_spared(void)
{
	return atomic64_read(&pwrmig_ipis_spared);
}

static void pwrmig_reset_ipi(void *arg)
{
	struct pwrmig_cpu *pc = this_cpu_ptr(&pwrmig_cpu);

	memset(&pc->h, 0, sizeof(pc->h));
	pc->busy_ns = 0;
	pc->idle_bal = 0;
	pc->last_ns = ktime_get_ns();
	pc->in_task = current;
	pc->in_sum = current->se.sum_exec_runtime;
	WRITE_ONCE(pc->idle, is_idle_task(current));
}

/*
 * A CPU comes online (after hotplug, or resume): its clock starts now.
 * What it charged before it left stays in its table for the next harvest.
 */
static int pwrmig_cpu_online(unsigned int cpu)
{
	struct pwrmig_cpu *pc;
	unsigned long flags;

	local_irq_save(flags);
	pc = this_cpu_ptr(&pwrmig_cpu);
	pc->last_ns = ktime_get_ns();
	pc->idle_bal = 0;
	pc->in_task = current;
	pc->in_sum = current->se.sum_exec_runtime;
	WRITE_ONCE(pc->idle, false);
	local_irq_restore(flags);
	return 0;
}

static void pwrmig_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_switch"))
		pwrmig_tp_switch = tp;
}

int pwrmig_sched_start(void)
{
	int err;

	for_each_kernel_tracepoint(pwrmig_find_tp, NULL);
	if (!pwrmig_tp_switch) {
		pr_err("no sched_switch tracepoint in this kernel\n");
		return -ENOENT;
	}
	/* Start every CPU's clock before the first switch is charged. */
	on_each_cpu(pwrmig_reset_ipi, NULL, 1);
	err = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "pwrmig:online",
					pwrmig_cpu_online, NULL);
	if (err < 0) {
		pr_err("cannot follow CPU hotplug: %d\n", err);
		return err;
	}
	pwrmig_cpuhp_state = err;
	err = tracepoint_probe_register(pwrmig_tp_switch, pwrmig_probe_switch,
					NULL);
	if (err) {
		pr_err("cannot attach to sched_switch: %d\n", err);
		cpuhp_remove_state_nocalls(pwrmig_cpuhp_state);
	}
	return err;
}

void pwrmig_sched_stop(void)
{
	cpuhp_remove_state_nocalls(pwrmig_cpuhp_state);
	tracepoint_probe_unregister(pwrmig_tp_switch, pwrmig_probe_switch, NULL);
	/* No probe may still be running when the module text goes away. */
	tracepoint_synchronize_unregister();
}
