/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * pwrmig's attribution arithmetic: unwrap energy counters, split a meter
 * delta over cgroups in proportion to runtime with an exact sum, accrue
 * cost without drift.
 *
 * Pure C with no kernel or libc includes: the module compiles this file,
 * and so do userspace (eBPF mode of pwrmigd) and the unit tests.
 */
#ifndef _PWRMIG_ATTRIB_H
#define _PWRMIG_ATTRIB_H

/* What pwrmig_counter_advance() saw, as bits in *events. */
enum {
	PWRMIG_CTR_FIRST		= 1 << 0, /* first read: no delta yet */
	PWRMIG_CTR_WRAP			= 1 << 1, /* wrapped once */
	PWRMIG_CTR_WRAPS_ESTIMATED	= 1 << 2, /* several wraps possible: estimated */
	PWRMIG_CTR_RESET		= 1 << 3, /* counter restarted from zero */
};

/* A free-running energy counter of BITS width, in meter units. */
struct pwrmig_counter {
	unsigned long long last;	/* raw value at the last read */
	unsigned long long rate_per_s;	/* units/s over the last interval */
	unsigned int bits;
	/*
	 * Counters that wrap at a value not a power of two (powercap's
	 * max_energy_range_uj + 1): that modulus; 0 means 2^bits.
	 */
	unsigned long long range;
	int primed;
	/* What happened so far (the ledger reports these). */
	unsigned long long wraps;
	unsigned long long wraps_estimated;
	unsigned long long resets;
};

/*
 * Advance C to RAW, read ELAPSED_NS after the previous read, and return
 * the energy in between in counter units.  MAX_RATE_PER_S is the most the
 * meter can count per second (0: unknown); with it, a counter that could
 * have wrapped more than once is unwrapped by the previous interval's
 * rate and flagged, and a jump no hardware could make is taken as a reset.
 */
unsigned long long pwrmig_counter_advance(struct pwrmig_counter *c,
					  unsigned long long raw,
					  unsigned long long elapsed_ns,
					  unsigned long long max_rate_per_s,
					  unsigned int *events);

/* The meter said its counter restarted (e.g. driver reload) at RAW. */
void pwrmig_counter_restart(struct pwrmig_counter *c, unsigned long long raw);

/*
 * One party to a split: its weight (runtime in ns), what it receives, and
 * the fraction of a unit it is owed or owes from earlier splits, in units
 * of 2^-32.  The caller keeps CARRY per party between intervals.
 */
struct pwrmig_share {
	unsigned long long weight;
	unsigned long long out;
	long long carry;
};

/*
 * Split TOTAL over the N shares in proportion to their weights so that
 * the outs add up to TOTAL exactly.  With no weight at all, share 0 (by
 * convention the idle bucket) receives everything.
 */
void pwrmig_split(unsigned long long total, struct pwrmig_share *s,
		  unsigned int n);

/*
 * Idle time over one sample: WALL less BUSY, where BUSY comes from the
 * tasks' runtimes.  A running task's runtime is brought up to date only
 * at its next tick or switch, so one sample can see less busy time than
 * ran (the difference would count as idle) and the next more than its
 * wall time.  *BAL, zero or negative, carries busy time seen beyond the
 * wall time into the samples that follow, where it is taken from their
 * idle time: over a run of busy samples the idle charged stays within
 * one such lag instead of growing with every sample.  The debt carried
 * is bounded by WALL (a runtime that jumps must not hide real idle for
 * long).
 */
unsigned long long pwrmig_idle(long long *bal, unsigned long long wall,
			       unsigned long long busy);

/*
 * Cost of energy at a price, accrued without drift: the remainders of
 * both divisions are kept for the next call.
 */
struct pwrmig_cost {
	unsigned long long uunits;	/* micro-units of currency */
	unsigned long long rem_energy;	/* of uJ x price / 3.6e9 */
	unsigned long long rem_pue;	/* of nano-units x PUE / 1e6 */
};

/* Largest price and PUE pwrmig_cost_add() accepts (policy checks these). */
#define PWRMIG_PRICE_MAX_UUNITS	1000000000ULL	/* 1000 units per kWh */
#define PWRMIG_PUE_MAX_MILLI	5000U

void pwrmig_cost_add(struct pwrmig_cost *c, unsigned long long energy_uj,
		     unsigned long long price_uunits_per_kwh,
		     unsigned int pue_milli);

/* A * B / C, exact while (C - 1) * B and (A / C) * B fit in 64 bits. */
unsigned long long pwrmig_mul_div(unsigned long long a, unsigned long long b,
				  unsigned long long c);

#endif /* _PWRMIG_ATTRIB_H */
