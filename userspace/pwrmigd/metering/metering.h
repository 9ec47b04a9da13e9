/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pwrmigd's metering: where the ledger comes from (a source: pwrmig.ko
 * in source_module.c, or this process's eBPF collector and meters in
 * ledger.c and source_bpf.c), GPU energy (gpu.c, gpu_drm.c) and the Prometheus exporter
 * (exporter.c).  Each fills or reads struct pd_snapshot (pwrmigd.h).
 */
#ifndef _PWRMIGD_METERING_H
#define _PWRMIGD_METERING_H

#include "pwrmigd.h"

/* ---- sources of the ledger -------------------------------------------------- */
struct pd_source {
	const char *mode;		/* "module", "bpf" */
	/* Set up; -1 with a message when it cannot run here. */
	int (*open)(struct pd *pd);
	/*
	 * One interval: GPU energy in, the ledger out to pd->snap (gen
	 * bumped).  0, PD_SOURCE_NEW when the ledger is a new one (the
	 * module was loaded again: its subscriptions and requests are new
	 * too), or -1.
	 */
	int (*tick)(struct pd *pd);
	/* The configured site (site, price, ... forecast) into the ledger's sites. */
	void (*configure)(struct pd *pd);
	void (*close)(struct pd *pd);
};

#define PD_SOURCE_NEW	1

extern const struct pd_source pd_source_module;	/* source_module.c */
extern const struct pd_source pd_source_bpf;		/* source_bpf.c */

/* One site of the snapshot (source_module.c). */
void pd_site_fill(struct pd_site *o, const char *name, int local, uint64_t price,
		  const char *currency, uint32_t pue_milli, int has_carbon, uint32_t carbon);
/* One of its forecast slots (in time order), as the time is NOW. */
void pd_site_slot(struct pd_site *o, uint64_t now, uint64_t start, uint32_t duration_s,
		  uint64_t price);

/* ---- module-less ledger (ledger.c) --------------------------------------- */
struct pd_ledger;
int pd_ledger_open(struct pd *pd, struct pd_ledger **out);
void pd_ledger_close(struct pd_ledger *l);
/* Sample: runtime from eBPF, energy from the meter, split and cost. */
int pd_ledger_sample(struct pd_ledger *l);
/* GPU energy of a cgroup, from pwrmigd's own GPU sampler. */
int pd_ledger_add_gpu(struct pd_ledger *l, uint64_t cgid, uint64_t uj);
/*
 * For the family socket (ledger_cg.c), with the module's rules: the terms
 * of cgroup ID's entry, made for a live cgroup (NULL with -ENOENT or
 * -ENOMEM in *ERR); energy-report's GPU energy, costed (0 or -errno in E).
 */
struct pwrmig_cg_terms *pd_ledger_terms(struct pd_ledger *l, uint64_t id, int *err);
int pd_ledger_report(struct pd_ledger *l, uint64_t id, const struct pwrmig_energy_req *r,
		     struct pwrmig_refusal *e);
void pd_ledger_fill(struct pd_ledger *l, struct pd_snapshot *s);
const char *pd_ledger_attach_kind(struct pd_ledger *l);
const char *pd_ledger_meter(struct pd_ledger *l);

/* ---- GPU sampler (gpu.c) --------------------------------------------------- */
struct pd_gpu;
/* NULL when there is no GPU to meter (and gpu = auto). */
int pd_gpu_open(struct pd *pd, struct pd_gpu **out);
/* --check-config of gpu = nvml: LIB loads and finds a GPU; 0, or -1 with ERR. */
int pd_nvml_check(const char *lib, char *err, size_t len);
void pd_gpu_close(struct pd_gpu *g);
/*
 * Read every device's energy and split the active part over the cgroups
 * of the processes using it; REPORT gets each cgroup's share.
 */
int pd_gpu_sample(struct pd_gpu *g,
		  int (*report)(void *arg, uint64_t cgid, unsigned int dev, uint64_t uj),
		  void *arg);
void pd_gpu_fill(struct pd_gpu *g, struct pd_snapshot *s);

/* ---- Prometheus exporter (exporter.c) --------------------------------------- */
struct pd_exporter;
int pd_exporter_start(struct pd *pd, struct pd_exporter **out);
void pd_exporter_stop(struct pd_exporter *e);

#endif
