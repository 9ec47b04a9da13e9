// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loader of gpu.bpf.c: attach to security_file_open() and
 * security_file_ioctl() (fentry where the kernel has BPF trampolines, else
 * kprobes, else the raw syscall tracepoints) and read, per cgroup and
 * device, the opens and ioctls since the previous read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "gpu.h"
#include "gpu.skel.h"
#include "pwrmig_bpf.h"

/* A major is 12 bits in the kernel's dev_t (MAJOR(dev) = dev >> 20). */
#define MAJOR_MAX	((1U << 12) - 1)

struct snap {
	struct pwrmig_gpu_key key;
	uint64_t opens, ioctls;
};

struct pwrmig_gpu {
	struct gpu_bpf *skel;
	int ncpus;
	int hook;		/* enum hook */
	char fallback[512];	/* why the hooks before it were not taken */
	struct snap *prev;	/* totals at the previous read, sorted by key */
	size_t nprev;
};

static void why(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* The ways in, tried in this order. */
enum hook { HOOK_FENTRY, HOOK_KPROBE, HOOK_SYSCALL_TP, NR_HOOKS };

static const char *const hook_names[NR_HOOKS] = {
	[HOOK_FENTRY] = "fentry",
	[HOOK_KPROBE] = "kprobe",
	[HOOK_SYSCALL_TP] = "syscall_tp",
};

/* Feature probe: what the kernel's BTF must have for the hook to load. */
static const char *hook_missing(enum hook h)
{
	switch (h) {
	case HOOK_FENTRY:
		if (libbpf_find_vmlinux_btf_id("security_file_open", BPF_TRACE_FENTRY) < 0 ||
		    libbpf_find_vmlinux_btf_id("security_file_ioctl", BPF_TRACE_FENTRY) < 0)
			return "security_file_open/ioctl not in the kernel's BTF";
		break;
	case HOOK_SYSCALL_TP:
		if (libbpf_find_vmlinux_btf_id("sys_enter", BPF_TRACE_RAW_TP) < 0 ||
		    libbpf_find_vmlinux_btf_id("sys_exit", BPF_TRACE_RAW_TP) < 0)
			return "sys_enter/sys_exit tracepoints not in the kernel's BTF";
		break;
	default:
		break;
	}
	return NULL;
}

/* Open, configure, load and attach with hook H; STAGE names the step that failed. */
static int load(struct pwrmig_gpu *g, const struct pwrmig_gpu_opts *o, enum hook h,
		const char **stage)
{
	struct gpu_bpf *skel;
	unsigned int i;
	int err;

	*stage = "open";
	skel = gpu_bpf__open();
	if (!skel)
		return -errno;
	if (o && o->majors) {
		for (i = 0; i < o->nmajors; i++)
			skel->rodata->gpu_majors[i] = o->majors[i];
		skel->rodata->gpu_nmajors = o->nmajors;
	}
	if (o && o->max_entries) {
		*stage = "size the map of";
		err = bpf_map__set_max_entries(skel->maps.uses, o->max_entries);
		if (err)
			goto err_skel;
	}
	bpf_program__set_autoload(skel->progs.gpu_open_fentry, h == HOOK_FENTRY);
	bpf_program__set_autoload(skel->progs.gpu_ioctl_fentry, h == HOOK_FENTRY);
	bpf_program__set_autoload(skel->progs.gpu_open_kprobe, h == HOOK_KPROBE);
	bpf_program__set_autoload(skel->progs.gpu_ioctl_kprobe, h == HOOK_KPROBE);
	bpf_program__set_autoload(skel->progs.gpu_open_sys_exit, h == HOOK_SYSCALL_TP);
	bpf_program__set_autoload(skel->progs.gpu_ioctl_sys_enter, h == HOOK_SYSCALL_TP);

	*stage = "load";
	err = gpu_bpf__load(skel);
	if (err)
		goto err_skel;
	*stage = "attach";
	err = gpu_bpf__attach(skel);
	if (err)
		goto err_skel;
	g->skel = skel;
	g->hook = h;
	return 0;

err_skel:
	gpu_bpf__destroy(skel);
	return err;
}

static int check_opts(const struct pwrmig_gpu_opts *o, char *err, size_t errlen)
{
	unsigned int i;

	if (!o || !o->majors)
		return 0;
	if (!o->nmajors || o->nmajors > PWRMIG_GPU_MAX_MAJORS) {
		why(err, errlen, "gpu eBPF: %u device majors given, want 1 to %d",
		    o->nmajors, PWRMIG_GPU_MAX_MAJORS);
		return -EINVAL;
	}
	for (i = 0; i < o->nmajors; i++) {
		if (o->majors[i] > MAJOR_MAX) {
			why(err, errlen, "gpu eBPF: device major %u is over %u",
			    o->majors[i], MAJOR_MAX);
			return -EINVAL;
		}
	}
	return 0;
}

int pwrmig_gpu_open(struct pwrmig_gpu **out, const struct pwrmig_gpu_opts *o,
		    char *err, size_t errlen)
{
	const char *force = getenv("PWRMIG_BPF_GPU_HOOK");
	const char *stage, *missing;
	struct pwrmig_gpu *g;
	size_t len = 0;
	int ret, h;

	ret = check_opts(o, err, errlen);
	if (ret)
		return ret;
	g = calloc(1, sizeof(*g));
	if (!g) {
		why(err, errlen, "gpu eBPF: out of memory");
		return -ENOMEM;
	}
	g->ncpus = libbpf_num_possible_cpus();
	if (g->ncpus < 0) {
		ret = g->ncpus;
		why(err, errlen, "gpu eBPF: cannot count possible CPUs: %s", strerror(-ret));
		goto err_free;
	}

	/*
	 * Each hook that cannot load or attach leaves its reason and the next
	 * one is tried.  Diagnostics and tests may force one
	 * (PWRMIG_BPF_GPU_HOOK=fentry|kprobe|syscall_tp).
	 */
	ret = -ENOENT;
	for (h = 0; h < NR_HOOKS; h++) {
		if (force && strcmp(force, hook_names[h]))
			continue;
		missing = hook_missing(h);
		if (missing) {
			ret = -EOPNOTSUPP;
			len += snprintf(g->fallback + len, sizeof(g->fallback) - len, "%s%s: %s",
					len ? "; " : "", hook_names[h], missing);
		} else {
			ret = load(g, o, h, &stage);
			if (!ret)
				break;
			len += snprintf(g->fallback + len, sizeof(g->fallback) - len,
					"%s%s: cannot %s: %s", len ? "; " : "",
					hook_names[h], stage, strerror(-ret));
		}
		if (len >= sizeof(g->fallback))
			len = sizeof(g->fallback) - 1;
	}
	if (ret) {
		if (force && !len)
			why(err, errlen, "gpu eBPF: PWRMIG_BPF_GPU_HOOK=%s is no hook "
			    "(fentry, kprobe, syscall_tp)", force);
		else
			why(err, errlen, "gpu eBPF: cannot attach to opens and ioctls (%s)%s",
			    g->fallback, force ? ", PWRMIG_BPF_GPU_HOOK set" : "");
		goto err_free;
	}
	*out = g;
	return 0;

err_free:
	free(g);
	return ret;
}

const char *pwrmig_gpu_attach_kind(const struct pwrmig_gpu *g)
{
	return hook_names[g->hook];
}

const char *pwrmig_gpu_fallback_why(const struct pwrmig_gpu *g)
{
	return g->fallback;
}

static int key_cmp(const void *a, const void *b)
{
	const struct pwrmig_gpu_key *x = a, *y = b;

	if (x->cgid != y->cgid)
		return x->cgid < y->cgid ? -1 : 1;
	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	if (x->minor != y->minor)
		return x->minor < y->minor ? -1 : 1;
	return 0;
}

/* Sum one pair's per-CPU values; the latest ioctl time wins. */
static void sum(const struct pwrmig_gpu_val *v, int ncpus, struct pwrmig_gpu_val *t)
{
	int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < ncpus; i++) {
		t->opens += v[i].opens;
		t->ioctls += v[i].ioctls;
		if (v[i].last_ioctl_ns > t->last_ioctl_ns)
			t->last_ioctl_ns = v[i].last_ioctl_ns;
	}
}

struct entry {
	struct snap s;		/* totals now */
	struct snap *old;	/* at the previous read; NULL: new */
	uint64_t last_ioctl_ns;
	bool drop;		/* unused for an interval: remove from the map */
};

/*
 * Every (cgroup, device) pair in the map, with its counts summed over
 * the CPUs and the previous read's counts: into *OUT (N of them), each
 * marked to drop when it was not used since.  VALS: room for one value
 * per CPU.
 */
static int walk(struct pwrmig_gpu *g, struct pwrmig_gpu_val *vals, struct entry **out,
		size_t *n)
{
	int fd = bpf_map__fd(g->skel->maps.uses);
	struct pwrmig_gpu_key key, next, *prevkey = NULL;
	struct entry *e = NULL, *p;
	struct pwrmig_gpu_val t;
	struct snap *old;
	size_t cap = 0;

	*n = 0;
	while (!bpf_map_get_next_key(fd, prevkey, &next)) {
		key = next;
		prevkey = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;	/* removed meanwhile */
		if (*n == cap) {
			p = realloc(e, (cap ? cap * 2 : 64) * sizeof(*e));
			if (!p) {
				free(e);
				return -ENOMEM;
			}
			e = p;
			cap = cap ? cap * 2 : 64;
		}
		sum(vals, g->ncpus, &t);
		e[*n] = (struct entry){
			.s = { .key = key, .opens = t.opens, .ioctls = t.ioctls },
			.last_ioctl_ns = t.last_ioctl_ns,
		};
		old = g->prev ? bsearch(&key, g->prev, g->nprev, sizeof(*g->prev), key_cmp) : NULL;
		e[*n].old = old;
		if (old && old->opens == t.opens && old->ioctls == t.ioctls)
			e[*n].drop = true;
		(*n)++;
	}
	*out = e;
	return 0;
}

int pwrmig_gpu_read(struct pwrmig_gpu *g,
		    int (*fn)(const struct pwrmig_gpu_use *u, void *arg), void *arg)
{
	int fd = bpf_map__fd(g->skel->maps.uses);
	struct pwrmig_gpu_val *vals, t;
	struct snap *old, *snap = NULL;
	struct entry *e = NULL;
	size_t n = 0, j, nsnap = 0;
	struct pwrmig_gpu_use u;
	int err = 0;

	vals = calloc(g->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	err = walk(g, vals, &e, &n);
	if (err)
		goto out;

	/*
	 * Remove the pairs unused since the previous read.  Lookup and delete
	 * is one step under the map's lock, so a use that came in after the
	 * walk above is still seen and reported; only an add by a program
	 * that looked the pair up before the delete and writes after it can
	 * be lost, and only on a pair that was idle.
	 */
	for (j = 0; j < n; j++) {
		if (!e[j].drop)
			continue;
		if (bpf_map_lookup_and_delete_elem(fd, &e[j].s.key, vals))
			continue;	/* gone meanwhile: nothing new to report */
		sum(vals, g->ncpus, &t);
		e[j].s.opens = t.opens;
		e[j].s.ioctls = t.ioctls;
		e[j].last_ioctl_ns = t.last_ioctl_ns;
	}

	snap = calloc(n ? n : 1, sizeof(*snap));
	if (!snap) {
		err = -ENOMEM;
		goto out;
	}
	for (j = 0; j < n; j++) {
		old = e[j].old;
		u = (struct pwrmig_gpu_use){
			.cgid = e[j].s.key.cgid,
			.major = e[j].s.key.major,
			.minor = e[j].s.key.minor,
			.opens = e[j].s.opens - (old ? old->opens : 0),
			.ioctls = e[j].s.ioctls - (old ? old->ioctls : 0),
			.last_ioctl_ns = e[j].last_ioctl_ns,
		};
		if (!e[j].drop)
			snap[nsnap++] = e[j].s;
		if ((u.opens || u.ioctls) && !err)
			err = fn(&u, arg);
	}
	qsort(snap, nsnap, sizeof(*snap), key_cmp);
	free(g->prev);
	g->prev = snap;
	g->nprev = nsnap;
out:
	free(e);
	free(vals);
	return err;
}

int pwrmig_gpu_totals(struct pwrmig_gpu *g, struct pwrmig_gpu_totals *tot)
{
	struct pwrmig_gpu_val *vals, t;
	uint32_t key = 0;

	vals = calloc(g->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(g->skel->maps.overflow), &key, vals)) {
		free(vals);
		return -errno;
	}
	sum(vals, g->ncpus, &t);
	free(vals);
	tot->overflow_opens = t.opens;
	tot->overflow_ioctls = t.ioctls;
	return 0;
}

void pwrmig_gpu_close(struct pwrmig_gpu *g)
{
	if (!g)
		return;
	gpu_bpf__destroy(g->skel);
	free(g->prev);
	free(g);
}
