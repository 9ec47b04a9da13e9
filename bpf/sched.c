// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loader of sched.bpf.c: attach to sched_switch (tp_btf where the
 * kernel's BTF allows, else raw tracepoint) and read per-cgroup CPU time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sched.h"
#include "sched.skel.h"
#include "pwrmig_bpf.h"

struct pwrmig_sched {
	struct sched_bpf *skel;
	int ncpus;
	int raw_fallback;
};

int pwrmig_sched_open(struct pwrmig_sched **out, unsigned int max_cgroups)
{
	struct pwrmig_sched *s;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ncpus = libbpf_num_possible_cpus();
	if (s->ncpus < 0) {
		err = s->ncpus;
		goto err_free;
	}
	s->skel = sched_bpf__open();
	if (!s->skel) {
		err = -errno;
		goto err_free;
	}
	if (max_cgroups) {
		err = bpf_map__set_max_entries(s->skel->maps.runtime, max_cgroups);
		if (err)
			goto err_skel;
	}
	/* Feature probe: tp_btf needs the tracepoint's type in vmlinux BTF. */
	if (libbpf_find_vmlinux_btf_id("sched_switch", BPF_TRACE_RAW_TP) < 0)
		s->raw_fallback = 1;
	bpf_program__set_autoload(s->skel->progs.sched_switch_btf, !s->raw_fallback);
	bpf_program__set_autoload(s->skel->progs.sched_switch_raw, s->raw_fallback);

	err = sched_bpf__load(s->skel);
	if (err)
		goto err_skel;
	err = sched_bpf__attach(s->skel);
	if (err)
		goto err_skel;
	*out = s;
	return 0;

err_skel:
	sched_bpf__destroy(s->skel);
err_free:
	free(s);
	return err;
}

const char *pwrmig_sched_attach_kind(const struct pwrmig_sched *s)
{
	return s->raw_fallback ? "raw_tp" : "tp_btf";
}

int pwrmig_sched_for_each(struct pwrmig_sched *s,
			  int (*fn)(uint64_t cgid, uint64_t runtime_ns,
				    uint64_t switches, void *arg),
			  void *arg)
{
	struct pwrmig_sched_val *vals;
	int fd = bpf_map__fd(s->skel->maps.runtime);
	uint64_t key, next, *prev = NULL;
	int err = 0, i;

	vals = calloc(s->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;	/* removed meanwhile */
		uint64_t rt = 0, sw = 0;

		for (i = 0; i < s->ncpus; i++) {
			rt += vals[i].runtime_ns;
			sw += vals[i].switches;
		}
		err = fn(key, rt, sw, arg);
		if (err)
			break;
	}
	free(vals);
	return err;
}

int pwrmig_sched_totals(struct pwrmig_sched *s, struct pwrmig_sched_totals *t)
{
	struct pwrmig_sched_cpu *cpus;
	uint32_t key = 0;
	int i;

	cpus = calloc(s->ncpus, sizeof(*cpus));
	if (!cpus)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.cpu_state), &key, cpus)) {
		free(cpus);
		return -errno;
	}
	memset(t, 0, sizeof(*t));
	for (i = 0; i < s->ncpus; i++) {
		t->idle_ns += cpus[i].idle_ns;
		t->overflow_ns += cpus[i].overflow_ns;
		t->overflow_switches += cpus[i].overflow_switches;
	}
	free(cpus);
	return 0;
}

int pwrmig_sched_ncpus(const struct pwrmig_sched *s)
{
	return s->ncpus;
}

int pwrmig_sched_running(struct pwrmig_sched *s, struct pwrmig_sched_running *r,
			 unsigned int n)
{
	struct pwrmig_sched_cpu *cpus;
	uint32_t key = 0;
	int i;

	cpus = calloc(s->ncpus, sizeof(*cpus));
	if (!cpus)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.cpu_state), &key, cpus)) {
		free(cpus);
		return -errno;
	}
	for (i = 0; i < s->ncpus && i < (int)n; i++) {
		r[i].since_ns = cpus[i].last_ns;
		r[i].cgid = cpus[i].cur_cgid;
		r[i].idle = !!cpus[i].cur_idle;
	}
	free(cpus);
	return i;
}

void pwrmig_sched_close(struct pwrmig_sched *s)
{
	if (!s)
		return;
	sched_bpf__destroy(s->skel);
	free(s);
}
