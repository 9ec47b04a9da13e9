// SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause)
/*
 * pwrmig's attribution arithmetic; see attrib.h.  No includes beyond
 * attrib.h: this file builds in the kernel and in userspace alike.
 */
#include "attrib.h"

#define NSEC_PER_SEC_ULL	1000000000ULL
#define LLONG_MAX_ULL		0x7fffffffffffffffULL
#define FRAC_ONE		(1LL << 32)

unsigned long long pwrmig_mul_div(unsigned long long a, unsigned long long b,
				  unsigned long long c)
{
	return (a / c) * b + ((a % c) * b) / c;
}

static unsigned long long shr(unsigned long long v, unsigned int shift)
{
	return shift < 64 ? v >> shift : 0;
}

static unsigned int bits_of(unsigned long long v)
{
	unsigned int n = 0;

	while (v) {
		n++;
		v >>= 1;
	}
	return n;
}

void pwrmig_counter_restart(struct pwrmig_counter *c, unsigned long long raw)
{
	c->last = raw;
	c->rate_per_s = 0;
	c->primed = 1;
	c->resets++;
}

unsigned long long pwrmig_counter_advance(struct pwrmig_counter *c,
					  unsigned long long raw,
					  unsigned long long elapsed_ns,
					  unsigned long long max_rate_per_s,
					  unsigned int *events)
{
	unsigned long long mask, span, delta, limit = 0, expected, k;

	*events = 0;
	mask = c->bits >= 64 ? ~0ULL : (1ULL << c->bits) - 1;
	if (c->range)
		mask = c->range - 1;	/* the largest value, not a bit mask */
	if (c->range)
		raw = raw > mask ? mask : raw;
	else
		raw &= mask;
	if (!c->primed) {
		c->last = raw;
		c->primed = 1;
		*events = PWRMIG_CTR_FIRST;
		return 0;
	}

	if (c->range)
		delta = raw >= c->last ? raw - c->last : raw + c->range - c->last;
	else
		delta = (raw - c->last) & mask;
	if (raw < c->last)
		*events |= PWRMIG_CTR_WRAP;
	if (max_rate_per_s && elapsed_ns)
		limit = pwrmig_mul_div(max_rate_per_s, elapsed_ns, NSEC_PER_SEC_ULL);

	if (limit && delta > limit) {
		/* No hardware counts that fast: the counter restarted. */
		*events = PWRMIG_CTR_RESET;
		c->resets++;
		delta = raw;
		if (delta > limit)
			delta = 0;
	} else if (limit && (c->bits < 64 || c->range) && limit >= mask) {
		/*
		 * The counter may have gone round more than once: add the
		 * number of turns that brings the delta closest to what the
		 * previous interval's rate predicts, within the limit.
		 */
		span = mask + 1;
		expected = pwrmig_mul_div(c->rate_per_s, elapsed_ns,
					  NSEC_PER_SEC_ULL);
		k = expected > delta ? (expected - delta + span / 2) / span : 0;
		while (k && delta + k * span > limit)
			k--;
		if (k) {
			delta += k * span;
			c->wraps += k;
			*events |= PWRMIG_CTR_WRAP;
		}
		*events |= PWRMIG_CTR_WRAPS_ESTIMATED;
		c->wraps_estimated++;
	}
	if ((*events & PWRMIG_CTR_WRAP) && raw < c->last)
		c->wraps++;

	c->last = raw;
	if (elapsed_ns)
		c->rate_per_s = pwrmig_mul_div(delta, NSEC_PER_SEC_ULL, elapsed_ns);
	return delta;
}

void pwrmig_split(unsigned long long total, struct pwrmig_share *s,
		  unsigned int n)
{
	unsigned long long sum = 0, given = 0, left, w, wmax = 0;
	unsigned int i, j, shift = 0, limit_bits;
	long long acc, best_acc;
	int best;

	if (!n)
		return;
	for (i = 0; i < n; i++)
		if (s[i].weight > wmax)
			wmax = s[i].weight;

	/*
	 * Keep total * weight within 64 bits and the weight sum within 31
	 * bits (so a remainder shifted by 32 fits): drop low weight bits.
	 * The error this makes goes into who gets the last units, never into
	 * the sum.
	 */
	limit_bits = bits_of(total) < 62 ? 63 - bits_of(total) : 1;
	if (limit_bits > 31)
		limit_bits = 31;
	if (bits_of(wmax) + bits_of(n) > limit_bits)
		shift = bits_of(wmax) + bits_of(n) - limit_bits;
	for (i = 0; i < n; i++)
		sum += shr(s[i].weight, shift);
	if (!sum) {
		for (i = 0; i < n; i++)
			s[i].out = 0;
		s[0].out = total;
		return;
	}

	for (i = 0; i < n; i++) {
		w = shr(s[i].weight, shift);
		s[i].out = total * w / sum;
		given += s[i].out;
		/* The fraction owed this time, in 2^-32, joins the carry. */
		s[i].carry += (long long)(((total * w % sum) << 32) / sum);
	}

	/*
	 * Hand the units the floors left over to the shares owed the most.
	 * LEFT < N, and N is the number of cgroups that ran on a package in
	 * one interval, so the quadratic scan stays small.
	 */
	for (left = total - given; left; left--) {
		best = -1;
		best_acc = 0;
		for (j = 0; j < n; j++) {
			acc = s[j].carry;
			if (best < 0 || acc > best_acc) {
				best = j;
				best_acc = acc;
			}
		}
		s[best].out++;
		s[best].carry -= FRAC_ONE;
	}

	/* Keep what is carried bounded even if weights swing wildly. */
	for (i = 0; i < n; i++) {
		if (s[i].carry > 2 * FRAC_ONE)
			s[i].carry = 2 * FRAC_ONE;
		else if (s[i].carry < -2 * FRAC_ONE)
			s[i].carry = -2 * FRAC_ONE;
	}
}

unsigned long long pwrmig_idle(long long *bal, unsigned long long wall,
			       unsigned long long busy)
{
	unsigned long long debt = *bal < 0 ? -(unsigned long long)*bal : 0;

	if (wall > busy && wall - busy > debt) {
		*bal = 0;
		return wall - busy - debt;
	}
	if (wall > busy)
		debt -= wall - busy;
	else if (busy - wall < wall && debt < wall)
		debt += busy - wall;
	else
		debt = wall;
	if (debt > wall)
		debt = wall;
	if (debt > LLONG_MAX_ULL)
		debt = LLONG_MAX_ULL;
	*bal = -(long long)debt;
	return 0;
}

void pwrmig_cost_add(struct pwrmig_cost *c, unsigned long long energy_uj,
		     unsigned long long price_uunits_per_kwh,
		     unsigned int pue_milli)
{
	/* 2^33 uJ x 1e9 uunits stays below 2^63 with the remainder added. */
	const unsigned long long chunk = 1ULL << 33;
	unsigned long long e, num, nano;

	if (price_uunits_per_kwh > PWRMIG_PRICE_MAX_UUNITS)
		price_uunits_per_kwh = PWRMIG_PRICE_MAX_UUNITS;
	if (pue_milli > PWRMIG_PUE_MAX_MILLI)
		pue_milli = PWRMIG_PUE_MAX_MILLI;

	while (energy_uj) {
		e = energy_uj > chunk ? chunk : energy_uj;
		energy_uj -= e;
		/* 1 kWh = 3.6e12 uJ; dividing by 3.6e9 gives nano-units. */
		num = e * price_uunits_per_kwh + c->rem_energy;
		nano = num / 3600000000ULL;
		c->rem_energy = num % 3600000000ULL;
		/* nano-units x PUE (milli) / 1e6 = micro-units. */
		num = nano * pue_milli + c->rem_pue;
		c->uunits += num / 1000000ULL;
		c->rem_pue = num % 1000000ULL;
	}
}
