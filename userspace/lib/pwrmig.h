/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpwrmig: client library for the pwrmig generic netlink family.
 *
 * Every call returns 0 on success or a negative errno; after a failure
 * pwrmig_errmsg() gives the kernel's extended-ack message when it sent one,
 * else the strerror() text.
 */
#ifndef _LIBPWRMIG_H
#define _LIBPWRMIG_H

#include <stdint.h>
#include <linux/pwrmig.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pwrmig;
struct nlmsghdr;

/* Module-wide facts (PWRMIG_CMD_INFO_GET). */
struct pwrmig_info {
	char version[32];
	uint32_t meter_kind;	/* enum pwrmig_meter_kind */
	uint32_t cpus;
	uint32_t packages;
	uint32_t interval_ms;
	uint64_t samples;
	uint32_t cgroups;
};

/* One cgroup's ledger entry (PWRMIG_CMD_CGROUP_GET). */
struct pwrmig_cgroup {
	uint64_t id;
	char path[256];		/* "" once the cgroup is gone */
	uint32_t flags;		/* PWRMIG_CGROUP_FLAGS_* */
	uint64_t runtime_ns;
	uint64_t cpu_uj;
	uint64_t dram_uj;
	uint64_t gpu_uj;
	uint64_t cost_uunits;
	char currency[4];	/* "" without a local site */
	uint64_t deadline;	/* UNIX time, 0 for none */
	uint32_t priority;
	/* Brought by a migrated job from earlier sites (cgroup-carry). */
	uint64_t carried_runtime_ns;
	uint64_t carried_cpu_uj;
	uint64_t carried_dram_uj;
	uint64_t carried_gpu_uj;
	uint64_t carried_cost_uunits;
};

/* What cgroup-carry adds; CURRENCY may be NULL (not checked then). */
struct pwrmig_carry {
	uint64_t runtime_ns;
	uint64_t cpu_uj;
	uint64_t dram_uj;
	uint64_t gpu_uj;
	uint64_t cost_uunits;
	const char *currency;
};

/* What cgroup-policy-set changes: fields with has_* or >= 0 only. */
struct pwrmig_policy {
	int deferrable;		/* 0, 1, or -1 to leave it */
	int migratable;		/* 0, 1, or -1 to leave it */
	int has_deadline;
	uint64_t deadline;
	int has_priority;
	uint32_t priority;
};

#define PWRMIG_LIB_MAX_DOMAINS	64

/* Totals of one package's domain since load. */
struct pwrmig_domain_totals {
	uint32_t package;
	uint32_t domain;	/* enum pwrmig_domain */
	uint64_t energy_uj;
	uint64_t idle_uj;
	uint64_t other_uj;
	uint64_t wraps;
	uint64_t wraps_estimated;
	uint64_t resets;
};

struct pwrmig_meter {
	uint32_t kind;		/* enum pwrmig_meter_kind */
	uint32_t interval_ms;
	int estimated;
	uint32_t model_idle_mw;
	uint32_t model_active_mw;
	unsigned int n_domains;
	struct pwrmig_domain_totals domains[PWRMIG_LIB_MAX_DOMAINS];
};

/* What meter-set changes: zero fields are left as they are. */
struct pwrmig_meter_config {
	uint32_t kind;
	uint32_t interval_ms;
	uint32_t model_idle_mw;
	uint32_t model_active_mw;
};

struct pwrmig_forecast {
	uint64_t start;		/* UNIX time */
	uint32_t duration_s;
	uint64_t price;		/* micro-units per kWh */
};

struct pwrmig_site {
	char name[PWRMIG_SITE_NAME_LEN];
	int local;
	uint64_t price;		/* micro-units of currency per kWh */
	char currency[4];
	uint32_t pue_milli;
	int has_carbon;
	uint32_t carbon_g_per_kwh;
	uint64_t changed;
	unsigned int n_forecast;
	struct pwrmig_forecast forecast[PWRMIG_MAX_FORECAST];
};

/*
 * What site-set or price-set sends: NAME always; the rest when has_* is
 * set, currency when not NULL, the forecast when set_forecast is set
 * (n_forecast 0 then clears it).
 */
struct pwrmig_site_config {
	const char *name;
	int local;
	int has_price;
	uint64_t price;
	const char *currency;
	uint32_t pue_milli;	/* 0: leave */
	int has_carbon;
	uint32_t carbon_g_per_kwh;
	int set_forecast;
	unsigned int n_forecast;
	const struct pwrmig_forecast *forecast;
};

struct pwrmig_migration {
	uint32_t id;
	uint64_t cgroup_id;
	char site[PWRMIG_SITE_NAME_LEN];
	uint32_t mode;		/* enum pwrmig_migrate_mode */
	char requester[64];
	uint32_t state;		/* enum pwrmig_migrate_state */
	uint32_t phase;		/* enum pwrmig_migrate_phase, 0 for none */
	uint64_t bytes;
	uint32_t rounds;
	uint32_t freeze_ms;
	uint32_t error;
	char error_msg[128];
	uint32_t claimant;
	uint64_t created;
	uint64_t updated;
	uint32_t timeout_s;
	char container[64];	/* OCI container id, "" for a plain cgroup */
	/* API version 2: the current step (a pre-copy round, the final transfer) */
	uint64_t phase_bytes;	/* bytes moved so far */
	uint64_t phase_total;	/* bytes it moves in all, 0 when not known */
	uint32_t phase_ms;	/* how long it has run */
};

/* What migrate-request asks for: NULL or 0 fields are not sent. */
struct pwrmig_migrate_order {
	uint64_t cgroup_id;
	const char *site;
	uint32_t mode;		/* 0: the module's default (live) */
	const char *requester;
	uint32_t timeout_s;	/* 0: the module's default */
	const char *container;	/* runc container id of the cgroup */
};

/* What migrate-status reports: zero fields are not sent. */
struct pwrmig_migrate_report {
	uint32_t state;
	uint32_t phase;
	int has_bytes;
	uint64_t bytes;
	uint32_t rounds;
	uint32_t freeze_ms;
	uint32_t error;
	/*
	 * What went wrong.  The module keeps 127 bytes; a longer message is
	 * sent as its first 40 bytes, "...", and its end (the step, then
	 * the reason), dropping the middle (usually a long path).
	 */
	const char *error_msg;
	/* API version 2: the current step's progress, sent when has_progress */
	int has_progress;
	uint64_t phase_bytes;
	uint64_t phase_total;
	uint32_t phase_ms;
};

/*
 * The API version of this header.  A struct that the library fills only
 * grows at its end, and only with a new version; the library then writes
 * into a caller's struct no more than the caller's version knows (its
 * api_version), so a program built against an older pwrmig.h keeps
 * working with a newer library.  Version 2: struct pwrmig_migration and
 * struct pwrmig_migrate_report end with the current step's progress.
 */
#define PWRMIG_API_VERSION	2

/*
 * Options of pwrmig_open_opts(), to be zeroed first; new fields only come
 * at the end.  SZ is sizeof(struct pwrmig_open_opts) as the caller knows
 * it: a library older than the caller's header refuses options it does
 * not know that are set (EINVAL) rather than ignore them.
 */
struct pwrmig_open_opts {
	size_t sz;
	uint32_t api_version;	/* PWRMIG_API_VERSION; 0 means 1 */
	uint32_t backend;	/* enum pwrmig_backend: who may serve */
};

enum pwrmig_backend {
	PWRMIG_BACKEND_ANY,	/* the module where loaded, else pwrmigd */
	PWRMIG_BACKEND_MODULE,	/* pwrmig.ko only */
	PWRMIG_BACKEND_DAEMON,	/* pwrmigd's socket only */
};

/*
 * Connect to the family.  Returns NULL with errno set: ENOENT when the
 * pwrmig module is not loaded and pwrmigd does not serve it either.  pwrmig_open() is pwrmig_open_opts() of
 * API version 1.  pwrmig_open_opts() also fails with EINVAL for options
 * it does not know, ENOTSUP for an API version newer than its own.
 * With a BACKEND, ENOENT says that one does not serve the family.
 */
struct pwrmig *pwrmig_open(void);
struct pwrmig *pwrmig_open_opts(const struct pwrmig_open_opts *opts);

/*
 * Who serves the family: "module" (pwrmig.ko, over generic netlink), or
 * "pwrmigd" (the daemon, module-less, on its UNIX socket: PWRMIG_SOCKET
 * in the environment, else /run/pwrmig/pwrmig.sock).  pwrmig_open()
 * takes the module where it is loaded, else pwrmigd; the requests,
 * replies, errors and events are the same.
 */
const char *pwrmig_backend(const struct pwrmig *pw);
void pwrmig_close(struct pwrmig *pw);

/* Turn library debug output (netlink messages) on stderr on or off. */
void pwrmig_set_debug(struct pwrmig *pw, int on);

/* Message of the last failed call: extack text or strerror. */
const char *pwrmig_errmsg(const struct pwrmig *pw);

/* All the kernel said about the last failed call. */
struct pwrmig_error {
	int error;		/* negative errno, 0 after success */
	int has_msg;		/* the kernel sent a message (errmsg) */
	uint32_t bad_attr_off;	/* offset of the bad attribute, 0 if none */
	uint32_t miss_type;	/* missing attribute type, 0 if none */
};

const struct pwrmig_error *pwrmig_last_error(const struct pwrmig *pw);

/*
 * Requests return 0 or a negative errno (pwrmig_errmsg says why).  Their
 * result pointer of a do request may be NULL when the reply is not wanted.
 */
int pwrmig_info_get(struct pwrmig *pw, struct pwrmig_info *info);

int pwrmig_cgroup_get(struct pwrmig *pw, uint64_t id, struct pwrmig_cgroup *cg);
/*
 * Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup, or
 * /sys/fs/cgroup/unified on hybrid hosts.  A cgroup's id is the inode
 * number of its directory there; paths in the ledger are below it.
 */
const char *pwrmig_cgroup_root(void);
/* Call CB for every ledger entry; a non-zero return from CB stops. */
int pwrmig_cgroup_dump(struct pwrmig *pw,
		       int (*cb)(const struct pwrmig_cgroup *cg, void *arg),
		       void *arg);
int pwrmig_cgroup_policy_set(struct pwrmig *pw, uint64_t id,
			     const struct pwrmig_policy *policy,
			     struct pwrmig_cgroup *cg);
/* Add a migrated job's ledger from its previous site to cgroup ID. */
int pwrmig_cgroup_carry(struct pwrmig *pw, uint64_t id, const struct pwrmig_carry *c,
			struct pwrmig_cgroup *cg);
/*
 * The same, once per CARRY_ID (non-zero, e.g. the migration's id): the
 * cgroup remembers the ids it took, and a second call with one of them
 * adds nothing and succeeds, so a retry after a crash is safe.
 */
int pwrmig_cgroup_carry_once(struct pwrmig *pw, uint64_t id, uint64_t carry_id,
			     const struct pwrmig_carry *c, struct pwrmig_cgroup *cg);
int pwrmig_energy_report(struct pwrmig *pw, uint64_t cgroup_id,
			 uint32_t device, uint64_t energy_uj);

int pwrmig_meter_get(struct pwrmig *pw, struct pwrmig_meter *meter);
int pwrmig_meter_set(struct pwrmig *pw, const struct pwrmig_meter_config *cfg,
		     struct pwrmig_meter *meter);

int pwrmig_site_get(struct pwrmig *pw, const char *name, struct pwrmig_site *site);
int pwrmig_site_dump(struct pwrmig *pw,
		     int (*cb)(const struct pwrmig_site *site, void *arg),
		     void *arg);
int pwrmig_site_set(struct pwrmig *pw, const struct pwrmig_site_config *cfg,
		    struct pwrmig_site *site);
int pwrmig_price_set(struct pwrmig *pw, const struct pwrmig_site_config *cfg,
		     struct pwrmig_site *site);
int pwrmig_site_del(struct pwrmig *pw, const char *name);

int pwrmig_migrate_request(struct pwrmig *pw, uint64_t cgroup_id,
			   const char *site, uint32_t mode,
			   const char *requester, uint32_t timeout_s,
			   struct pwrmig_migration *m);
int pwrmig_migrate_submit(struct pwrmig *pw, const struct pwrmig_migrate_order *order,
			  struct pwrmig_migration *m);
/* ID 0 claims the oldest pending request. */
int pwrmig_migrate_claim(struct pwrmig *pw, uint32_t id,
			 struct pwrmig_migration *m);
int pwrmig_migrate_status(struct pwrmig *pw, uint32_t id,
			  const struct pwrmig_migrate_report *r,
			  struct pwrmig_migration *m);
int pwrmig_migrate_get(struct pwrmig *pw, uint32_t id, struct pwrmig_migration *m);
int pwrmig_migrate_dump(struct pwrmig *pw,
			int (*cb)(const struct pwrmig_migration *m, void *arg),
			void *arg);
int pwrmig_migrate_cancel(struct pwrmig *pw, uint32_t id,
			  struct pwrmig_migration *m);

/* A multicast notification (see pwrmig_subscribe). */
struct pwrmig_telemetry {
	uint64_t sample;
	uint64_t interval_ns;
	uint64_t energy_uj;
	uint64_t power_mw;
	uint64_t price;
	uint32_t cgroups;
};

struct pwrmig_event {
	uint8_t cmd;	/* PWRMIG_CMD_{TELEMETRY,SITE,SITE_DEL,MIGRATE}_NTF */
	union {
		struct pwrmig_telemetry telemetry;
		struct pwrmig_site site;	/* SITE_DEL_NTF: only its name */
		struct pwrmig_migration migration;
	};
};

/*
 * Join a multicast group: PWRMIG_MCGRP_TELEMETRY or PWRMIG_MCGRP_MIGRATE.
 * Events arrive on a socket of their own, apart from requests.
 */
int pwrmig_subscribe(struct pwrmig *pw, const char *group);
/* File descriptor to poll for events. */
int pwrmig_event_fd(struct pwrmig *pw);
/*
 * Next event within TIMEOUT_MS (-1: wait, 0: only what is queued):
 * 1 with EV filled, 0 on timeout, negative errno on failure.
 */
int pwrmig_event_next(struct pwrmig *pw, int timeout_ms, struct pwrmig_event *ev);

/* Decoders of replies; exposed for tests and capture decoding. */
int pwrmig_info_parse(const struct nlmsghdr *nlh, struct pwrmig_info *info);
int pwrmig_cgroup_parse(const struct nlmsghdr *nlh, struct pwrmig_cgroup *cg);
int pwrmig_meter_parse(const struct nlmsghdr *nlh, struct pwrmig_meter *meter);
int pwrmig_site_parse(const struct nlmsghdr *nlh, struct pwrmig_site *site);
/* Fills the fields of API version 1 only (it has no handle to say more). */
int pwrmig_migration_parse(const struct nlmsghdr *nlh, struct pwrmig_migration *m);
int pwrmig_telemetry_parse(const struct nlmsghdr *nlh, struct pwrmig_telemetry *t);

/* Names of the spec's enums: "unknown" for values they lack. */
const char *pwrmig_meter_kind_str(uint32_t kind);
const char *pwrmig_domain_str(uint32_t domain);
const char *pwrmig_migrate_mode_str(uint32_t mode);
const char *pwrmig_migrate_state_str(uint32_t state);
const char *pwrmig_migrate_phase_str(uint32_t phase);
/* Look a name up in the same tables: 0 when unknown. */
uint32_t pwrmig_meter_kind_parse(const char *name);
uint32_t pwrmig_migrate_mode_parse(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* _LIBPWRMIG_H */
