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

/*
 * Units shares would take if every share whose carry, less the units it
 * took, is still above T took one more (each unit costs FRAC_ONE of carry):
 * stops counting past CAP.
 */
static unsigned long long units_above(const struct pwrmig_share *s,
				      unsigned int n, long long t,
				      unsigned long long cap)
{
	unsigned long long units = 0, d;
	unsigned int i;


	for (i = 0; i < n && units <= cap; i++) {
		if (s[i].carry <= t)
			continue;
		/* Mostly one unit: spare the division. */
		d = s[i].carry - t - 1;
		units += d < FRAC_ONE ? 1 : d / FRAC_ONE + 1;
	}
	return units;
}

/*
 * Hand LEFT units, one at a time, to the share owed the most (the lowest
 * index among equals), taking FRAC_ONE from its carry each time.  Done
 * one at a time that is O(n * left), and LEFT is up to n - 1: 160 ms at
 * 16 384 shares.  The same result in O(n log range): the units go to the
 * LEFT largest of the values carry - k * FRAC_ONE (k = 0, 1, ...), ties
 * by index.  Find the smallest T with at most LEFT values above it; every
 * value above T takes a unit, and the units still left go to the shares
 * sitting at exactly T, lowest index first.
 */
static void hand_out(struct pwrmig_share *s, unsigned int n,
		     unsigned long long left)
{
	long long lo, hi, t, max = s[0].carry;
	unsigned long long k;
	unsigned int i;

	for (i = 1; i < n; i++)
		if (s[i].carry > max)
			max = s[i].carry;
	/*
	 * Carries are within (-2^33, 3 * 2^32) here: the share owed the most
	 * alone has LEFT values above LO.
	 */
	hi = max;
	lo = left < (1ULL << 29) ? max - (long long)(left + 1) * FRAC_ONE :
				   -(1LL << 62);
	while (lo < hi) {
		t = lo + (hi - lo) / 2;
		if (units_above(s, n, t, left) <= left)
			hi = t;
		else
			lo = t + 1;
	}
	t = hi;
	for (i = 0; i < n; i++) {
		if (s[i].carry <= t)
			continue;
		k = (unsigned long long)(s[i].carry - t - 1) / FRAC_ONE + 1;
		s[i].out += k;
		s[i].carry -= (long long)k * FRAC_ONE;
		left -= k;
	}
	for (i = 0; i < n && left; i++) {
		if (s[i].carry == t) {
			s[i].out++;
			s[i].carry -= FRAC_ONE;
			left--;
		}
	}
}

void pwrmig_split(unsigned long long total, struct pwrmig_share *s,
		  unsigned int n)
{
	unsigned long long sum = 0, given = 0, left, w, wmax = 0;
	unsigned int i, shift = 0, limit_bits;

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

	left = total - given;
	if (left)
		hand_out(s, n, left);

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

/*
 * (A x B + ADD) / C and its remainder, for ADD < C < 2^63, with the
 * product in 128 bits where it does not fit in 64; the quotient saturates
 * at 2^64 - 1 (callers keep it below).  A constant cost whatever A is.
 */
static unsigned long long muladd_divrem(unsigned long long a, unsigned long long b,
					unsigned long long add, unsigned long long c,
					unsigned long long *rem)
{
	unsigned long long hi, lo, mid1, mid2, q = 0, r = 0, t;
	int i;

	if (!b || a <= (~0ULL - add) / b) {
		t = a * b + add;
		*rem = t % c;
		return t / c;
	}
	/* a x b = hi:lo from 32-bit halves, then + add. */
	lo = (a & 0xffffffffULL) * (b & 0xffffffffULL);
	mid1 = (a >> 32) * (b & 0xffffffffULL);
	mid2 = (a & 0xffffffffULL) * (b >> 32);
	hi = (a >> 32) * (b >> 32);
	t = (lo >> 32) + (mid1 & 0xffffffffULL) + (mid2 & 0xffffffffULL);
	lo = (lo & 0xffffffffULL) | (t << 32);
	hi += (mid1 >> 32) + (mid2 >> 32) + (t >> 32);
	lo += add;
	hi += lo < add;
	/* Long division, one bit at a time; r < c < 2^63 never overflows. */
	for (i = 127; i >= 0; i--) {
		r = (r << 1) | ((i >= 64 ? hi >> (i - 64) : lo >> i) & 1);
		if (r >= c) {
			r -= c;
			if (i < 64)
				q |= 1ULL << i;
		}
	}
	*rem = r;
	/* hi >= c: the quotient needs more than 64 bits. */
	return hi >= c ? ~0ULL : q;
}

void pwrmig_cost_add(struct pwrmig_cost *c, unsigned long long energy_uj,
		     unsigned long long price_uunits_per_kwh,
		     unsigned int pue_milli)
{
	unsigned long long nano, uunits;

	if (price_uunits_per_kwh > PWRMIG_PRICE_MAX_UUNITS)
		price_uunits_per_kwh = PWRMIG_PRICE_MAX_UUNITS;
	if (pue_milli > PWRMIG_PUE_MAX_MILLI)
		pue_milli = PWRMIG_PUE_MAX_MILLI;

	/*
	 * 1 kWh = 3.6e12 uJ, so uJ x price / 3.6e9 is in nano-units; then
	 * nano-units x PUE (milli) / 1e6 is in micro-units.  Both remainders
	 * carry into the next call, so many small additions cost exactly
	 * what one large one does.  2^64 uJ at the largest price is under
	 * 2^62 nano-units: neither quotient saturates.
	 */
	nano = muladd_divrem(energy_uj, price_uunits_per_kwh, c->rem_energy,
			     3600000000ULL, &c->rem_energy);
	uunits = muladd_divrem(nano, pue_milli, c->rem_pue, 1000000ULL,
			       &c->rem_pue);
	/* A total that would pass 2^64 - 1 stays there. */
	c->uunits = c->uunits > ~0ULL - uunits ? ~0ULL : c->uunits + uunits;
}
