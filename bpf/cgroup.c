// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loader of cgroup.bpf.c: cgroup v2 mkdir, rmdir and attach events.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cgroup.h"
#include "cgroup.skel.h"
#include "pwrmig_bpf.h"

struct pwrmig_cgroup_events {
	struct cgroup_bpf *skel;
	struct ring_buffer *rb;
	int (*fn)(const struct pwrmig_cgroup_event *e, void *arg);
	void *arg;
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct pwrmig_cgroup_events *c = ctx;
	const struct pwrmig_cgev *ev = data;
	struct pwrmig_cgroup_event e;

	if (len < sizeof(*ev))
		return 0;
	e.type = ev->type == PWRMIG_CGEV_MKDIR ? PWRMIG_CGROUP_MKDIR :
		 ev->type == PWRMIG_CGEV_RMDIR ? PWRMIG_CGROUP_RMDIR : PWRMIG_CGROUP_ATTACH;
	e.cgid = ev->cgid;
	e.pid = ev->pid;
	e.path = ev->path;
	return c->fn(&e, c->arg);
}

int pwrmig_cgroup_events_open(struct pwrmig_cgroup_events **out,
			      int (*fn)(const struct pwrmig_cgroup_event *e, void *arg),
			      void *arg)
{
	struct pwrmig_cgroup_events *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fn = fn;
	c->arg = arg;
	c->skel = cgroup_bpf__open_and_load();
	if (!c->skel) {
		err = -errno;
		goto err_free;
	}
	err = cgroup_bpf__attach(c->skel);
	if (err)
		goto err_skel;
	c->rb = ring_buffer__new(bpf_map__fd(c->skel->maps.events), on_event, c, NULL);
	if (!c->rb) {
		err = -errno;
		goto err_skel;
	}
	*out = c;
	return 0;

err_skel:
	cgroup_bpf__destroy(c->skel);
err_free:
	free(c);
	return err;
}

int pwrmig_cgroup_events_poll(struct pwrmig_cgroup_events *c)
{
	return ring_buffer__consume(c->rb);
}

uint64_t pwrmig_cgroup_events_lost(struct pwrmig_cgroup_events *c)
{
	uint64_t *v, sum = 0;
	uint32_t key = 0;
	int i, n = libbpf_num_possible_cpus();

	if (n <= 0)
		return 0;
	v = calloc(n, sizeof(*v));
	if (v && !bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.lost), &key, v))
		for (i = 0; i < n; i++)
			sum += v[i];
	free(v);
	return sum;
}

void pwrmig_cgroup_events_close(struct pwrmig_cgroup_events *c)
{
	if (!c)
		return;
	ring_buffer__free(c->rb);
	cgroup_bpf__destroy(c->skel);
	free(c);
}
