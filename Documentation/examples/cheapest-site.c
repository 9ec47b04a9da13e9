// SPDX-License-Identifier: GPL-2.0
/*
 * An example scheduler consumer of libpwrmig: find the site where a kWh
 * costs least (price x PUE), and for every deferrable, migratable cgroup
 * here say whether moving it there would be cheaper.
 *
 *   cc cheapest-site.c $(pkg-config --cflags --libs libpwrmig)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pwrmig.h>

struct best {
	struct pwrmig_site local;
	struct pwrmig_site cheapest;
	int have_local, have_cheapest;
};

static double kwh_cost(const struct pwrmig_site *s)
{
	return s->price / 1e6 * s->pue_milli / 1e3;
}

static int site_cb(const struct pwrmig_site *s, void *arg)
{
	struct best *b = arg;

	if (s->local) {
		b->local = *s;
		b->have_local = 1;
	}
	if (!b->have_cheapest || kwh_cost(s) < kwh_cost(&b->cheapest)) {
		b->cheapest = *s;
		b->have_cheapest = 1;
	}
	return 0;
}

static int cgroup_cb(const struct pwrmig_cgroup *c, void *arg)
{
	const struct best *b = arg;
	const unsigned int want = PWRMIG_CGROUP_FLAGS_DEFERRABLE |
				  PWRMIG_CGROUP_FLAGS_MIGRATABLE;

	if ((c->flags & want) != want || (c->flags & PWRMIG_CGROUP_FLAGS_GONE))
		return 0;
	if (strcmp(b->cheapest.name, b->local.name))
		printf("move %s (cgroup %llu) to %s: %.4f instead of %.4f %s per kWh\n",
		       c->path, (unsigned long long)c->id, b->cheapest.name,
		       kwh_cost(&b->cheapest), kwh_cost(&b->local), b->local.currency);
	else
		printf("keep %s (cgroup %llu): %s is already the cheapest site\n",
		       c->path, (unsigned long long)c->id, b->local.name);
	return 0;
}

int main(void)
{
	struct best b = { 0 };
	struct pwrmig *pw = pwrmig_open();

	if (!pw) {
		fprintf(stderr, "cheapest-site: %s\n", errno == ENOENT ?
			"neither pwrmig.ko nor pwrmigd serves the family" :
			strerror(errno));
		return 1;
	}
	if (pwrmig_site_dump(pw, site_cb, &b) ||
	    (b.have_local && pwrmig_cgroup_dump(pw, cgroup_cb, &b))) {
		fprintf(stderr, "cheapest-site: %s\n", pwrmig_errmsg(pw));
		pwrmig_close(pw);
		return 1;
	}
	if (!b.have_local)
		fprintf(stderr, "cheapest-site: no local site is set\n");
	pwrmig_close(pw);
	return b.have_local ? 0 : 1;
}
