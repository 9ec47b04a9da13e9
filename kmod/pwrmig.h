/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pwrmig module internals shared by its files.
 */
#ifndef _PWRMIG_H
#define _PWRMIG_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <uapi/linux/pwrmig.h>

#include "attrib.h"
#include "broker.h"
#include "cgterms.h"
#include "sites.h"

struct dentry;

#ifndef PWRMIG_VERSION
#error "PWRMIG_VERSION must come from the VERSION file (see Kbuild)"
#endif

/* Domains a meter counts per package; GPU energy comes from user space. */
enum {
	PWRMIG_MDOM_PKG,
	PWRMIG_MDOM_DRAM,
	PWRMIG_NR_MDOMS,
};

/* ---- sched.c: per-CPU runtime at sched_switch ---- */

/* Cgroups one CPU can tell apart within one sample interval. */
#define PWRMIG_CPU_SLOTS	64
/* Ledger entries the sampler checks for removed cgroups per sample. */
#define PWRMIG_REAP_BUDGET	1024

struct pwrmig_slot {
	u64 cgid;
	u64 runtime_ns;
};

/* What one CPU ran since the last harvest. */
struct pwrmig_harvest {
	u64 idle_ns;
	u64 other_ns;		/* cgroups with no free slot */
	u64 other_switches;
	unsigned int used;
	struct pwrmig_slot slot[PWRMIG_CPU_SLOTS];
};

int pwrmig_sched_start(void);
void pwrmig_sched_stop(void);
/* Move what CPU ran into H and start afresh (IPI to that CPU). */
void pwrmig_sched_harvest(int cpu, struct pwrmig_harvest *h);
/* Harvests done without an IPI (idle or isolated CPUs), for tests. */
u64 pwrmig_sched_ipis_spared(void);

/* ---- meter*.c: energy counters per package and domain ---- */

#define PWRMIG_METER_FAULTS	3

struct pwrmig_meter {
	enum pwrmig_meter_kind kind;
	const char *name;
	bool estimated;
	unsigned int bits;		/* counter width */
	/* Microjoules per count: uj_num / uj_den (DRAM: / uj_den_dram if set). */
	u64 uj_num;
	u64 uj_den;
	u64 uj_den_dram;
	/* Most counts per second per package and domain (0: unknown). */
	u64 max_rate_per_s;
	int (*start)(struct pwrmig_meter *m);
	void (*stop)(struct pwrmig_meter *m);
	/*
	 * Raw counter of PKG's DOM; -ENODATA when that domain is absent,
	 * another error when reading it failed (a package counter that fails
	 * PWRMIG_METER_FAULTS samples in a row hands over to the model).
	 */
	int (*read)(struct pwrmig_meter *m, unsigned int pkg, unsigned int dom,
		    u64 *raw);
	/* Model meters advance their counters from what the CPUs did. */
	void (*account)(struct pwrmig_meter *m, unsigned int pkg,
			u64 busy_ns, u64 idle_ns, unsigned int cpus);
	/*
	 * Optional: a number that changes when PKG's DOM counter restarted
	 * from zero (a driver reload), so that no wrap is read into it.
	 */
	u64 (*generation)(struct pwrmig_meter *m, unsigned int pkg, unsigned int dom);
};

extern struct pwrmig_meter pwrmig_meter_rapl;
extern struct pwrmig_meter pwrmig_meter_model;

/* Power model parameters, per CPU. */
extern bool pwrmig_open_reads;
extern u32 pwrmig_model_idle_mw;
extern u32 pwrmig_model_active_mw;

bool pwrmig_rapl_present(void);
int pwrmig_meter_model_init(void);
void pwrmig_meter_model_exit(void);

/* ---- meter.c: which meter, and one another module registers ---- */
/* The meter of KIND, NULL if none (external: none registered).  (lock held) */
struct pwrmig_meter *pwrmig_meter_by_kind(u32 kind);
/* RAPL where it works, else the model.  (lock held) */
int pwrmig_meter_default(void);
/* For other modules (EXPORT_SYMBOL_GPL): see meter.c. */
int pwrmig_meter_register(struct pwrmig_meter *m);
void pwrmig_meter_unregister(struct pwrmig_meter *m);

/* ---- ledger.c: cgroups, sampling, totals ---- */

struct pwrmig_cg {
	u64 id;			/* cgroup id, the index in pwrmig.cgroups */
	/* Seen removed (boottime ns; 0: live), and its place among them. */
	u64 removed_ns;
	struct list_head removed_node;
	u64 runtime_ns;
	u64 energy_uj[PWRMIG_NR_MDOMS];
	u64 gpu_uj;
	long long carry[PWRMIG_NR_MDOMS];
	struct pwrmig_cost cost;
	u32 flags;		/* PWRMIG_CGROUP_FLAGS_ESTIMATED */
	/* Policy, and the bill brought from earlier sites (not metered here). */
	struct pwrmig_cg_terms terms;
	u64 last_sample;	/* sample that last charged it */
	/* Its place in the split being built (valid while stamp matches). */
	unsigned int share;
	u64 share_stamp;
	u64 share_runtime_ns;
};

/* One package and domain's totals and counter state. */
struct pwrmig_dom_state {
	struct pwrmig_counter ctr;
	u64 gen;		/* meter's counter generation */
	u64 uj_rem;		/* remainder of the count -> uJ conversion */
	u64 energy_uj;
	u64 idle_uj;
	u64 other_uj;
	long long idle_carry;
	long long other_carry;
	bool present;
};

struct pwrmig_state {
	/* Everything below except the per-CPU tables is under lock. */
	struct mutex lock;
	struct pwrmig_meter *meter;
	unsigned int interval_ms;
	unsigned int packages;
	u64 samples;
	u64 last_sample_ns;
	/* Samples in a row in which a package counter faulted. */
	unsigned int meter_faults;
	struct pwrmig_dom_state *dom;	/* [packages][PWRMIG_NR_MDOMS] */
	struct xarray cgroups;		/* struct pwrmig_cg by cgroup id */
	unsigned int n_cgroups;
	struct list_head removed;	/* removed cgroups, oldest first */
	unsigned int n_removed;
	u64 freed;			/* entries of removed cgroups freed */
	unsigned long reap_next;	/* where the next reap scan starts */
	u64 full_scan;			/* sample + 1 of the last full scan */
	struct pwrmig_site_entry sites[PWRMIG_MAX_SITES];
	struct delayed_work sampler;
	bool running;
	bool nl_ready;		/* family registered: notify */
	/* Scratch for one sample, allocated at load. */
	struct pwrmig_harvest *harvest;		/* one per possible CPU */
	struct pwrmig_share *shares;
	struct pwrmig_cg **share_cg;
	unsigned int max_shares;
	struct dentry *debugfs;
	/* Broker (common/broker.c's requests). */
	struct pwrmig_broker broker;
};

extern struct pwrmig_state pwrmig;
extern unsigned int pwrmig_max_cgroups;
extern unsigned int pwrmig_keep_removed_s;
extern unsigned int pwrmig_claim_silence_s;

int pwrmig_ledger_init(void);
void pwrmig_ledger_stop(void);
void pwrmig_ledger_exit(void);
int pwrmig_meter_switch(struct pwrmig_meter *m);
void pwrmig_sample(void);
void pwrmig_sample_locked(void);
void pwrmig_sampler_kick(void);
struct pwrmig_cg *pwrmig_cg_find(u64 id);
struct pwrmig_cg *pwrmig_cg_get_or_add(u64 id);
struct pwrmig_site_entry *pwrmig_site_local(void);
struct pwrmig_site_entry *pwrmig_site_find(const char *name);
void pwrmig_cg_charge_cost(struct pwrmig_cg *cg, u64 energy_uj);
void pwrmig_ledger_reap(unsigned int budget);
bool pwrmig_cgns_is_root(void);

/* ---- broker.c ---- */
int pwrmig_broker_init(void);
void pwrmig_broker_exit(void);
void pwrmig_broker_expire(void);

/* ---- netlink.c ---- */
struct sk_buff;
struct genl_info;
bool pwrmig_nl_listening(unsigned int group);
/* INFO's attributes by type, as common/'s parsers take them. */
#define pwrmig_nl_tb(info)	((const struct nlattr *const *)(info)->attrs)

/* Refuse INFO's request as common/'s rules said (E): errno, extack. */
int pwrmig_nl_refuse(struct genl_info *info, const struct pwrmig_refusal *e);
/* Reply to INFO with one object built by FILL (SIZE: its message size). */
int pwrmig_nl_reply(struct genl_info *info, size_t size,
		    int (*fill)(struct sk_buff *skb, void *arg), void *arg);
void pwrmig_nl_multicast(struct sk_buff *msg, unsigned int group);
void pwrmig_nl_notify_telemetry(u64 interval_ns, u64 energy_uj, u64 price,
				unsigned int cgroups);
void pwrmig_nl_notify_site(const struct pwrmig_site_entry *s, bool deleted);
void pwrmig_nl_notify_migrate(const struct pwrmig_migrate *m);

#endif /* _PWRMIG_H */
