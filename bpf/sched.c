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
	/* Diagnostics and tests: take the fallback where tp_btf would do. */
	if (getenv("PWRMIG_BPF_RAW_TP"))
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

static int read_cpus(struct pwrmig_sched *s, struct pwrmig_sched_cpu **out)
{
	struct pwrmig_sched_cpu *cpus;
	uint32_t key = 0;

	cpus = calloc(s->ncpus, sizeof(*cpus));
	if (!cpus)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.cpu_state), &key, cpus)) {
		free(cpus);
		return -errno;
	}
	*out = cpus;
	return 0;
}

/* Was a CPU's state copied while its program was writing it? */
static int torn(const struct pwrmig_sched_cpu *c)
{
	return c->seq_end != c->seq_begin;
}

struct entry {
	uint64_t cgid, runtime_ns, switches;
};

static int append(struct entry **e, size_t *n, size_t *cap, uint64_t cgid)
{
	struct entry *p;

	if (*n == *cap) {
		p = realloc(*e, (*cap ? *cap * 2 : 256) * sizeof(**e));
		if (!p)
			return -1;
		*e = p;
		*cap = *cap ? *cap * 2 : 256;
	}
	(*e)[(*n)++] = (struct entry){ .cgid = cgid };
	return 0;
}

int pwrmig_sched_for_each(struct pwrmig_sched *s,
			  int (*fn)(uint64_t cgid, uint64_t runtime_ns,
				    uint64_t switches, void *arg),
			  void *arg)
{
	struct pwrmig_sched_val *vals;
	struct pwrmig_sched_cpu *cpus = NULL;
	int fd = bpf_map__fd(s->skel->maps.runtime);
	uint64_t key, next, *prev = NULL;
	struct entry *e = NULL;
	size_t n = 0, cap = 0, j;
	int err = 0, i;

	vals = calloc(s->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	/* The hash first, then the per-CPU pending runtime: a flush in
	 * between makes time late, never counted twice. */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;	/* removed meanwhile */
		if (append(&e, &n, &cap, key)) {
			err = -ENOMEM;
			goto out;
		}
		for (i = 0; i < s->ncpus; i++) {
			e[n - 1].runtime_ns += vals[i].runtime_ns;
			e[n - 1].switches += vals[i].switches;
		}
	}
	err = read_cpus(s, &cpus);
	if (err)
		goto out;
	for (i = 0; i < s->ncpus; i++) {
		if (torn(&cpus[i]) || !cpus[i].pend_ns)
			continue;
		for (j = 0; j < n && e[j].cgid != cpus[i].pend_cgid; j++)
			;
		if (j == n && append(&e, &n, &cap, cpus[i].pend_cgid)) {
			err = -ENOMEM;
			goto out;
		}
		e[j].runtime_ns += cpus[i].pend_ns;
		e[j].switches += cpus[i].pend_switches;
	}
	for (j = 0; j < n && !err; j++)
		err = fn(e[j].cgid, e[j].runtime_ns, e[j].switches, arg);
out:
	free(cpus);
	free(e);
	free(vals);
	return err;
}

int pwrmig_sched_totals(struct pwrmig_sched *s, struct pwrmig_sched_totals *t)
{
	struct pwrmig_sched_cpu *cpus;
	int i, err;

	err = read_cpus(s, &cpus);
	if (err)
		return err;
	memset(t, 0, sizeof(*t));
	for (i = 0; i < s->ncpus; i++) {
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

static uint64_t schedstat_runtime(uint64_t pid)
{
	unsigned long long v = 0;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%llu/schedstat", (unsigned long long)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

int pwrmig_sched_running(struct pwrmig_sched *s, struct pwrmig_sched_running *r,
			 unsigned int n)
{
	struct pwrmig_sched_cpu *before, *after;
	uint64_t now;
	int i, err;

	err = read_cpus(s, &before);
	if (err)
		return err;
	for (i = 0; i < s->ncpus && i < (int)n; i++) {
		r[i].running_ns = 0;
		r[i].cgid = before[i].in_cgid;
		if (torn(&before[i]) || !before[i].in_pid)
			continue;
		now = schedstat_runtime(before[i].in_pid);
		if (now > before[i].in_sum)
			r[i].running_ns = now - before[i].in_sum;
	}
	/* A switch while /proc was read: that stretch is charged already. */
	err = read_cpus(s, &after);
	if (err) {
		free(before);
		return err;
	}
	for (i = 0; i < s->ncpus && i < (int)n; i++)
		if (after[i].seq_end != before[i].seq_end || torn(&after[i]))
			r[i].running_ns = 0;
	free(before);
	free(after);
	return i;
}

void pwrmig_sched_close(struct pwrmig_sched *s)
{
	if (!s)
		return;
	sched_bpf__destroy(s->skel);
	free(s);
}
