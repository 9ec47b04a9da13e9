/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pwrmig's trace events: one per ledger sample, one per change of a
 * migration request, for perf trace, trace-cmd and tracefs
 * (events/pwrmig/).  Documentation/ledger.md and migration.md list them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pwrmig

#if !defined(_PWRMIG_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PWRMIG_TRACE_H

#include <linux/tracepoint.h>
#include <uapi/linux/pwrmig.h>

TRACE_DEFINE_ENUM(PWRMIG_MIGRATE_STATE_PENDING);
TRACE_DEFINE_ENUM(PWRMIG_MIGRATE_STATE_CLAIMED);
TRACE_DEFINE_ENUM(PWRMIG_MIGRATE_STATE_RUNNING);
TRACE_DEFINE_ENUM(PWRMIG_MIGRATE_STATE_DONE);
TRACE_DEFINE_ENUM(PWRMIG_MIGRATE_STATE_FAILED);
TRACE_DEFINE_ENUM(PWRMIG_MIGRATE_STATE_CANCELLED);
TRACE_DEFINE_ENUM(PWRMIG_MIGRATE_STATE_TIMED_OUT);

#define pwrmig_show_state(s)						\
	__print_symbolic(s,						\
		{ PWRMIG_MIGRATE_STATE_PENDING, "pending" },		\
		{ PWRMIG_MIGRATE_STATE_CLAIMED, "claimed" },		\
		{ PWRMIG_MIGRATE_STATE_RUNNING, "running" },		\
		{ PWRMIG_MIGRATE_STATE_DONE, "done" },			\
		{ PWRMIG_MIGRATE_STATE_FAILED, "failed" },		\
		{ PWRMIG_MIGRATE_STATE_CANCELLED, "cancelled" },	\
		{ PWRMIG_MIGRATE_STATE_TIMED_OUT, "timed-out" })

/* A sample of the ledger: the meter read and its energy shared out. */
TRACE_EVENT(pwrmig_sample,

	TP_PROTO(u64 sample, u64 elapsed_ns, u64 pkg_uj, u64 price,
		 unsigned int cgroups),

	TP_ARGS(sample, elapsed_ns, pkg_uj, price, cgroups),

	TP_STRUCT__entry(
		__field(u64, sample)
		__field(u64, elapsed_ns)
		__field(u64, pkg_uj)
		__field(u64, price)
		__field(unsigned int, cgroups)
	),

	TP_fast_assign(
		__entry->sample = sample;
		__entry->elapsed_ns = elapsed_ns;
		__entry->pkg_uj = pkg_uj;
		__entry->price = price;
		__entry->cgroups = cgroups;
	),

	TP_printk("sample=%llu elapsed_ns=%llu pkg_uj=%llu price=%llu cgroups=%u",
		  __entry->sample, __entry->elapsed_ns, __entry->pkg_uj,
		  __entry->price, __entry->cgroups)
);

/* A migration request changed: made, claimed, reported on, ended. */
TRACE_EVENT(pwrmig_migrate_state,

	TP_PROTO(u32 id, u64 cgroup_id, const char *site, u32 state, u32 phase,
		 u64 bytes, u32 error),

	TP_ARGS(id, cgroup_id, site, state, phase, bytes, error),

	TP_STRUCT__entry(
		__field(u32, id)
		__field(u64, cgroup_id)
		__array(char, site, PWRMIG_SITE_NAME_LEN)
		__field(u32, state)
		__field(u32, phase)
		__field(u64, bytes)
		__field(u32, error)
	),

	TP_fast_assign(
		__entry->id = id;
		__entry->cgroup_id = cgroup_id;
		strscpy(__entry->site, site, sizeof(__entry->site));
		__entry->state = state;
		__entry->phase = phase;
		__entry->bytes = bytes;
		__entry->error = error;
	),

	TP_printk("id=%u cgroup=%llu site=%s state=%s phase=%u bytes=%llu error=%u",
		  __entry->id, __entry->cgroup_id, __entry->site,
		  pwrmig_show_state(__entry->state), __entry->phase,
		  __entry->bytes, __entry->error)
);

#endif /* _PWRMIG_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
