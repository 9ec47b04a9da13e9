// SPDX-License-Identifier: GPL-2.0
/*
 * Rounding the program's plan, the greedy fallback, and the plan checks
 * (see plan.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

#define EPS	1e-9

struct room {
	double gpus[SHP_MAX_SITES];
	double kw[SHP_MAX_SITES];
};

double plan_slack(const struct shp_problem *p, int j)
{
	const struct shp_pjob *job = &p->job[j];

	return job->last - (job->first > 0 ? job->first : 0) - job->work;
}

static double eff_price(const struct shp_problem *p, int s, int t)
{
	return p->price[s * p->nslots + t] * p->pue[s];
}

static int fits(const struct shp_problem *p, const struct room *r, int s,
		const struct shp_pjob *job)
{
	return r->gpus[s] + job->gpus <= p->gpus_free[s * p->nslots] + EPS &&
	       r->kw[s] + job->kw <= p->kw_free[s * p->nslots] + EPS;
}

static void take(struct room *r, int s, const struct shp_pjob *job)
{
	r->gpus[s] += job->gpus;
	r->kw[s] += job->kw;
}

static const struct shp_problem *sort_p;
static const struct shp_decision *sort_d;

/* Must-run first, then the program's share, then weight, then least slack. */
static int by_claim(const void *a, const void *b)
{
	int i = *(const int *)a, j = *(const int *)b;
	const struct shp_decision *x = &sort_d[i], *y = &sort_d[j];
	double si = plan_slack(sort_p, i), sj = plan_slack(sort_p, j);

	if (x->must != y->must)
		return y->must - x->must;
	if (fabs(x->run - y->run) > EPS)
		return x->run < y->run ? 1 : -1;
	if (sort_p->job[i].weight != sort_p->job[j].weight)
		return sort_p->job[i].weight < sort_p->job[j].weight ? 1 : -1;
	if (si != sj)
		return si > sj ? 1 : -1;
	return i - j;
}

static int *claim_order(const struct shp_problem *p, const struct shp_decision *d)
{
	int *order = malloc((p->njobs ? p->njobs : 1) * sizeof(int)), j;

	if (!order)
		return NULL;
	for (j = 0; j < p->njobs; j++)
		order[j] = j;
	sort_p = p;
	sort_d = d;
	qsort(order, p->njobs, sizeof(int), by_claim);
	return order;
}

/* What the planned work at S saves against doing it where the job is. */
static void move_value(const struct shp_problem *p, const struct shp_lp *lp, const double *x,
		       int j, int s, struct shp_decision *d)
{
	const struct shp_pjob *job = &p->job[j];
	int c;

	d->saving = 0;
	for (c = 0; c < lp->ncols; c++) {
		const struct shp_lp_col *col = &lp->col[c];
		int t;

		if (col->kind != LP_X || col->job != j || col->site != s || x[c] < EPS)
			continue;
		t = lp->period_start[col->period];
		d->saving += x[c] * job->kw * p->slot_h *
			     (eff_price(p, job->loc, t) - eff_price(p, s, t));
	}
	d->move_cost = job->move_cost[s];
}

static void init_decisions(const struct shp_problem *p, struct shp_decision *d)
{
	int j;

	for (j = 0; j < p->njobs; j++) {
		memset(&d[j], 0, sizeof(d[j]));
		d[j].site = -1;
		d[j].must = plan_slack(p, j) < 1 - EPS;
		d[j].price_now = eff_price(p, p->job[j].loc, 0);
	}
}

/* Place job J, preferring PREF; a job that must run may go elsewhere. */
static void place(const struct shp_problem *p, struct room *r, int j, int pref,
		  struct shp_decision *d)
{
	const struct shp_pjob *job = &p->job[j];
	int s;

	if (d[j].must && pref != job->loc && fits(p, r, job->loc, job))
		pref = job->loc;	/* a move now would cost time it lacks */
	if (fits(p, r, pref, job)) {
		d[j].site = pref;
	} else if (d[j].must) {
		for (s = 0; s < p->nsites; s++)
			if ((job->sites & (1u << s)) && fits(p, r, s, job)) {
				d[j].site = s;
				break;
			}
	}
	if (d[j].site >= 0) {
		take(r, d[j].site, job);
		d[j].price_now = eff_price(p, d[j].site, 0);
	}
}

/* ---- the deadline guard ------------------------------------------------------ */

static const struct shp_problem *edf_p;

static int by_deadline(const void *a, const void *b)
{
	const struct shp_pjob *x = &edf_p->job[*(const int *)a], *y = &edf_p->job[*(const int *)b];

	return x->last != y->last ? (x->last < y->last ? -1 : 1) : *(const int *)a - *(const int *)b;
}

/*
 * Whether every job can still be done in time after slot 0 as decided in
 * D: from slot 1 on, each job where it will then be, whole slots in
 * earliest-deadline order, packed into each slot's room.  A schedule that
 * this finds exists; one it misses may still exist (rigid jobs make the
 * exact question hard), so the guard errs towards running early.  Returns
 * a job that would be late, or -1.
 */
static int edf_late(const struct shp_problem *p, const struct shp_decision *d, int *order,
		    double *left)
{
	int j, k, t, s;

	for (j = 0; j < p->njobs; j++) {
		const struct shp_pjob *job = &p->job[j];
		double done = d[j].site < 0 ? 0 :
			      d[j].site == job->loc ? 1 : fmax(0, 1 - job->move_loss[d[j].site]);

		left[j] = job->work - done;
		/* Work that may come after the horizon is not due within it. */
		if (job->last > p->nslots)
			left[j] -= job->last - p->nslots;
		order[j] = j;
	}
	edf_p = p;
	qsort(order, p->njobs, sizeof(int), by_deadline);
	for (t = 1; t < p->nslots; t++) {
		struct room r = { 0 };

		for (k = 0; k < p->njobs; k++) {
			const struct shp_pjob *job;

			j = order[k];
			job = &p->job[j];
			if (left[j] <= EPS)
				continue;
			if (job->last <= t)
				return j;
			s = d[j].site >= 0 ? d[j].site : job->loc;
			if (r.gpus[s] + job->gpus <= p->gpus_free[s * p->nslots + t] + EPS &&
			    r.kw[s] + job->kw <= p->kw_free[s * p->nslots + t] + EPS) {
				take(&r, s, job);
				left[j] -= 1;
			}
		}
	}
	for (j = 0; j < p->njobs; j++)
		if (left[j] > EPS && p->job[j].last <= p->nslots)
			return j;
	return -1;
}

/* Run job J now to help a late job: where it is, or wherever there is room. */
static int force_run(const struct shp_problem *p, struct shp_decision *d, int j)
{
	const struct shp_pjob *job = &p->job[j];
	struct room r = { 0 };
	int i, s, victim = -1;

	for (i = 0; i < p->njobs; i++)
		if (d[i].site >= 0)
			take(&r, d[i].site, &p->job[i]);
	for (s = job->loc, i = -1; i < p->nsites; s = ++i) {
		if (i >= 0 && (i == job->loc || !(job->sites & (1u << i))))
			continue;
		if (fits(p, &r, s, job))
			goto place;
	}
	/* No room: pause the running job with the latest deadline after J's, where J is. */
	for (i = 0; i < p->njobs; i++)
		if (d[i].site == job->loc && p->job[i].last > job->last &&
		    (victim < 0 || p->job[i].last > p->job[victim].last))
			victim = i;
	if (victim < 0)
		return -1;
	r.gpus[job->loc] -= p->job[victim].gpus;
	r.kw[job->loc] -= p->job[victim].kw;
	if (!fits(p, &r, job->loc, job))
		return -1;
	d[victim].site = -1;
	d[victim].why = "made way for a deadline";
	s = job->loc;
place:
	d[j].site = s;
	d[j].why = "deadline (guard)";
	d[j].price_now = eff_price(p, s, 0);
	return 0;
}

/*
 * While the earliest-deadline check finds a job that would be late, run
 * now the paused job with the earliest deadline that is not after it.
 */
static void deadline_guard(const struct shp_problem *p, struct shp_decision *d)
{
	int *order = malloc((p->njobs ? p->njobs : 1) * sizeof(int));
	double *left = malloc((p->njobs ? p->njobs : 1) * sizeof(double));
	char *tried = calloc(p->njobs ? p->njobs : 1, 1);
	int late, j, pick, rounds;

	if (!order || !left || !tried)
		goto out;
	for (rounds = 0; rounds < p->njobs; rounds++) {
		late = edf_late(p, d, order, left);
		if (late < 0)
			break;
		pick = -1;
		for (j = 0; j < p->njobs; j++)
			if (d[j].site < 0 && !tried[j] && p->job[j].last <= p->job[late].last &&
			    (pick < 0 || p->job[j].last < p->job[pick].last))
				pick = j;
		if (pick < 0)
			break;	/* nothing paused can help: the program said why */
		tried[pick] = 1;
		force_run(p, d, pick);
	}
out:
	free(order);
	free(left);
	free(tried);
}

void plan_round(const struct shp_problem *p, const struct shp_lp *lp, const double *x,
		struct shp_decision *d)
{
	double target[SHP_MAX_SITES] = { 0 };
	struct room r = { 0 };
	int c, j, k, s, *order;

	init_decisions(p, d);
	for (c = 0; c < lp->ncols; c++) {
		const struct shp_lp_col *col = &lp->col[c];

		if (col->kind != LP_X)
			continue;
		d[col->job].planned[col->site] += x[c];
		if (col->period == 0) {
			d[col->job].at[col->site] += x[c];
			d[col->job].run += x[c];
			target[col->site] += x[c] * p->job[col->job].gpus;
		}
	}
	order = claim_order(p, d);
	if (!order) {
		plan_greedy(p, d);
		return;
	}
	/*
	 * Pass 0: what the program runs whole, where it runs it.  A solution
	 * whose slot 0 is whole (lp_solve_whole_slot0) fits as it stands.
	 */
	for (j = 0; j < p->njobs; j++)
		for (s = 0; s < p->nsites; s++)
			if (d[j].at[s] > 1 - 1e-6 && fits(p, &r, s, &p->job[j])) {
				d[j].site = s;
				d[j].why = d[j].must ? "deadline" : "planned";
				take(&r, s, &p->job[j]);
				d[j].price_now = eff_price(p, s, 0);
			}
	/* Pass 1: what the program runs at least half of, and what must run. */
	for (k = 0; k < p->njobs; k++) {
		int pref;

		j = order[k];
		if (d[j].site >= 0)
			continue;
		pref = p->job[j].loc;
		for (s = 0; s < p->nsites; s++)
			if (d[j].at[s] > d[j].at[pref] + EPS)
				pref = s;
		if (d[j].must || d[j].run >= 0.5 - EPS) {
			place(p, &r, j, pref, d);
			d[j].why = d[j].site < 0 ? "no room" : d[j].must ? "deadline" : "planned";
		}
	}
	/* Pass 2: fill what the program uses of each site with smaller shares. */
	for (k = 0; k < p->njobs; k++) {
		j = order[k];
		if (d[j].site >= 0 || d[j].run < 0.01)
			continue;
		for (s = 0; s < p->nsites; s++) {
			const struct shp_pjob *job = &p->job[j];

			if (d[j].at[s] < 0.01 || !fits(p, &r, s, job) ||
			    r.gpus[s] + job->gpus > target[s] + 0.5 * job->gpus + EPS)
				continue;
			d[j].site = s;
			d[j].why = "planned (share)";
			take(&r, s, job);
			d[j].price_now = eff_price(p, s, 0);
			break;
		}
	}
	deadline_guard(p, d);
	for (j = 0; j < p->njobs; j++) {
		if (d[j].site >= 0 && d[j].site != p->job[j].loc)
			move_value(p, lp, x, j, d[j].site, &d[j]);
		if (!d[j].why)
			d[j].why = "cheaper later";
	}
	free(order);
}

/* Whether slot 0 is among the cheapest slots job J needs at its site. */
static int cheapest_now(const struct shp_problem *p, int j)
{
	const struct shp_pjob *job = &p->job[j];
	int end = job->last < p->nslots ? job->last : p->nslots, t, cheaper = 0;
	double now = eff_price(p, job->loc, 0), need = job->work;

	if (end <= 0)
		return 1;
	/* With a deadline beyond the horizon, its share of the work. */
	if (job->last > p->nslots)
		need = job->work * p->nslots / (double)job->last;
	for (t = 1; t < end; t++)
		cheaper += eff_price(p, job->loc, t) < now - EPS;
	return cheaper < ceil(need - EPS);
}

void plan_greedy(const struct shp_problem *p, struct shp_decision *d)
{
	struct room r = { 0 };
	int j, k, *order;

	init_decisions(p, d);
	for (j = 0; j < p->njobs; j++)
		d[j].run = cheapest_now(p, j) || d[j].must;
	order = claim_order(p, d);
	for (k = 0; k < p->njobs; k++) {
		j = order ? order[k] : k;
		if (d[j].run > 0.5) {
			place(p, &r, j, p->job[j].loc, d);
			d[j].why = d[j].site < 0 ? "no room" : d[j].must ? "deadline" :
				   "cheapest slot";
		} else {
			d[j].why = "cheaper later";
		}
	}
	free(order);
}

int plan_check(const struct shp_problem *p, const struct shp_decision *d,
	       const char *const *names, char *err, size_t errlen)
{
	struct room r = { 0 };
	int j, s, late = -1;

	for (j = 0; j < p->njobs; j++) {
		const struct shp_pjob *job = &p->job[j];

		s = d[j].site;
		if (s < 0) {
			if (d[j].must && plan_slack(p, j) >= 0 && late < 0)
				late = j;
			continue;
		}
		if (s >= p->nsites || !(job->sites & (1u << s))) {
			snprintf(err, errlen, "job %s placed at a site it may not use",
				 names ? names[j] : "?");
			return -1;
		}
		take(&r, s, job);
	}
	for (s = 0; s < p->nsites; s++) {
		if (r.gpus[s] > p->gpus_free[s * p->nslots] + EPS) {
			snprintf(err, errlen, "site %d: %g GPU slots planned, %g free", s,
				 r.gpus[s], p->gpus_free[s * p->nslots]);
			return -1;
		}
		if (r.kw[s] > p->kw_free[s * p->nslots] + EPS) {
			snprintf(err, errlen, "site %d: %.1f kW planned, %.1f kW under the peak "
				 "limit", s, r.kw[s], p->kw_free[s * p->nslots]);
			return -1;
		}
	}
	if (late >= 0) {
		snprintf(err, errlen, "job %s must run now to meet its deadline, and no site "
			 "it may use has room", names ? names[late] : "?");
		return 1;
	}
	return 0;
}

int plan_infeasible(const struct shp_problem *p, const struct shp_lp *lp, const double *x,
		    const char *const *names, char *msg, size_t len)
{
	size_t off = 0;
	int c, n = 0;

	if (len)
		msg[0] = 0;
	for (c = 0; c < lp->ncols; c++) {
		const struct shp_pjob *job;

		if (lp->col[c].kind != LP_MISS || x[c] < 1e-6)
			continue;
		job = &p->job[lp->col[c].job];
		n++;
		if (off < len)
			off += snprintf(msg + off, len - off,
					"%sjob %s cannot meet its deadline: %.1f slots of work, "
					"%d slots before it, %.1f slots short for lack of room",
					off ? "; " : "", names ? names[lp->col[c].job] : "?",
					job->work, job->last, x[c]);
	}
	return n;
}
