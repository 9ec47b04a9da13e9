// SPDX-License-Identifier: GPL-2.0
/*
 * Reports of simulated runs (see report.h).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "report.h"
#include "tariff.h"

extern char **environ;

double report_saving(const struct shp_report *r, double cost)
{
	double base = r->res[0].cost;

	return base > 0 ? (base - cost) / base : 0;
}

static void scenario_line(FILE *out, const struct shp_scenario *sc)
{
	char day[32];
	time_t t = sc->start + sc->world.site[0].tz_s;
	struct tm tm;
	int s;

	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	fprintf(out, "scenario %s: %d days from %s, %d jobs, forecast error %.0f %%\n",
		sc->name, sc->days, day, sc->njobs, sc->forecast_error * 100);
	for (s = 0; s < sc->world.nsites; s++) {
		const struct shp_site *site = &sc->world.site[s];

		fprintf(out, "  site %-6s %s, PUE %.2f, %d GPU slots%s", site->name,
			site->tariff ? tariff_name(site->tariff) : "price feed", site->pue,
			site->gpus, site->peak_kw > 0 ? "," : "\n");
		if (site->peak_kw > 0)
			fprintf(out, " contracted peak %.0f kW\n", site->peak_kw);
	}
	if (sc->slack[0])
		fprintf(out, "  deadline slack: %s\n", sc->slack);
}

void report_table(FILE *out, const struct shp_report *r)
{
	const char *cur = r->sc->world.currency;
	int i, s, ns = r->sc->world.nsites;
	char peaks[64];

	scenario_line(out, r->sc);
	fprintf(out, "\n%-28s %12s %8s %10s %-16s %6s %8s %6s\n", "policy", "cost", "saving",
		"energy", "peak kW", "moves", "frozen", "misses");
	for (i = 0; i < r->nres; i++) {
		const struct shp_result *x = &r->res[i];
		int off = 0;

		for (s = 0; s < ns; s++)
			off += snprintf(peaks + off, sizeof(peaks) - off, "%s%.0f", s ? "/" : "",
					x->peak_kw[s]);
		fprintf(out, "%-28s %8.0f %s %7.1f%% %6.1f MWh %-16s %6d %6.2f h %6d", x->title,
			x->cost, cur, 100 * report_saving(r, x->cost), x->kwh / 1000, peaks,
			x->moves, x->frozen_h, x->misses);
		if (x->peak_over)
			fprintf(out, "  (%d site-slots over the contracted peak)", x->peak_over);
		if (x->refused)
			fprintf(out, "  (%d runs refused)", x->refused);
		if (x->misses)
			fprintf(out, "  missed: %s", x->missed);
		fprintf(out, "\n");
	}
	if (r->has_bound) {
		const struct shp_bound *b = &r->bound;

		if (b->has_mip)
			fprintf(out, "%-28s %8.0f %s %7.1f%%  (CBC, %s, %.1f s)\n",
				b->mip.proven ? "offline optimum (MILP)" : "offline optimum (bound)",
				b->cost, cur, 100 * report_saving(r, b->cost),
				b->mip.proven ? "proven" : "best bound of an unfinished search",
				b->mip.seconds);
		fprintf(out, "%-28s %8.0f %s %7.1f%%\n", "offline LP relaxation", b->lp, cur,
			100 * report_saving(r, b->lp));
	} else if (r->bound_err[0]) {
		fprintf(out, "offline optimum: %s\n", r->bound_err);
	}
	for (i = 0; i < r->nres; i++) {
		const struct shp_result *x = &r->res[i];

		if (x->solves)
			fprintf(out, "\n%s: %d re-plans, solve %.3f s mean, %.3f s max, "
				"%d greedy fallbacks", x->policy, x->solves, x->solve_mean_s,
				x->solve_max_s, x->fallbacks);
		if (x->solves && r->has_bound && r->res[0].cost > r->bound.cost)
			fprintf(out, "; %.1f %% of the optimum's saving",
				100 * (r->res[0].cost - x->cost) / (r->res[0].cost - r->bound.cost));
	}
	fprintf(out, "\n");
}

static json_object *result_json(const struct shp_report *r, const struct shp_result *x)
{
	json_object *o = json_object_new_object(), *peaks = json_object_new_object();
	int s;

	json_object_object_add(o, "policy", json_object_new_string(x->policy));
	json_object_object_add(o, "cost", json_object_new_double(x->cost));
	json_object_object_add(o, "saving", json_object_new_double(report_saving(r, x->cost)));
	json_object_object_add(o, "energy_kwh", json_object_new_double(x->kwh));
	for (s = 0; s < r->sc->world.nsites; s++)
		json_object_object_add(peaks, r->sc->world.site[s].name,
				       json_object_new_double(x->peak_kw[s]));
	json_object_object_add(o, "peak_kw", peaks);
	json_object_object_add(o, "peak_over_slots", json_object_new_int(x->peak_over));
	json_object_object_add(o, "moves", json_object_new_int(x->moves));
	json_object_object_add(o, "frozen_h", json_object_new_double(x->frozen_h));
	json_object_object_add(o, "misses", json_object_new_int(x->misses));
	json_object_object_add(o, "refused", json_object_new_int(x->refused));
	if (x->solves) {
		json_object_object_add(o, "solves", json_object_new_int(x->solves));
		json_object_object_add(o, "solve_mean_s", json_object_new_double(x->solve_mean_s));
		json_object_object_add(o, "solve_max_s", json_object_new_double(x->solve_max_s));
		json_object_object_add(o, "fallbacks", json_object_new_int(x->fallbacks));
	}
	return o;
}

void report_json(FILE *out, const struct shp_report *r)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	int i;

	json_object_object_add(o, "scenario", json_object_new_string(r->sc->name));
	json_object_object_add(o, "days", json_object_new_int(r->sc->days));
	json_object_object_add(o, "jobs", json_object_new_int(r->sc->njobs));
	json_object_object_add(o, "forecast_error", json_object_new_double(r->sc->forecast_error));
	json_object_object_add(o, "slack", json_object_new_string(r->sc->slack));
	json_object_object_add(o, "currency", json_object_new_string(r->sc->world.currency));
	for (i = 0; i < r->nres; i++)
		json_object_array_add(arr, result_json(r, &r->res[i]));
	json_object_object_add(o, "results", arr);
	if (r->has_bound) {
		json_object_object_add(o, "optimum", json_object_new_double(r->bound.cost));
		json_object_object_add(o, "optimum_saving",
				       json_object_new_double(report_saving(r, r->bound.cost)));
		json_object_object_add(o, "optimum_proven",
				       json_object_new_boolean(r->bound.has_mip && r->bound.mip.proven));
		json_object_object_add(o, "lp_relaxation", json_object_new_double(r->bound.lp));
	}
	fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
}

/* ---- traces and plots -------------------------------------------------------- */

int trace_init(struct shp_trace *tr, const struct shp_sim *sim)
{
	tr->nslots = sim->nslots;
	tr->nsites = sim->nsites;
	tr->kw = calloc((size_t)sim->nsites * sim->nslots, sizeof(double));
	tr->moves = calloc(sim->nslots, sizeof(int));
	return tr->kw && tr->moves ? 0 : -1;
}

void trace_record(struct shp_trace *tr, const struct shp_sim *sim)
{
	int s, j, t = sim->now;

	for (s = 0; s < sim->nsites; s++)
		tr->kw[s * tr->nslots + t] = sim->own_kw[s * sim->ntotal + t];
	for (j = 0; j < sim->njobs; j++) {
		const struct shp_sim_job *js = &sim->js[j];

		if (js->site_now >= 0)
			tr->kw[js->site_now * tr->nslots + t] += sim->sc->job[j].kw;
		if (js->last_move == t)
			tr->moves[t]++;
	}
	for (s = 0; s < sim->nsites; s++)
		tr->kw[s * tr->nslots + t] *= sim->w->site[s].pue;
}

void trace_free(struct shp_trace *tr)
{
	free(tr->kw);
	free(tr->moves);
}

/* Run gnuplot on SCRIPT: its own process group, no shell. */
int run_gnuplot(const char *script, char *err, size_t errlen)
{
	char *argv[] = { "gnuplot", (char *)script, NULL };
	posix_spawnattr_t at;
	int status, rc;
	pid_t pid;

	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	rc = posix_spawnp(&pid, "gnuplot", NULL, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	if (rc) {
		snprintf(err, errlen, "cannot run gnuplot: %s", strerror(rc));
		return -1;
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(err, errlen, "gnuplot failed on %s", script);
		return -1;
	}
	return 0;
}

int report_plot(const char *png, const struct shp_sim *sim, const struct shp_trace *tr,
		const char *title, char *err, size_t errlen)
{
	char dir[] = "/tmp/pwrmig-plot.XXXXXX", data[64], script[64];
	int t, s, rc;
	FILE *f;

	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "cannot make a temporary directory: %s", strerror(errno));
		return -1;
	}
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(script, sizeof(script), "%s/plot.gp", dir);
	f = fopen(data, "we");
	if (!f)
		goto io;
	for (t = 0; t < sim->slots_run; t++) {
		fprintf(f, "%.4f", t * sim->slot_h);
		for (s = 0; s < sim->nsites; s++)
			fprintf(f, " %.4f %.1f", sim_eff(sim, sim->price, s, t),
				tr->kw[s * tr->nslots + t]);
		fprintf(f, " %d\n", tr->moves[t]);
	}
	fclose(f);
	f = fopen(script, "we");
	if (!f)
		goto io;
	fprintf(f, "set terminal pngcairo size 1400,900 font ',10'\nset output '%s'\n"
		"set multiplot layout 3,1 title '%s'\nset grid\nset key outside right\n"
		"set xlabel 'hours'\nset ylabel '%s/kWh x PUE'\nplot ",
		png, title, sim->w->currency);
	for (s = 0; s < sim->nsites; s++)
		fprintf(f, "%s'%s' using 1:%d with steps title '%s'", s ? ", " : "", data,
			2 + 2 * s, sim->w->site[s].name);
	fprintf(f, "\nset ylabel 'facility kW'\nplot ");
	for (s = 0; s < sim->nsites; s++)
		fprintf(f, "%s'%s' using 1:%d with steps title '%s'", s ? ", " : "", data,
			3 + 2 * s, sim->w->site[s].name);
	fprintf(f, "\nset ylabel 'moves'\nplot '%s' using 1:%d with impulses lw 2 "
		"title 'migrations'\nunset multiplot\n", data, 2 + 2 * sim->nsites);
	fclose(f);
	rc = run_gnuplot(script, err, errlen);
	unlink(data);
	unlink(script);
	rmdir(dir);
	return rc;
io:
	snprintf(err, errlen, "cannot write the plot's data: %s", strerror(errno));
	unlink(data);
	rmdir(dir);
	return -1;
}
