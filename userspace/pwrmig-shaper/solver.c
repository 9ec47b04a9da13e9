// SPDX-License-Identifier: GPL-2.0
/*
 * CLP, COIN-OR's simplex solver, on the planning LP.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <coin/Cbc_C_Interface.h>
#include <coin/Clp_C_Interface.h>

#include "solver.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

const char *solver_version(void)
{
	static char v[32];

	snprintf(v, sizeof(v), "CLP %s", Clp_Version());
	return v;
}

/* An objective that rises by this much lost some deadline (lp.c's MISS_COST). */
#define LATE_COST	1e5

/* CLP takes large finite numbers for infinity. */
static double *finite_copy(const double *v, int n)
{
	double *c = malloc((n ? n : 1) * sizeof(*c));
	int i;

	if (!c)
		return NULL;
	for (i = 0; i < n; i++)
		c[i] = isinf(v[i]) ? (v[i] > 0 ? 1e30 : -1e30) : v[i];
	return c;
}

static const char *status_text(int status)
{
	static const char *const why[] = {
		"optimal", "primal infeasible", "dual infeasible (unbounded)",
		"stopped on iterations or time", "stopped by errors",
	};

	return status >= 0 && status < 5 ? why[status] : "unknown status";
}

struct model {
	Clp_Simplex *m;
	double *cup, *rlo, *rup;
};

static void model_free(struct model *md)
{
	if (md->m)
		Clp_deleteModel(md->m);
	free(md->cup);
	free(md->rlo);
	free(md->rup);
}

static int model_load(struct model *md, const struct shp_lp *lp, double max_seconds)
{
	memset(md, 0, sizeof(*md));
	md->cup = finite_copy(lp->cup, lp->ncols);
	md->rlo = finite_copy(lp->rlo, lp->nrows);
	md->rup = finite_copy(lp->rup, lp->nrows);
	md->m = Clp_newModel();
	if (!md->cup || !md->rlo || !md->rup || !md->m) {
		model_free(md);
		return -1;
	}
	Clp_setLogLevel(md->m, 0);
	Clp_loadProblem(md->m, lp->ncols, lp->nrows, lp->start, lp->index, lp->value,
			lp->clo, md->cup, lp->obj, md->rlo, md->rup);
	if (max_seconds > 0)
		Clp_setMaximumSeconds(md->m, max_seconds);
	return 0;
}

static int take_solution(Clp_Simplex *m, const struct shp_lp *lp, struct shp_solution *sol,
			 char *err, size_t errlen)
{
	free(sol->x);
	sol->x = malloc((lp->ncols ? lp->ncols : 1) * sizeof(double));
	if (!sol->x) {
		snprintf(err, errlen, "out of memory for the solution");
		return -1;
	}
	memcpy(sol->x, Clp_getColSolution(m), lp->ncols * sizeof(double));
	sol->objective = Clp_getObjValue(m);
	sol->iterations += Clp_numberIterations(m);
	return 0;
}

int lp_solve(const struct shp_lp *lp, enum shp_solve_method method, double max_seconds,
	     struct shp_solution *sol, char *err, size_t errlen)
{
	double t0 = now_s();
	struct model md;
	int status, rc = -1;

	memset(sol, 0, sizeof(*sol));
	if (model_load(&md, lp, max_seconds)) {
		snprintf(err, errlen, "out of memory for the solver");
		return -1;
	}
	switch (method) {
	case SHP_SOLVE_DUAL:
		Clp_initialDualSolve(md.m);
		break;
	case SHP_SOLVE_PRIMAL:
		Clp_initialPrimalSolve(md.m);
		break;
	case SHP_SOLVE_BARRIER:
		Clp_initialBarrierSolve(md.m);
		break;
	default:
		Clp_initialSolve(md.m);
		break;
	}
	sol->seconds = now_s() - t0;
	status = Clp_status(md.m);
	if (status)
		snprintf(err, errlen, "CLP: %s after %.2f s (status %d)", status_text(status),
			 sol->seconds, status);
	else
		rc = take_solution(md.m, lp, sol, err, errlen);
	model_free(&md);
	return rc;
}

/*
 * The job whose slot 0 is least settled, what to fix it to (SITE: run
 * there, -1: pause) and the other choice (ALT); -1: all whole.
 */
static int pick_fix(const struct shp_lp *lp, const double *x, int *site, int *alt)
{
	double best = -1, sum = 0, top = 0;
	int c, j = -1, job = -1, top_site = -1;

	for (c = 0; c <= lp->ncols; c++) {
		const struct shp_lp_col *col = c < lp->ncols ? &lp->col[c] : NULL;

		if (col && (col->kind != LP_X || col->period != 0))
			continue;
		if (!col || col->job != j) {
			/* Job J's slot 0 is settled when one site has all or nothing. */
			if (j >= 0 && !(sum < 1e-6 || (top > 1 - 1e-6 && sum < 1 + 1e-6))) {
				double margin = fabs(top - 0.5);

				if (margin > best) {
					best = margin;
					job = j;
					*site = top >= 0.5 ? top_site : -1;
					*alt = top >= 0.5 ? -1 : top_site;
				}
			}
			if (!col)
				break;
			j = col->job;
			sum = top = 0;
			top_site = -1;
		}
		sum += x[c];
		if (x[c] > top) {
			top = x[c];
			top_site = col->site;
		}
	}
	return job;
}

/* Fix JOB's slot 0: all of it at SITE, or nothing (-1). */
static void fix(const struct shp_lp *lp, int job, int site, double *lo, double *up)
{
	int c;

	for (c = 0; c < lp->ncols; c++) {
		const struct shp_lp_col *col = &lp->col[c];

		if (col->kind != LP_X || col->period != 0 || col->job != job)
			continue;
		lo[c] = up[c] = col->site == site ? 1 : 0;
	}
}

/*
 * Fix JOB to SITE (-1: pause) and solve from the last basis.  Returns
 * non-zero when that has no solution.
 */
static int refix(struct model *md, const struct shp_lp *lp, int job, int site, double *lo,
		 double *up)
{
	fix(lp, job, site, lo, up);
	Clp_chgColumnLower(md->m, lo);
	Clp_chgColumnUpper(md->m, up);
	Clp_dual(md->m, 0);
	return Clp_status(md->m) != 0;
}

int lp_solve_whole_slot0(const struct shp_lp *lp, double max_seconds, struct shp_solution *sol,
			 char *err, size_t errlen)
{
	double t0 = now_s(), *lo = NULL, *up = NULL, before, first, other;
	struct model md;
	int status, rc = -1, job, site, alt;

	memset(sol, 0, sizeof(*sol));
	if (model_load(&md, lp, max_seconds)) {
		snprintf(err, errlen, "out of memory for the solver");
		return -1;
	}
	lo = malloc((lp->ncols ? lp->ncols : 1) * sizeof(double));
	up = malloc((lp->ncols ? lp->ncols : 1) * sizeof(double));
	if (!lo || !up) {
		snprintf(err, errlen, "out of memory for the solver");
		goto out;
	}
	memcpy(lo, lp->clo, lp->ncols * sizeof(double));
	memcpy(up, md.cup, lp->ncols * sizeof(double));
	Clp_initialPrimalSolve(md.m);
	for (;;) {
		status = Clp_status(md.m);
		if (status) {
			snprintf(err, errlen, "CLP: %s after %.2f s (status %d, %d fixes)",
				 status_text(status), now_s() - t0, status, sol->dives);
			goto out;
		}
		if (take_solution(md.m, lp, sol, err, errlen))
			goto out;
		job = pick_fix(lp, sol->x, &site, &alt);
		if (job < 0)
			break;
		if (max_seconds > 0 && now_s() - t0 > max_seconds) {
			snprintf(err, errlen, "out of time after %d fixes", sol->dives);
			goto out;
		}
		before = sol->objective;
		first = refix(&md, lp, job, site, lo, up) ? INFINITY : Clp_getObjValue(md.m);
		if (first > before + LATE_COST) {
			/*
			 * The likelier choice costs a deadline (or has no room):
			 * take the other one, unless that is worse still.
			 */
			other = refix(&md, lp, job, alt, lo, up) ? INFINITY : Clp_getObjValue(md.m);
			if (other > first && refix(&md, lp, job, site, lo, up))
				refix(&md, lp, job, -1, lo, up);
			else if (isinf(other) && isinf(first))
				refix(&md, lp, job, -1, lo, up);
		}
		sol->dives++;
	}
	rc = 0;
out:
	sol->seconds = now_s() - t0;
	if (rc) {
		free(sol->x);
		sol->x = NULL;
	}
	free(lo);
	free(up);
	model_free(&md);
	return rc;
}

int lp_solve_mip(const struct shp_lp *lp, double max_seconds, int want_x, struct shp_mip *mip,
		 char *err, size_t errlen)
{
	double *cup = finite_copy(lp->cup, lp->ncols);
	double *rlo = finite_copy(lp->rlo, lp->nrows);
	double *rup = finite_copy(lp->rup, lp->nrows);
	Cbc_Model *m = Cbc_newModel();
	double t0 = now_s();
	char secs[32];
	int c, rc = -1;

	memset(mip, 0, sizeof(*mip));
	if (!cup || !rlo || !rup || !m) {
		snprintf(err, errlen, "out of memory for the solver");
		goto out;
	}
	Cbc_loadProblem(m, lp->ncols, lp->nrows, lp->start, lp->index, lp->value, lp->clo, cup,
			lp->obj, rlo, rup);
	for (c = 0; c < lp->ncols; c++)
		if (lp->col[c].kind == LP_X || lp->col[c].kind == LP_MOVE ||
		    lp->col[c].kind == LP_LOC)
			Cbc_setInteger(m, c);
	Cbc_setLogLevel(m, 0);
	snprintf(secs, sizeof(secs), "%.0f", max_seconds);
	Cbc_setParameter(m, "sec", secs);
	Cbc_setParameter(m, "ratio", "0.0001");
	Cbc_solve(m);
	mip->seconds = now_s() - t0;
	mip->bound = Cbc_getBestPossibleObjValue(m);
	mip->proven = Cbc_isProvenOptimal(m);
	mip->has_solution = Cbc_getColSolution(m) != NULL && Cbc_status(m) >= 0;
	mip->objective = Cbc_getObjValue(m);
	if (want_x && mip->has_solution) {
		mip->x = malloc((lp->ncols ? lp->ncols : 1) * sizeof(double));
		if (!mip->x) {
			snprintf(err, errlen, "out of memory for the solution");
			goto out;
		}
		memcpy(mip->x, Cbc_getColSolution(m), lp->ncols * sizeof(double));
	}
	rc = 0;
out:
	if (m)
		Cbc_deleteModel(m);
	free(cup);
	free(rlo);
	free(rup);
	return rc;
}
