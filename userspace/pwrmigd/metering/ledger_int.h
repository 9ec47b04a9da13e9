/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module-less ledger's insides, shared by its sampling (ledger.c) and
 * its cgroup entries (ledger_cg.c).
 */
#ifndef _PWRMIGD_LEDGER_INT_H
#define _PWRMIGD_LEDGER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "cgterms.h"
#include "pwrmig_bpf.h"
#include "metering.h"

#define MAX_ZONES 16

struct lcg {
	uint64_t id;
	char path[256];
	uint64_t map_rt;		/* the collector's total, as last read */
	uint64_t pre_ns;		/* running now, not yet in the total */
	uint64_t last_eff;		/* total + running, at the last sample */
	uint64_t delta_rt;		/* in the current sample */
	uint64_t stamp;			/* sample it was last listed in */
	uint64_t runtime_ns;
	uint64_t energy_uj[PD_NR_DOMS];
	long long carry[PD_NR_DOMS];
	struct pwrmig_cost cost;
	struct pwrmig_cg_terms terms;	/* policy-set, carry */
	int estimated;
	int gone;
	uint64_t gone_at;		/* CLOCK_MONOTONIC s */
	unsigned int path_misses;
};

struct zone {				/* a powercap zone or a perf event */
	int dom;
	char file[600];			/* powercap: energy_uj */
	int fd;				/* perf: event fd */
	long double uj_per_count;	/* perf */
	long double frac;		/* perf: fraction of a uJ carried */
	struct pwrmig_counter ctr;
};

struct pd_ledger {
	struct pd *pd;
	struct pwrmig_sched *sched;
	struct pwrmig_cgroup_events *cgev;	/* NULL: find removals by polling */
	uint64_t cgev_lost;
	void *tree;			/* lcg by id (tsearch) */
	struct lcg **all;		/* every lcg, for the snapshot */
	size_t nall, capall;
	struct lcg **seen;		/* in the collector's map or running */
	size_t nseen, capseen;
	struct lcg **active;		/* ran in this sample */
	size_t nactive, capactive;
	struct pwrmig_sched_running *run;
	int ncpus;
	struct pwrmig_share *shares;
	size_t capshares;
	enum pd_meter meter;
	const char *meter_name;
	int estimated;
	struct zone zones[MAX_ZONES];
	unsigned int nzones;
	uint64_t model_rem;		/* pJ below a uJ */
	uint64_t last_ns, last_over, over_delta;
	long long idle_bal;		/* see pwrmig_idle() */
	long long idle_carry[PD_NR_DOMS], other_carry[PD_NR_DOMS];
	uint64_t samples;
	uint64_t interval_ns, interval_uj;	/* the last sample's, package */
	uint32_t charged;			/* cgroups it charged */
	uint64_t power_mw[PD_NR_DOMS];
	uint64_t total_uj[PD_NR_DOMS], idle_uj[PD_NR_DOMS], other_uj[PD_NR_DOMS];
};

uint64_t pd_mono_ns(void);
/* Make *ARR (of *CAP elements of SIZE) hold NEED: 0, or -1 (no memory). */
int pd_grow(void **arr, size_t *cap, size_t need, size_t size);
/* Order of the entries' tree (by id). */
int pd_lcg_cmp(const void *a, const void *b);
/* Cgroup ID's entry, made if new; NULL only without memory. */
struct lcg *pd_lcg_get(struct pd_ledger *l, uint64_t id);

#endif
