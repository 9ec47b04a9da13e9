// SPDX-License-Identifier: GPL-2.0
/*
 * The planning problem as a linear program (see lp.h).  For job j, site s
 * and period k of L_k slots:
 *
 *   x[j,s,k] in [0, L_jk]   slots j runs at s in k (L_jk: those in j's window)
 *   y[j,s]   in [0, 1]      j moves to s (s other than where it is)
 *   tail[j]  >= 0           work left for after the horizon (deadline beyond it)
 *   miss[j]  >= 0           work that cannot be done in time (penalised)
 *
 *   minimise  sum price[s,k] pue[s] kw[j] slot_h x  +  sum move_cost y
 *             + tail_price tail + MISS miss + eps weight start_k x
 *   work:     sum_{s,k} x + tail + miss - sum_s loss[j,s] y >= work[j]
 *   once:     sum_s x[j,s,k] <= L_jk                  (only one site at a time)
 *   visit:    sum_k x[j,s,k] - (work[j] + loss[j,s]) y[j,s] <= 0
 *                                       (running at s means moving there)
 *   gpus:     sum_j gpus[j] x[j,s,k] <= gpus_free[s,k] L_k
 *   kw:       sum_j kw[j] x[j,s,k]   <= kw_free[s,k] L_k   (sites with a limit)
 *
 * Prices and room are the same in every slot of a period, so merging them
 * loses nothing for cost; room is then checked over the period as a whole,
 * which relaxes the program (its optimum stays a lower bound of the
 * per-slot one).  The plan acts on slot 0 only, which is never merged.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lp.h"

/*
 * Work that cannot be done costs this much per slot, times the job's
 * weight (its priority): any real cost is less.
 */
#define MISS_COST	1e6

/* Make room for NEED elements in each of the N arrays of one capacity. */
static int grow(int *cap, int need, int n, ...)
{
	va_list ap;
	int c, i, rc = 0;

	if (need <= *cap)
		return 0;
	c = *cap ? *cap : 1024;
	while (c < need)
		c *= 2;
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		void **p = va_arg(ap, void **);
		size_t size = va_arg(ap, size_t);
		void *np = realloc(*p, (size_t)c * size);

		if (!np) {
			rc = -ENOMEM;
			break;
		}
		*p = np;
	}
	va_end(ap);
	/* Arrays that did grow keep their new size; the capacity stays the smaller. */
	if (!rc)
		*cap = c;
	return rc;
}

static int add_row(struct shp_lp *lp, double lo, double up)
{
	if (grow(&lp->caps[2], lp->nrows + 1, 2, (void **)&lp->rlo, sizeof(double),
		 (void **)&lp->rup, sizeof(double)))
		return -1;
	lp->rlo[lp->nrows] = lo;
	lp->rup[lp->nrows] = up;
	return lp->nrows++;
}

/* Start a column; its entries follow with add_entry(). */
static int add_col(struct shp_lp *lp, int kind, int job, int site, int period,
		   double obj, double lo, double up)
{
	if (grow(&lp->caps[0], lp->ncols + 2, 5, (void **)&lp->obj, sizeof(double),
		 (void **)&lp->clo, sizeof(double), (void **)&lp->cup, sizeof(double),
		 (void **)&lp->col, sizeof(*lp->col), (void **)&lp->start, sizeof(int)))
		return -ENOMEM;
	lp->obj[lp->ncols] = obj;
	lp->clo[lp->ncols] = lo;
	lp->cup[lp->ncols] = up;
	lp->col[lp->ncols] = (struct shp_lp_col){ kind, site, job, period };
	lp->start[lp->ncols] = lp->nnz;
	lp->ncols++;
	lp->start[lp->ncols] = lp->nnz;
	return lp->ncols - 1;
}

static int add_entry(struct shp_lp *lp, int row, double v)
{
	if (grow(&lp->caps[1], lp->nnz + 1, 2, (void **)&lp->index, sizeof(int),
		 (void **)&lp->value, sizeof(double)))
		return -ENOMEM;
	lp->index[lp->nnz] = row;
	lp->value[lp->nnz] = v;
	lp->nnz++;
	lp->start[lp->ncols] = lp->nnz;
	return 0;
}

/* Whether slot T looks like slot T-1 to the program at every site. */
static int same_slot(const struct shp_problem *p, int t)
{
	int s, i;

	for (s = 0; s < p->nsites; s++) {
		i = s * p->nslots + t;
		if (p->price[i] != p->price[i - 1] || p->gpus_free[i] != p->gpus_free[i - 1] ||
		    p->kw_free[i] != p->kw_free[i - 1])
			return 0;
	}
	return 1;
}

/*
 * With blocking, a period that starts at slot T lasts at least this many
 * slots: the first hour slot by slot, then hours, then 2- and 4-hour blocks.
 */
static int min_len(const struct shp_problem *p, int t)
{
	double h = t * p->slot_h;
	int len = h < 1 ? 1 : h < 12 ? 4 : h < 24 ? 8 : 16;
	int per_hour = (int)(1 / p->slot_h + 0.5);

	/* In slots of this problem's length (the table is for 15 minutes). */
	len = len * (per_hour ? per_hour : 1) / 4;
	return len < 1 ? 1 : len;
}

/* Whether a job's window starts or ends at slot T. */
static int window_edge(const struct shp_problem *p, int t)
{
	int j;

	for (j = 0; j < p->njobs; j++)
		if (p->job[j].first == t || p->job[j].last == t)
			return 1;
	return 0;
}

static int make_periods(const struct shp_problem *p, struct shp_lp *lp)
{
	int t, start = 0;

	lp->period_start = NULL;
	lp->nperiods = 0;
	for (t = 0; t <= p->nslots; t++) {
		if (t > 1 && t < p->nslots) {
			if (p->merge && same_slot(p, t) && !(p->split && window_edge(p, t)))
				continue;
			if (p->block && t - start < min_len(p, start))
				continue;
		}
		if (grow(&lp->caps[3], lp->nperiods + 1, 1, (void **)&lp->period_start,
			 sizeof(int)))
			return -ENOMEM;
		lp->period_start[lp->nperiods++] = t;
		start = t;
	}
	lp->nperiods--;		/* the last entry is the end */
	return 0;
}

/* Mean price and least room of site S over period K. */
static void period_of(const struct shp_problem *p, const struct shp_lp *lp, int s, int k,
		      double *price, double *gpus, double *kw)
{
	int a = lp->period_start[k], b = lp->period_start[k + 1], t;
	const int base = s * p->nslots;

	*price = 0;
	*gpus = p->gpus_free[base + a];
	*kw = p->kw_free[base + a];
	for (t = a; t < b; t++) {
		*price += p->price[base + t];
		*gpus = fmin(*gpus, p->gpus_free[base + t]);
		*kw = fmin(*kw, p->kw_free[base + t]);
	}
	*price /= b - a;
}

int lp_job_slots(const struct shp_problem *p, const struct shp_lp *lp, int j, int k)
{
	const struct shp_pjob *job = &p->job[j];
	int a = lp->period_start[k], b = lp->period_start[k + 1];

	if (a < job->first)
		a = job->first;
	if (b > job->last)
		b = job->last;
	return b > a ? b - a : 0;
}

static int nsites_of(unsigned int mask)
{
	return __builtin_popcount(mask);
}

/* Columns common to both move models: a job's run at site S in period K. */
static int add_x(const struct shp_problem *p, struct shp_lp *lp, int j, int s, int k, int n,
		 int cap_row, int kw_row)
{
	const struct shp_pjob *job = &p->job[j];
	double mid = (lp->period_start[k] + lp->period_start[k + 1]) / 2.0;
	double price, gpus, kw, cost;
	int c;

	period_of(p, lp, s, k, &price, &gpus, &kw);
	cost = price * p->pue[s] * job->kw * p->slot_h + p->eps * job->weight * mid;
	c = add_col(lp, LP_X, j, s, k, cost, 0, n);
	if (c < 0 ||
	    (job->gpus && add_entry(lp, cap_row + s * lp->nperiods + k, job->gpus)) ||
	    (kw_row >= 0 && isfinite(kw) && add_entry(lp, kw_row + s * lp->nperiods + k, job->kw)))
		return -ENOMEM;
	return c;
}

static int add_tail_miss(const struct shp_problem *p, struct shp_lp *lp, int j, int work_row)
{
	const struct shp_pjob *job = &p->job[j];
	int tail = job->last - (job->first > p->nslots ? job->first : p->nslots), c;

	if (tail > 0) {
		c = add_col(lp, LP_TAIL, j, 0, -1, job->tail_price, 0, tail);
		if (c < 0 || add_entry(lp, work_row, 1))
			return -ENOMEM;
	}
	c = add_col(lp, LP_MISS, j, 0, -1, MISS_COST * (job->weight > 0 ? job->weight : 1), 0,
		    INFINITY);
	if (c < 0 || add_entry(lp, work_row, 1))
		return -ENOMEM;
	return 0;
}

/* The location block of period K: see lp.h ("where"). */
static int block_of(const struct shp_problem *p, const struct shp_lp *lp, int k)
{
	return p->where == SHP_WHERE_PERIOD ? k : lp->period_start[k] >= p->near;
}

/*
 * The located model: where job J is in each block, z[b][s] in [0, 1]
 * summing to 1; it runs at a site only while it is there (x <= L z); every
 * arrival a[b][s] >= z[b][s] - z[b-1][s] is a move, paid and losing work,
 * so that going somewhere and coming back costs two moves.
 */
/* What build_located() builds for job J: its rows, by block and site. */
struct located {
	const struct shp_pjob *job;
	int j, nb, work_row;
	int *sum_row, *arr_row, *link, *used;	/* -1: no such row */
	double in_cost[SHP_MAX_SITES], in_loss[SHP_MAX_SITES];
};

/* The rows, before any column: work, one location per block, arrivals, links. */
static int located_rows(const struct shp_problem *p, struct shp_lp *lp, struct located *L)
{
	const struct shp_pjob *job = L->job;
	int b, s, k, prev, fail, S = SHP_MAX_SITES;

	L->work_row = add_row(lp, job->work, INFINITY);
	fail = L->work_row < 0;
	for (b = 0, prev = -1; b < L->nb; b++) {
		L->sum_row[b] = -1;
		for (s = 0; s < S; s++)
			L->arr_row[b * S + s] = -1;
		if (!L->used[b])
			continue;
		L->sum_row[b] = add_row(lp, 1, 1);
		fail |= L->sum_row[b] < 0;
		for (s = 0; s < p->nsites; s++) {
			/* The first block starts where the job is: no arrival there. */
			if (!(job->sites & (1u << s)) || (prev < 0 && s == job->loc))
				continue;
			L->arr_row[b * S + s] = add_row(lp, 0, INFINITY);
			fail |= L->arr_row[b * S + s] < 0;
		}
		prev = b;
	}
	for (k = 0; k < lp->nperiods; k++)
		for (s = 0; s < p->nsites; s++) {
			int *r = &L->link[k * S + s];

			*r = -1;
			if (lp_job_slots(p, lp, L->j, k) && (job->sites & (1u << s))) {
				*r = add_row(lp, -INFINITY, 0);
				fail |= *r < 0;
			}
		}
	return fail ? -ENOMEM : 0;
}

/* z: located at S in block B (linked to its slots); a: arrives there. */
static int located_cols(const struct shp_problem *p, struct shp_lp *lp, struct located *L,
			int b, int s)
{
	int next, k, c, S = SHP_MAX_SITES, *arr = L->arr_row;

	for (next = b + 1; next < L->nb && !L->used[next]; next++)
		;
	c = add_col(lp, LP_LOC, L->j, s, b, 0, 0, 1);
	if (c < 0 || add_entry(lp, L->sum_row[b], 1) ||
	    (arr[b * S + s] >= 0 && add_entry(lp, arr[b * S + s], -1)) ||
	    (next < L->nb && arr[next * S + s] >= 0 && add_entry(lp, arr[next * S + s], 1)))
		return -ENOMEM;
	for (k = 0; k < lp->nperiods; k++) {
		int r = L->link[k * S + s];

		if (r >= 0 && block_of(p, lp, k) == b &&
		    add_entry(lp, r, -lp_job_slots(p, lp, L->j, k)))
			return -ENOMEM;
	}
	if (arr[b * S + s] < 0)
		return 0;
	c = add_col(lp, LP_MOVE, L->j, s, b, L->in_cost[s], 0, 1);
	if (c < 0 || add_entry(lp, arr[b * S + s], 1) ||
	    add_entry(lp, L->work_row, -L->in_loss[s]))
		return -ENOMEM;
	return 0;
}

static int build_located(const struct shp_problem *p, struct shp_lp *lp, int j, int cap_row,
			 int kw_row)
{
	struct located L = { .job = &p->job[j], .j = j };
	const struct shp_pjob *job = L.job;
	double back_cost = 0, back_loss = 0;
	int b, s, k, n, c, err = -ENOMEM, S = SHP_MAX_SITES;

	for (s = 0; s < p->nsites; s++)
		if (s != job->loc && (job->sites & (1u << s))) {
			back_cost = fmax(back_cost, job->move_cost[s]);
			back_loss = fmax(back_loss, job->move_loss[s]);
		}
	for (s = 0; s < p->nsites; s++) {
		L.in_cost[s] = s == job->loc ? back_cost : job->move_cost[s];
		L.in_loss[s] = s == job->loc ? back_loss : job->move_loss[s];
	}
	for (k = 0; k < lp->nperiods; k++)
		if (block_of(p, lp, k) + 1 > L.nb)
			L.nb = block_of(p, lp, k) + 1;
	L.sum_row = malloc(L.nb * sizeof(int));
	L.arr_row = malloc((size_t)L.nb * S * sizeof(int));
	L.used = calloc(L.nb, sizeof(int));
	L.link = malloc((size_t)lp->nperiods * S * sizeof(int));
	if (!L.sum_row || !L.arr_row || !L.used || !L.link)
		goto out;
	for (k = 0; k < lp->nperiods; k++)
		if (lp_job_slots(p, lp, j, k))
			L.used[block_of(p, lp, k)] = 1;
	/* Rows first (the matrix is built column by column). */
	if (located_rows(p, lp, &L))
		goto out;
	for (b = 0; b < L.nb; b++)
		for (s = 0; L.used[b] && s < p->nsites; s++)
			if ((job->sites & (1u << s)) && located_cols(p, lp, &L, b, s))
				goto out;
	for (k = 0; k < lp->nperiods; k++) {
		n = lp_job_slots(p, lp, j, k);
		for (s = 0; n && s < p->nsites; s++) {
			if (!(job->sites & (1u << s)))
				continue;
			c = add_x(p, lp, j, s, k, n, cap_row, kw_row);
			if (c < 0 || add_entry(lp, L.work_row, 1) ||
			    add_entry(lp, L.link[k * S + s], 1))
				goto out;
		}
	}
	err = 0;
out:
	free(L.sum_row);
	free(L.arr_row);
	free(L.used);
	free(L.link);
	return err ? err : add_tail_miss(p, lp, j, L.work_row);
}

static int build_job(const struct shp_problem *p, struct shp_lp *lp, int j, int cap_row,
		     int kw_row)
{
	const struct shp_pjob *job = &p->job[j];
	int multi = nsites_of(job->sites) > 1;
	int work_row, once_row = -1, visit_row[SHP_MAX_SITES];
	int s, k, c, n;

	if (multi && p->where != SHP_WHERE_VISIT)
		return build_located(p, lp, j, cap_row, kw_row);
	work_row = add_row(lp, job->work, INFINITY);
	if (work_row < 0)
		return -ENOMEM;
	for (s = 0; s < p->nsites; s++) {
		visit_row[s] = -1;
		if (s == job->loc || !(job->sites & (1u << s)))
			continue;
		visit_row[s] = add_row(lp, -INFINITY, 0);
		if (visit_row[s] < 0)
			return -ENOMEM;
		/* y: the move; it loses work, so counts against the work row. */
		c = add_col(lp, LP_MOVE, j, s, -1, job->move_cost[s], 0, 1);
		if (c < 0 || add_entry(lp, work_row, -job->move_loss[s]) ||
		    add_entry(lp, visit_row[s], -fmax(job->work + job->move_loss[s], 1e-6)))
			return -ENOMEM;
	}
	for (k = 0; k < lp->nperiods; k++) {
		n = lp_job_slots(p, lp, j, k);
		if (!n)
			continue;
		if (multi) {
			once_row = add_row(lp, -INFINITY, n);
			if (once_row < 0)
				return -ENOMEM;
		}
		for (s = 0; s < p->nsites; s++) {
			if (!(job->sites & (1u << s)))
				continue;
			c = add_x(p, lp, j, s, k, n, cap_row, kw_row);
			if (c < 0 || add_entry(lp, work_row, 1) ||
			    (multi && add_entry(lp, once_row, 1)) ||
			    (visit_row[s] >= 0 && add_entry(lp, visit_row[s], 1)))
				return -ENOMEM;
		}
	}
	return add_tail_miss(p, lp, j, work_row);
}

int lp_build(const struct shp_problem *p, struct shp_lp *lp)
{
	int s, k, j, cap_row, kw_row = -1, limited = 0;
	double price, gpus, kw;

	memset(lp, 0, sizeof(*lp));
	if (make_periods(p, lp))
		goto nomem;
	/* Room rows first: site x period, for GPUs, then kW where limited. */
	cap_row = lp->nrows;
	for (s = 0; s < p->nsites; s++)
		for (k = 0; k < lp->nperiods; k++) {
			int len = lp->period_start[k + 1] - lp->period_start[k];

			period_of(p, lp, s, k, &price, &gpus, &kw);
			if (add_row(lp, -INFINITY, gpus * len) < 0)
				goto nomem;
			limited |= isfinite(kw);
		}
	if (limited) {
		kw_row = lp->nrows;
		for (s = 0; s < p->nsites; s++)
			for (k = 0; k < lp->nperiods; k++) {
				int len = lp->period_start[k + 1] - lp->period_start[k];

				period_of(p, lp, s, k, &price, &gpus, &kw);
				if (add_row(lp, -INFINITY, isfinite(kw) ? kw * len : INFINITY) < 0)
					goto nomem;
			}
	}
	for (j = 0; j < p->njobs; j++)
		if (build_job(p, lp, j, cap_row, kw_row))
			goto nomem;
	if (!lp->start) {
		lp->start = calloc(1, sizeof(int));
		if (!lp->start)
			goto nomem;
	}
	return 0;
nomem:
	lp_free(lp);
	return -ENOMEM;
}

void lp_free(struct shp_lp *lp)
{
	free(lp->period_start);
	free(lp->obj);
	free(lp->clo);
	free(lp->cup);
	free(lp->start);
	free(lp->index);
	free(lp->value);
	free(lp->col);
	free(lp->rlo);
	free(lp->rup);
	memset(lp, 0, sizeof(*lp));
}
