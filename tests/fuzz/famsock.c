// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of pwrmigd's family socket, which any local user may
 * connect to: each input is one packet a client sends (any bytes: one or
 * more netlink messages, or not), served by the real server (family/
 * server.c, validate.c, ops.c, cgroups.c, sites.c, migrate.c, linked in) over a
 * real UNIX socket, as root (sites and terms change) or, for inputs whose
 * first byte is odd, as nobody (the client connects with that effective
 * uid).  The daemon's ledger is a small fixed snapshot whose entries'
 * terms and GPU energy the requests change (common/cgterms.c's rules).
 * Besides the sanitizers, every answer must be whole netlink messages.
 *
 * Built by "make fuzz-parsers" as build/fuzz/parse-famsock; seeds in
 * tests/fuzz/corpus/famsock (tests/lib/famraw.py's requests).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "family/family.h"
#include "metering/metering.h"

static struct pd fuzz_pd;
static struct pd_family *fam;
static struct pd_cgroup cgs[2] = {
	{ .id = 1, .path = "/", .runtime_ns = 5, .energy_uj = { 7, 0, 0 } },
	{ .id = 99, .path = "", .gone = 1 },
};
static char path[108];

/* The ledger: the snapshot's entries, changed in place. */
static struct pd_cgroup *entry(uint64_t id)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		if (cgs[i].id == id)
			return &cgs[i];
	return NULL;
}

struct pwrmig_cg_terms *pd_ledger_terms(struct pd_ledger *l, uint64_t id, int *err)
{
	struct pd_cgroup *cg = entry(id);

	if (!cg)
		*err = -ENOENT;
	return cg ? &cg->terms : NULL;
}

int pd_ledger_report(struct pd_ledger *l, uint64_t id, const struct pwrmig_energy_req *r,
		     struct pwrmig_refusal *e)
{
	struct pd_cgroup *cg = entry(id);
	unsigned long long gpu;

	if (!cg) {
		*e = (struct pwrmig_refusal){ -ENOENT, "no cgroup with this id",
					     PWRMIG_A_ENERGY_CGROUP_ID };
		return e->err;
	}
	gpu = cg->energy_uj[PD_DOM_GPU];
	if (pwrmig_energy_add(&gpu, r, e))
		return e->err;
	cg->energy_uj[PD_DOM_GPU] = gpu;
	return 0;
}

void pd_ledger_fill(struct pd_ledger *l, struct pd_snapshot *s)
{
}

/* The live cgroups: the snapshot's first entry. */
int pd_cgroup_live(uint64_t id)
{
	return id == cgs[0].id;
}

static void setup(void)
{
	snprintf(path, sizeof(path), "/tmp/pwrmig-fuzz-famsock-%d.sock", getpid());
	snprintf(fuzz_pd.cfg.socket_path, sizeof(fuzz_pd.cfg.socket_path), "%s", path);
	fuzz_pd.cfg.interval_ms = 100;
	fuzz_pd.snap.cg = cgs;
	fuzz_pd.snap.ncg = fuzz_pd.snap.cap = 2;
	fuzz_pd.snap.meter = "model";
	pthread_mutex_init(&fuzz_pd.lock, NULL);
	pd_log_init(0);
	if (pd_family_start(&fuzz_pd, &fam))
		abort();
}

static int client(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	strcpy(sun.sun_path, path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
		abort();
	return fd;
}

/* Whatever came back: whole messages, each of its stated length. */
static void drain(int fd)
{
	static char buf[70000];
	const struct nlmsghdr *nlh;
	ssize_t n;
	int len;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		len = (int)n;
		for (nlh = (const void *)buf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len))
			;
		if (len > 0 && len < (int)NLMSG_HDRLEN)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd;

	if (!fam)
		setup();
	if (size && (data[0] & 1) && seteuid(65534))
		abort();
	fd = client();
	if (seteuid(0))
		abort();
	pd_family_serve(fam);		/* accept */
	if (size && send(fd, data, size, 0) < 0)
		abort();
	pd_family_serve(fam);		/* serve */
	drain(fd);
	close(fd);
	pd_family_serve(fam);		/* see it gone */
	return 0;
}
