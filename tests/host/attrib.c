// SPDX-License-Identifier: GPL-2.0
/*
 * The attribution arithmetic the module and eBPF mode share: exact
 * splits, carried remainders, counter unwrapping, cost without drift.
 */
#include <stdint.h>
#include <string.h>

#include "kselftest_harness.h"
#include "attrib.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

TEST(split_sum_is_exact)
{
	struct pwrmig_share s[40];
	unsigned int round, i, n;
	uint64_t total, sum;

	memset(s, 0, sizeof(s));
	for (round = 0; round < 20000; round++) {
		n = 1 + next_rand() % 40;
		total = next_rand() >> (next_rand() % 64);
		for (i = 0; i < n; i++)
			s[i].weight = next_rand() >> (next_rand() % 64);
		pwrmig_split(total, s, n);
		for (sum = 0, i = 0; i < n; i++)
			sum += s[i].out;
		ASSERT_EQ(total, sum) {
			TH_LOG("round %u: n %u total %llu", round, n,
			       (unsigned long long)total);
		}
	}
}

TEST(split_proportional)
{
	struct pwrmig_share s[3] = {
		{ .weight = 100000000 }, { .weight = 300000000 }, { .weight = 100000000 },
	};

	pwrmig_split(5000000, s, 3);
	EXPECT_EQ(1000000, s[0].out);
	EXPECT_EQ(3000000, s[1].out);
	EXPECT_EQ(1000000, s[2].out);
}

/* Tiny deltas over many intervals: each share ends within one unit of
 * its exact due, because fractions are carried, not dropped. */
TEST(split_carries_fractions)
{
	struct pwrmig_share s[3] = { { 0 } };
	uint64_t cum[3] = { 0 }, weights[3] = { 1, 3, 5 };
	unsigned int round, i;
	double exact;

	for (round = 0; round < 9000; round++) {
		for (i = 0; i < 3; i++)
			s[i].weight = weights[i];
		pwrmig_split(1, s, 3);
		for (i = 0; i < 3; i++)
			cum[i] += s[i].out;
	}
	for (i = 0; i < 3; i++) {
		exact = 9000.0 * weights[i] / 9;
		EXPECT_LE(cum[i], exact + 1);
		EXPECT_GE(cum[i] + 1, exact);
	}
}

TEST(split_no_weight_goes_to_idle)
{
	struct pwrmig_share s[3] = { { 0 } };

	pwrmig_split(12345, s, 3);
	EXPECT_EQ(12345, s[0].out);
	EXPECT_EQ(0, s[1].out);
	EXPECT_EQ(0, s[2].out);
}

TEST(split_large_values)
{
	struct pwrmig_share s[2] = {
		{ .weight = 3ULL << 40 }, { .weight = 1ULL << 40 },
	};
	uint64_t total = 1ULL << 50;

	pwrmig_split(total, s, 2);
	EXPECT_EQ(total, s[0].out + s[1].out);
	EXPECT_EQ(total / 4 * 3, s[0].out);
}

TEST(counter_plain_and_single_wrap)
{
	struct pwrmig_counter c = { .bits = 32 };
	unsigned int ev;

	EXPECT_EQ(0, pwrmig_counter_advance(&c, 1000, 0, 0, &ev));
	EXPECT_EQ(PWRMIG_CTR_FIRST, ev);
	EXPECT_EQ(500, pwrmig_counter_advance(&c, 1500, 100000000, 0, &ev));
	EXPECT_EQ(0, ev);
	/* 0xffffff00 -> 0x100: one wrap, 0x200 units. */
	c.last = 0xffffff00;
	EXPECT_EQ(0x200, pwrmig_counter_advance(&c, 0x100, 100000000, 0, &ev));
	EXPECT_EQ(PWRMIG_CTR_WRAP, ev);
	EXPECT_EQ(1, c.wraps);
}

/* A 16-bit counter that turns several times per interval at a steady
 * rate is unwrapped exactly and the estimate is reported. */
TEST(counter_several_wraps_estimated)
{
	struct pwrmig_counter c = { .bits = 16 };
	const uint64_t per = 3 * 65536 + 1000;	/* units per 100 ms */
	uint64_t truth = 5, got;
	unsigned int ev, i;

	pwrmig_counter_advance(&c, truth, 0, 0, &ev);
	/* Prime the rate with intervals short enough to be unambiguous. */
	for (i = 0; i < 3; i++) {
		truth += per / 10;
		got = pwrmig_counter_advance(&c, truth & 0xffff, 10000000,
					     per * 20, &ev);
		ASSERT_EQ(per / 10, got);
	}
	for (i = 0; i < 5; i++) {
		truth += per;
		got = pwrmig_counter_advance(&c, truth & 0xffff, 100000000,
					     per * 20, &ev);
		EXPECT_EQ(per, got);
		EXPECT_TRUE(ev & PWRMIG_CTR_WRAPS_ESTIMATED);
	}
	EXPECT_EQ(5, c.wraps_estimated);
}

/* powercap counters wrap at max_energy_range_uj + 1, not a power of two. */
TEST(counter_range_wrap)
{
	struct pwrmig_counter c = { .bits = 64, .range = 262143328850ULL + 1 };
	const uint64_t per = 2 * c.range + 12345;	/* uJ per second */
	uint64_t truth = c.range - 100, got;
	unsigned int ev, i;

	pwrmig_counter_advance(&c, truth, 0, 0, &ev);
	/* One wrap: range - 100 -> 50 is 150 uJ. */
	truth += 150;
	EXPECT_EQ(150, pwrmig_counter_advance(&c, truth % c.range, 1000000, 0, &ev));
	EXPECT_EQ(PWRMIG_CTR_WRAP, ev);
	EXPECT_EQ(1, c.wraps);
	/* Several turns a second at a steady rate: unwrapped by the rate. */
	for (i = 0; i < 3; i++) {
		truth += per / 10;
		got = pwrmig_counter_advance(&c, truth % c.range, 100000000, per * 4, &ev);
		ASSERT_EQ(per / 10, got);
	}
	for (i = 0; i < 3; i++) {
		truth += per;
		got = pwrmig_counter_advance(&c, truth % c.range, 1000000000, per * 4, &ev);
		EXPECT_EQ(per, got);
		EXPECT_TRUE(ev & PWRMIG_CTR_WRAPS_ESTIMATED);
	}
}

TEST(counter_reset_detected)
{
	struct pwrmig_counter c = { .bits = 32 };
	unsigned int ev;
	uint64_t d;

	pwrmig_counter_advance(&c, 4000000000ULL, 0, 0, &ev);
	pwrmig_counter_advance(&c, 4000001000ULL, 100000000, 100000, &ev);
	/* Dropping to 300 would be a wrap of ~295M units in 100 ms where
	 * 10k is the most possible: a reset, worth 300 units since. */
	d = pwrmig_counter_advance(&c, 300, 100000000, 100000, &ev);
	EXPECT_EQ(PWRMIG_CTR_RESET, ev);
	EXPECT_EQ(300, d);
	EXPECT_EQ(1, c.resets);
	EXPECT_EQ(0, c.wraps);
}

TEST(cost_exact_kwh)
{
	struct pwrmig_cost c = { 0 };

	/* 1 kWh at 1.0 unit/kWh, PUE 1.000 -> 1,000,000 micro-units. */
	pwrmig_cost_add(&c, 3600000000000ULL, 1000000, 1000);
	EXPECT_EQ(1000000, c.uunits);
	/* Same again at PUE 1.150 -> 1,150,000 more. */
	pwrmig_cost_add(&c, 3600000000000ULL, 1000000, 1150);
	EXPECT_EQ(2150000, c.uunits);
}

/* 3.6 million 1 J additions cost the same as one 1 kWh addition. */
TEST(cost_no_drift)
{
	struct pwrmig_cost a = { 0 }, b = { 0 };
	unsigned int i;

	for (i = 0; i < 3600000; i++)
		pwrmig_cost_add(&a, 1000000, 1219500, 1120);
	pwrmig_cost_add(&b, 3600000000000ULL, 1219500, 1120);
	EXPECT_EQ(b.uunits, a.uunits);
	EXPECT_EQ(1365840, a.uunits);
}

/* pwrmig_cost_add() as it was: one step per 2^33 uJ, the reference. */
static void ref_cost_add(struct pwrmig_cost *c, unsigned long long energy_uj,
			 unsigned long long price, unsigned int pue)
{
	unsigned long long e, num, nano;

	while (energy_uj) {
		e = energy_uj > (1ULL << 33) ? 1ULL << 33 : energy_uj;
		energy_uj -= e;
		num = e * price + c->rem_energy;
		nano = num / 3600000000ULL;
		c->rem_energy = num % 3600000000ULL;
		num = nano * pue + c->rem_pue;
		c->uunits += num / 1000000ULL;
		c->rem_pue = num % 1000000ULL;
	}
}

/* The closed form matches the stepwise sum, remainders included. */
TEST(cost_closed_form_matches_steps)
{
	unsigned long long seed = 42;
	unsigned int i;

	for (i = 0; i < 20000; i++) {
		struct pwrmig_cost a = { 0 }, b = { 0 };
		unsigned long long e, p;
		unsigned int pue, k;

		for (k = 0; k < 3; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			/* up to 2^45 uJ: at most 4096 reference steps */
			e = (seed >> 11) >> (seed % 40);
			p = (seed >> 7) % (PWRMIG_PRICE_MAX_UUNITS + 1);
			pue = 1000 + (seed >> 40) % 4001;
			pwrmig_cost_add(&a, e, p, pue);
			ref_cost_add(&b, e, p, pue);
		}
		ASSERT_EQ(b.uunits, a.uunits);
		ASSERT_EQ(b.rem_energy, a.rem_energy);
		ASSERT_EQ(b.rem_pue, a.rem_pue);
	}
}

/* A wrapped delta (2^64 - 1 uJ) costs what 128-bit arithmetic says. */
TEST(cost_huge_energy)
{
	struct pwrmig_cost c = { 0 };
	unsigned __int128 nano, uunits;

	pwrmig_cost_add(&c, ~0ULL, PWRMIG_PRICE_MAX_UUNITS, PWRMIG_PUE_MAX_MILLI);
	nano = (unsigned __int128)~0ULL * PWRMIG_PRICE_MAX_UUNITS / 3600000000ULL;
	uunits = nano * PWRMIG_PUE_MAX_MILLI / 1000000ULL;
	EXPECT_EQ((unsigned long long)uunits, c.uunits);
	EXPECT_EQ((unsigned long long)((unsigned __int128)~0ULL * PWRMIG_PRICE_MAX_UUNITS %
				       3600000000ULL), c.rem_energy);
	/* The total saturates instead of wrapping. */
	c.uunits = ~0ULL - 5;
	pwrmig_cost_add(&c, 3600000000000ULL, 1000000, 1000);
	EXPECT_EQ(~0ULL, c.uunits);
}

TEST(mul_div)
{
	EXPECT_EQ(6, pwrmig_mul_div(4, 3, 2));
	EXPECT_EQ(1000000000000ULL, pwrmig_mul_div(1000000000000ULL, 1000000000, 1000000000));
	EXPECT_EQ(333, pwrmig_mul_div(1000, 1, 3));
}

/*
 * pwrmig_split() as it was, handing the leftover units out one at a time
 * (O(n^2)): the reference the faster hand-out must match exactly.
 */
#define REF_ONE (1LL << 32)

static unsigned long long ref_shr(unsigned long long v, unsigned int shift)
{
	return shift < 64 ? v >> shift : 0;
}

static unsigned int ref_bits_of(unsigned long long v)
{
	unsigned int n = 0;

	while (v) {
		n++;
		v >>= 1;
	}
	return n;
}

static void split_reference(unsigned long long total, struct pwrmig_share *s,
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
	limit_bits = ref_bits_of(total) < 62 ? 63 - ref_bits_of(total) : 1;
	if (limit_bits > 31)
		limit_bits = 31;
	if (ref_bits_of(wmax) + ref_bits_of(n) > limit_bits)
		shift = ref_bits_of(wmax) + ref_bits_of(n) - limit_bits;
	for (i = 0; i < n; i++)
		sum += ref_shr(s[i].weight, shift);
	if (!sum) {
		for (i = 0; i < n; i++)
			s[i].out = 0;
		s[0].out = total;
		return;
	}

	for (i = 0; i < n; i++) {
		w = ref_shr(s[i].weight, shift);
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
		s[best].carry -= REF_ONE;
	}

	/* Keep what is carried bounded even if weights swing wildly. */
	for (i = 0; i < n; i++) {
		if (s[i].carry > 2 * REF_ONE)
			s[i].carry = 2 * REF_ONE;
		else if (s[i].carry < -2 * REF_ONE)
			s[i].carry = -2 * REF_ONE;
	}
}

TEST(split_matches_one_by_one)
{
	static struct pwrmig_share a[3000], b[3000];
	unsigned int round, i, n;
	uint64_t total;

	for (round = 0; round < 3000; round++) {
		n = 1 + next_rand() % (round < 2900 ? 40 : 3000);
		total = next_rand() >> (next_rand() % 64);
		for (i = 0; i < n; i++) {
			/* Few distinct weights and carries: many ties. */
			a[i].weight = round % 3 ? next_rand() % 4 : next_rand() >> (next_rand() % 64);
			a[i].carry = (long long)(next_rand() % 5) * (1LL << 31) -
				     (round % 2 ? 0 : (long long)(next_rand() % (1ULL << 33)));
			a[i].out = 0;
			b[i] = a[i];
		}
		pwrmig_split(total, a, n);
		split_reference(total, b, n);
		for (i = 0; i < n; i++) {
			ASSERT_EQ(b[i].out, a[i].out) TH_LOG("round %u share %u of %u", round, i, n);
			ASSERT_EQ(b[i].carry, a[i].carry) TH_LOG("round %u share %u of %u", round, i, n);
		}
	}
}

/*
 * CPU time seen through runtimes that lag (a running task's runtime is
 * brought up to date at its next tick): sample K sees what ran up to
 * K * WALL less a lag of up to 10 ms.  BUSY_PPM of the time really ran.
 */
static uint64_t idle_over(unsigned int samples, uint64_t busy_ppm)
{
	const uint64_t wall = 100000000, lag_max = 10000000;
	uint64_t seen, seen_last = 0, idle = 0, ran;
	long long bal = 0;
	unsigned int k;

	for (k = 1; k <= samples; k++) {
		ran = k * wall / 1000000 * busy_ppm;
		seen = ran - next_rand() % lag_max;
		if (seen < seen_last)
			seen = seen_last;
		idle += pwrmig_idle(&bal, wall, seen - seen_last);
		seen_last = seen;
	}
	return idle;
}

TEST(idle_lag_does_not_add_up)
{
	/* Busy throughout: what is charged as idle stays within one lag. */
	EXPECT_GE(10000000ULL, idle_over(1000, 1000000));
}

TEST(idle_real_idle_kept)
{
	uint64_t idle = idle_over(1000, 600000), want = 1000ULL * 40000000;

	/* 40 % idle over 100 s, within one lag. */
	EXPECT_GE(idle, want - 10000000);
	EXPECT_LE(idle, want + 10000000);
}

TEST(idle_debt_bounded)
{
	long long bal = 0;

	/* A runtime that jumps by ten samples hides at most one's idle. */
	EXPECT_EQ(0, pwrmig_idle(&bal, 1000, 11000));
	EXPECT_EQ(-1000, bal);
	EXPECT_EQ(0, pwrmig_idle(&bal, 1000, 0));
	EXPECT_EQ(1000, pwrmig_idle(&bal, 1000, 0));
	EXPECT_EQ(0, bal);
	EXPECT_EQ(400, pwrmig_idle(&bal, 1000, 600));
}

TEST_HARNESS_MAIN
