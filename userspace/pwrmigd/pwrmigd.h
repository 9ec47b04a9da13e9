/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PWRMIGD_H
#define _PWRMIGD_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "cgterms.h"
#include "pwrmig.h"
#include "log.h"
#include "sites.h"

enum pd_mode { PD_MODE_AUTO, PD_MODE_MODULE, PD_MODE_BPF };
enum pd_meter { PD_METER_AUTO, PD_METER_POWERCAP, PD_METER_MODEL };
enum pd_gpu_mode { PD_GPU_AUTO, PD_GPU_NVML, PD_GPU_HWMON, PD_GPU_OFF };

struct pd_config {
	enum pd_mode mode;
	char listen_addr[64];
	uint16_t listen_port;
	uint32_t interval_ms;
	enum pd_meter meter;
	uint32_t model_idle_mw;
	uint32_t model_active_mw;
	char powercap_root[256];
	char site[32];
	uint64_t price;		/* micro-units per kWh */
	char currency[4];
	uint32_t pue_milli;
	int has_carbon;
	uint32_t carbon;	/* g CO2 per kWh */
	char forecast_path[256];	/* "": none */
	unsigned int n_forecast;
	struct pwrmig_forecast forecast[PWRMIG_MAX_FORECAST];
	enum pd_gpu_mode gpu;
	char nvml_library[256];
	int64_t gpu_idle_mw;	/* -1: learn it */
	uint32_t gpu_device_major;	/* char major of NVML's devices (195) */
	char sysfs_root[256];	/* /sys: DRM cards, hwmon, KFD */
	char proc_root[256];	/* /proc: DRM clients' fdinfo, their cgroups */
	uint32_t max_cgroups;
	uint32_t retention_s;	/* keep gone cgroups' figures (bpf mode) */
	char socket_path[108];	/* the family socket (bpf mode) */
	int open_reads;		/* everyone may read cgroups and telemetry there */

	/* migration endpoint (Documentation/migration.md) */
	int migrate;			/* serve and run migrations */
	char migrate_addr[64];
	uint16_t migrate_port;
	struct pd_peer {
		char site[32];
		char addr[64];
		uint16_t port;
		int has_pin, has_uids;
		unsigned char pin[32];	/* SHA-256 of its certificate's public key */
		uint32_t uid_lo, uid_hi;	/* what a restore from it may run as */
	} peers[16];
	unsigned int npeers;
	char tls_ca[256], tls_cert[256], tls_key[256];
	char tls_crl[256];		/* revoked certificates (PEM CRLs); "": none */
	char state_dir[256];
	char cgroup_root[256];		/* the subtree this node moves and restores */
	char criu[256], runc[256], runc_root[256];
	char bundle_root[256];		/* restored containers' bundles must be below; "": none */
	uint32_t predump_rounds;	/* pre-dump rounds at most (live) */
	uint32_t predump_min_pages;	/* stop when a round writes fewer */
	uint32_t predump_grow_pages;	/* stop when a round writes this many more */
	uint32_t predump_min_shrink_pct;	/* ... or does not shrink by this much */
	uint32_t link_timeout_s;	/* a silent peer is gone after this */
	uint32_t checkpoint_timeout_s;	/* a CRIU or runc run is killed after this */
};

/* The configured peer of SITE, NULL if none. */
const struct pd_peer *pd_config_peer(const struct pd_config *c, const char *site);

/* Parse FILE into CFG (defaults first); prints "FILE:LINE: ..." errors. */
void pd_config_defaults(struct pd_config *cfg);
int pd_config_load(struct pd_config *cfg, const char *file);

/* ---- what the exporter shows, from either mode ---------------------------- */

enum { PD_DOM_PKG, PD_DOM_DRAM, PD_DOM_GPU, PD_NR_DOMS };
extern const char *const pd_dom_names[PD_NR_DOMS];

struct pd_cgroup {
	uint64_t id;
	char path[256];		/* "" when unknown or gone */
	uint64_t runtime_ns;
	uint64_t energy_uj[PD_NR_DOMS];
	uint64_t cost_uunits;
	struct pwrmig_cg_terms terms;	/* bpf mode: policy-set, carry */
	int estimated;
	int gone;
};

struct pd_site {
	char name[32];
	int local;
	uint64_t price;
	char currency[4];
	uint32_t pue_milli;
	int has_carbon;
	uint32_t carbon_g_per_kwh;
	/* The forecast from now on: the next slot, the cheapest, its end. */
	int has_next;
	uint64_t next_start, next_price;
	int has_forecast;
	uint64_t min_price, forecast_end;
};

struct pd_gpu_dev {
	unsigned int index;
	char name[96];
	char uuid[80];		/* NVML's GPU-..., "" for others */
	char pci_bus_id[32];	/* NVML's 00000000:17:00.0, or sysfs' 0000:03:00.0 */
	const char *meter;	/* nvml, hwmon_energy, hwmon_power_average, ... */
	uint64_t read_errors;	/* energy or power readings that failed */
	uint64_t energy_uj;	/* the device's total since the daemon started */
	uint64_t idle_uj;	/* not attributed to any process */
	uint64_t power_mw;
	uint64_t resets;
};

struct pd_snapshot {
	const char *mode;	/* "module" or "bpf" */
	const char *meter;	/* rapl, model, external, powercap */
	int estimated;
	unsigned int domains;	/* bit per PD_DOM_* the meter measures */
	uint64_t samples;
	uint64_t interval_ns;		/* the last sample's length (bpf mode) */
	uint64_t interval_uj;		/* ... the packages' energy in it */
	uint32_t charged;		/* ... the cgroups it charged */
	uint64_t power_mw[PD_NR_DOMS];	/* node, over the last interval */
	uint64_t total_uj[PD_NR_DOMS];	/* node, since start */
	uint64_t idle_uj[PD_NR_DOMS];
	uint64_t other_uj[PD_NR_DOMS];
	size_t ncg, cap;
	struct pd_cgroup *cg;
	size_t nsites;
	struct pd_site sites[16];
	size_t ngpu;
	struct pd_gpu_dev gpu[16];
	uint64_t gpu_reports, gpu_report_errors;
	uint64_t gen;		/* bumped by every writer: the exporter renders it again */
};

/* The frozen-time histogram's upper bounds, in ms (then +Inf). */
#define PD_FROZEN_BOUNDS_MS	100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000
#define PD_FROZEN_BUCKETS	9

/* The migrations this pwrmigd sent, as they ended (tx_history()). */
struct pd_migstats {
	uint64_t done, failed;
	uint64_t bytes;				/* sent, whatever the outcome */
	uint64_t frozen_n, frozen_ms;		/* the jobs that were frozen */
	uint64_t frozen_le[PD_FROZEN_BUCKETS];	/* ... frozen at most each bound */
};

struct pd {
	struct pd_config cfg;
	pthread_mutex_t lock;		/* guards snap and migstats */
	struct pd_snapshot snap;
	struct pd_migstats migstats;
	struct pwrmig *pw;		/* pwrmig.ko, when loaded (module mode) */
	const struct pd_source *source;	/* where the ledger comes from */
	struct pd_ledger *ledger;	/* bpf mode */
	struct pd_gpu *gpu;
	struct pd_migrator *migrator;
	struct pd_receiver *receiver;
	struct pd_family *family;	/* bpf mode: the family's socket */
	/*
	 * bpf mode: the sites, from the configuration's site, then site-set
	 * and price-set on the family socket; the local one prices the
	 * ledger.  Changed and read in the main loop only.
	 */
	struct pwrmig_site_entry sites[PWRMIG_MAX_SITES];
};

/*
 * pwrmig.ko's family, never another pwrmigd's socket (metering/
 * source_module.c): NULL with errno ENOENT where the module is absent.
 */
struct pwrmig *pd_module_open(void);
/*
 * The family as this daemon's own threads reach it: the module, or in bpf
 * mode this daemon's socket (PWRMIG_SOCKET, set as it starts serving).
 * Never from the main loop, which serves that socket: it would wait for
 * itself.  NULL with errno set.
 */
struct pwrmig *pd_family_client(const struct pd *pd);

/* ---- cgroup ids and paths (cgroups.c) -------------------------------------- */
/* The cgroup v2 id (inode) of PID's cgroup, 0 if unknown. */
uint64_t pd_pid_cgroup(int pid);
/* The same, read from PROC (a procfs mount, or a test's tree). */
uint64_t pd_pid_cgroup_at(const char *proc, int pid);
/* Whether ID is a live cgroup: its directory has that inode. */
int pd_cgroup_live(uint64_t id);
/* Path below the root of cgroup ID, "" if not found (rescans at most once a call). */
int pd_cgroup_path(uint64_t id, char *buf, size_t len);
void pd_cgroup_path_add(uint64_t id, const char *path);
void pd_cgroup_path_forget(uint64_t id);

#endif
