// SPDX-License-Identifier: GPL-2.0
/*
 * The shaper's model and policy: the linear program as built (periods,
 * coefficients), the cost of a move, and the invariants every plan keeps
 * on random problems: room (GPUs and the contracted kW) never exceeded,
 * jobs only where they may run, deadlines met whenever they can be, and an
 * impossible scenario reported with the job's name and why.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lp.h"
#include "plan.h"
#include "scenario.h"
#include "sim.h"
#include "solver.h"

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9 * (1 + fabs(a) + fabs(b));
}

TEST(periods_merge_equal_slots_only)
{
	/* Two sites, 8 slots: prices change at slot 3 (east) and slot 6 (west). */
	double price[16] = { 1, 1, 1, 2, 2, 2, 2, 2, 5, 5, 5, 5, 5, 5, 3, 3 };
	double gf[16], kf[16];
	struct shp_pjob job = { .loc = 0, .sites = 1, .work = 2, .last = 8, .kw = 1, .gpus = 1 };
	struct shp_problem p = {
		.nslots = 8, .nsites = 2, .njobs = 1, .slot_h = 0.25, .pue = { 1, 1 },
		.price = price, .gpus_free = gf, .kw_free = kf, .job = &job, .merge = 1,
	};
	struct shp_lp lp;
	int i;

	for (i = 0; i < 16; i++) {
		gf[i] = 4;
		kf[i] = INFINITY;
	}
	ASSERT_EQ(0, lp_build(&p, &lp));
	/* Slot 0 alone, then 1-2, 3-5, 6-7. */
	ASSERT_EQ(4, lp.nperiods);
	EXPECT_EQ(0, lp.period_start[0]);
	EXPECT_EQ(1, lp.period_start[1]);
	EXPECT_EQ(3, lp.period_start[2]);
	EXPECT_EQ(6, lp.period_start[3]);
	EXPECT_EQ(8, lp.period_start[4]);
	lp_free(&lp);
	/* Room changing in slot 5 splits the middle period: 3-4, 5. */
	gf[5] = 2;
	ASSERT_EQ(0, lp_build(&p, &lp));
	ASSERT_EQ(5, lp.nperiods);
	EXPECT_EQ(5, lp.period_start[3]);
	lp_free(&lp);
}

TEST(coefficients_are_the_cost_model)
{
	double price[4] = { 0.5, 0.8, 0.4, 0.4 }, gf[4] = { 8, 8, 8, 8 };
	double kf[4] = { INFINITY, INFINITY, 100, 100 };
	struct shp_pjob job = {
		.loc = 0, .sites = 3, .work = 1.5, .last = 2, .kw = 10, .gpus = 8,
		.move_cost = { 0, 3 }, .move_loss = { 0, 0.25 },
	};
	struct shp_problem p = {
		.nslots = 2, .nsites = 2, .njobs = 1, .slot_h = 0.25, .pue = { 1.3, 1.12 },
		.price = price, .gpus_free = gf, .kw_free = kf, .job = &job, .merge = 1,
		.where = SHP_WHERE_VISIT,
	};
	struct shp_solution sol;
	struct shp_lp lp;
	char err[256];
	int c, nx = 0;

	ASSERT_EQ(0, lp_build(&p, &lp));
	for (c = 0; c < lp.ncols; c++) {
		const struct shp_lp_col *col = &lp.col[c];
		int t = col->kind == LP_X ? lp.period_start[col->period] : 0;

		if (col->kind == LP_X) {
			/* price x PUE x kW x hours of a slot */
			EXPECT_TRUE(near(price[col->site * 2 + t] * p.pue[col->site] * 10 * 0.25,
					 lp.obj[c]));
			nx++;
		}
		if (col->kind == LP_MOVE)
			EXPECT_EQ(3, lp.obj[c]);
	}
	EXPECT_EQ(4, nx);
	/*
	 * Cheapest: slot 0 at east (0.65/kWh) and half of slot 1 at west
	 * (0.448/kWh) cannot beat staying (1.04/kWh) once the move costs 3
	 * and a quarter slot: 1.5 slots at east cost 2.5 x (0.65 + 0.52).
	 */
	ASSERT_EQ(0, lp_solve(&lp, SHP_SOLVE_PRIMAL, 0, &sol, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_TRUE(near(0.5 * 1.3 * 2.5 + 0.5 * 0.8 * 1.3 * 2.5, sol.objective))
		TH_LOG("objective %f", sol.objective);
	free(sol.x);
	lp_free(&lp);
}

TEST(move_cost_model)
{
	struct shp_world w = { .nsites = 2 };
	struct shp_job j = { .size_gb = 500 };

	w.site[0].pue = 1.3;
	w.site[1].pue = 1.12;
	w.site[0].link_gbit[1] = w.site[1].link_gbit[0] = 10;
	w.move = (struct shp_movecfg){ .kwh_per_gb = 0.01, .overhead_s = 120, .penalty = 2 };
	/* 500 GB over 10 Gbit/s: 400 s, and 120 s to write and restart. */
	EXPECT_TRUE(near(520, move_frozen_s(&w, &j, 0, 1)));
	/* 5 kWh of IT energy at the source's PUE and price, plus the penalty. */
	EXPECT_TRUE(near(5 * 1.3 * 1.0, move_cost(&w, &j, 0, 1, 1.0, 0)));
	EXPECT_TRUE(near(5 * 1.3 * 1.0 + 2, move_cost(&w, &j, 0, 1, 1.0, 1)));
	w.site[0].link_gbit[1] = 0;
	EXPECT_TRUE(isinf(move_frozen_s(&w, &j, 0, 1)));
}

/* A random problem: N jobs over T slots at two sites, seeded. */
static void random_problem(unsigned int seed, int n, int T, struct shp_pjob *jobs,
			   double *price, double *gf, double *kf, struct shp_problem *p)
{
	int i, t, s;

	srand(seed);
	for (t = 0; t < T; t++)
		for (s = 0; s < 2; s++) {
			price[s * T + t] = 0.2 + (rand() % 100) / 100.0;
			gf[s * T + t] = 8 + rand() % 24;
			kf[s * T + t] = s ? 20 + rand() % 40 : INFINITY;
		}
	for (i = 0; i < n; i++) {
		struct shp_pjob *j = &jobs[i];

		memset(j, 0, sizeof(*j));
		j->loc = rand() % 2;
		j->sites = rand() % 3 ? 3 : 1u << j->loc;
		j->gpus = 1 << (rand() % 4);
		j->kw = j->gpus * 1.25;
		j->work = 1 + rand() % 12;
		j->last = (int)j->work + rand() % 20;
		for (s = 0; s < 2; s++) {
			j->move_cost[s] = rand() % 5;
			j->move_loss[s] = (rand() % 50) / 100.0;
		}
		j->tail_price = 1;
		j->weight = 1 + rand() % 9;
	}
	*p = (struct shp_problem){
		.nslots = T, .nsites = 2, .njobs = n, .slot_h = 0.25, .pue = { 1.3, 1.12 },
		.price = price, .gpus_free = gf, .kw_free = kf, .job = jobs, .merge = 1,
		.block = seed % 2, .eps = 1e-6, .where = SHP_WHERE_NEAR, .near = 4,
	};
}

TEST(plans_never_exceed_room)
{
	enum { N = 30, T = 48 };
	double price[2 * T], gf[2 * T], kf[2 * T];
	struct shp_decision d[N];
	struct shp_pjob jobs[N];
	unsigned int seed;
	int fixes = 0, infeasible = 0;

	for (seed = 1; seed <= 200; seed++) {
		struct shp_problem p;
		struct shp_solution sol;
		struct shp_lp lp;
		char err[256];
		double g[2] = { 0 }, k[2] = { 0 };
		int j, rc;

		random_problem(seed, N, T, jobs, price, gf, kf, &p);
		ASSERT_EQ(0, lp_build(&p, &lp));
		ASSERT_EQ(0, lp_solve_whole_slot0(&lp, 0, &sol, err, sizeof(err)))
			TH_LOG("seed %u: %s", seed, err);
		fixes += sol.dives;
		plan_round(&p, &lp, sol.x, d);
		for (j = 0; j < N; j++) {
			if (d[j].site < 0)
				continue;
			ASSERT_TRUE(jobs[j].sites & (1u << d[j].site)) TH_LOG("seed %u job %d", seed, j);
			g[d[j].site] += jobs[j].gpus;
			k[d[j].site] += jobs[j].kw;
		}
		/* Counted here, apart from plan_check(), which must agree. */
		ASSERT_LE(g[0], gf[0]) TH_LOG("seed %u", seed);
		ASSERT_LE(g[1], gf[T]) TH_LOG("seed %u", seed);
		ASSERT_LE(k[1], kf[T] + 1e-9) TH_LOG("seed %u", seed);
		/*
		 * A job that must run and finds no room is reported; that only
		 * happens where the program could not fit it either.
		 */
		rc = plan_check(&p, d, NULL, err, sizeof(err));
		ASSERT_LE(0, rc) TH_LOG("seed %u: %s", seed, err);
		if (rc) {
			char why[512];

			EXPECT_NE(NULL, strstr(err, "must run now")) TH_LOG("seed %u: %s", seed, err);
			EXPECT_LT(0, plan_infeasible(&p, &lp, sol.x, NULL, why, sizeof(why)))
				TH_LOG("seed %u: %s", seed, err);
			infeasible++;
		}
		/* The greedy fallback keeps room too. */
		plan_greedy(&p, d);
		for (j = 0, g[0] = g[1] = 0; j < N; j++)
			if (d[j].site >= 0)
				g[d[j].site] += jobs[j].gpus;
		ASSERT_LE(g[0], gf[0]);
		ASSERT_LE(g[1], gf[T]);
		free(sol.x);
		lp_free(&lp);
	}
	/* The dive had fractions to settle, and most problems were feasible. */
	EXPECT_LT(0, fixes);
	EXPECT_GT(50, infeasible);
}

/* Write a scenario with JOBS lines; return its path. */
static const char *scenario(const char *extra, const char *jobs)
{
	static char path[64];
	char cwd[512];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/shaper-sc.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || !getcwd(cwd, sizeof(cwd)))
		abort();
	f = fdopen(fd, "w");
	fprintf(f, "name t\nstart 2026-07-06T00:00+08:00\ndays 2\ntariffs %s/data/tariffs\n"
		"site east tariff=zhejiang-4tier pue=1.30 gpus=16 peak_kw=30\n"
		"site west tariff=inner-mongolia-west pue=1.12 gpus=8\nlink east west 10\n"
		"load east 08:00-22:00 gpus=4 kw=5\n%s\n%s", cwd, extra, jobs);
	fclose(f);
	return path;
}

TEST(deadlines_met_whenever_feasible)
{
	unsigned int seed;
	int runs = 0, moves = 0;

	for (seed = 1; seed <= 12; seed++) {
		char jobs[4096], err[512];
		struct shp_scenario sc;
		struct shp_result res;
		struct shp_bound b;
		struct shp_sim sim;
		const char *path;
		int i, off = 0;

		srand(seed);
		for (i = 0; i < 10; i++) {
			int g = 1 << (rand() % 4), work = 1 + rand() % 10;

			off += snprintf(jobs + off, sizeof(jobs) - off,
					"job j%d site=east submit=0/%02d:%02d work=%dh "
					"deadline=+%dh gpus=%d kw=%.2f size=%dG%s\n",
					i, rand() % 20, 15 * (rand() % 4), work,
					work + 2 + rand() % 12, g, g * 1.25, 20 * g,
					rand() % 5 ? "" : " pin");
		}
		path = scenario("", jobs);
		ASSERT_EQ(0, scenario_load(path, &sc, err, sizeof(err))) TH_LOG("%s", err);
		unlink(path);
		ASSERT_EQ(0, sim_init(&sim, &sc, err, sizeof(err))) TH_LOG("%s", err);
		/* Only where every deadline can be met at all. */
		if (sim_bound(&sim, 1, 0, &b, err, sizeof(err)) == 0) {
			ASSERT_EQ(0, sim_run(&sim, &policy_shaper, &res, err, sizeof(err)));
			EXPECT_EQ(0, res.misses) TH_LOG("seed %u: %s", seed, res.missed);
			EXPECT_EQ(0, res.peak_over) TH_LOG("seed %u", seed);
			EXPECT_EQ(0, res.refused) TH_LOG("seed %u", seed);
			EXPECT_GE(res.cost, b.lp - 1e-6) TH_LOG("seed %u", seed);
			runs++;
			moves += res.moves;
		}
		sim_free(&sim);
		scenario_free(&sc);
	}
	EXPECT_LE(8, runs);
	EXPECT_LT(0, moves);
}

TEST(infeasible_scenario_named)
{
	/* Two 8-GPU jobs of 20 h in 22 h at east, and west holds only one. */
	const char *path = scenario("",
		"job a site=east submit=0/00:00 work=20h deadline=+22h gpus=8 kw=10 size=10G pin\n"
		"job b site=east submit=0/00:00 work=20h deadline=+22h gpus=8 kw=10 size=10G pin\n"
		"job c site=east submit=0/00:00 work=20h deadline=+22h gpus=8 kw=10 size=10G pin\n");
	struct shp_scenario sc;
	struct shp_bound b;
	struct shp_sim sim;
	char err[1024];

	ASSERT_EQ(0, scenario_load(path, &sc, err, sizeof(err))) TH_LOG("%s", err);
	unlink(path);
	ASSERT_EQ(0, sim_init(&sim, &sc, err, sizeof(err)));
	EXPECT_EQ(-1, sim_bound(&sim, 1, 0, &b, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "cannot meet its deadline")) TH_LOG("%s", err);
	EXPECT_TRUE(strstr(err, "job a ") || strstr(err, "job b ") || strstr(err, "job c "))
		TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(err, "for lack of room")) TH_LOG("%s", err);
	sim_free(&sim);
	scenario_free(&sc);
}

TEST_HARNESS_MAIN
