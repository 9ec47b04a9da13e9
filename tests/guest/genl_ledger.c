// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink semantics of the ledger, sites and broker against the loaded
 * module, or pwrmigd's socket where the module is not loaded (libpwrmig
 * falls back to it): each refusal carries the right errno, an extack
 * message and the bad or missing attribute; dumps larger than one
 * message resume without losing or repeating an entry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "kselftest_harness.h"
#include "pwrmig.h"
#include "internal.h"

#define CG_ROOT "/sys/fs/cgroup"

/* Attribute whose offset the kernel should report, while building. */
static struct nlattr *mark;

static struct nl_msg *msg_new(struct pwrmig *pw, uint8_t cmd, int flags)
{
	mark = NULL;
	return pwrmig_msg(pw, cmd, flags);
}

static uint32_t mark_off(struct nl_msg *msg)
{
	return mark ? (uint32_t)((char *)mark - (char *)nlmsg_hdr(msg)) : 0;
}

/* Send MSG; on failure check errno, extack text and the bad attribute. */
static int send_expect(struct __test_metadata *_metadata, struct pwrmig *pw,
		       struct nl_msg *msg, int want_err, const char *want_msg)
{
	uint32_t want_off = mark_off(msg);
	const struct pwrmig_error *e;
	int err;

	err = pwrmig_request(pw, msg, NULL, NULL);
	e = pwrmig_last_error(pw);
	EXPECT_EQ(want_err, err) {
		TH_LOG("kernel said: %s", pwrmig_errmsg(pw));
	}
	if (want_msg) {
		EXPECT_NE(NULL, strstr(pwrmig_errmsg(pw), want_msg)) {
			TH_LOG("extack '%s' lacks '%s'", pwrmig_errmsg(pw), want_msg);
		}
	}
	if (want_off) {
		EXPECT_EQ(want_off, e->bad_attr_off);
	}
	return err;
}

static uint64_t make_cgroup(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), CG_ROOT "/%s", name);
	mkdir(path, 0755);
	if (stat(path, &st))
		return 0;
	return st.st_ino;
}

static void put_site(struct nl_msg *m, const char *name, uint64_t price,
		     const char *cur)
{
	nla_put_string(m, PWRMIG_A_SITE_NAME, name);
	if (price)
		nla_put_u64(m, PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH, price);
	if (cur)
		nla_put_string(m, PWRMIG_A_SITE_CURRENCY, cur);
}

FIXTURE(ledger) {
	struct pwrmig *pw;
	uint64_t cg;
};

FIXTURE_SETUP(ledger)
{
	struct nl_msg *m;

	self->pw = pwrmig_open();
	if (!self->pw && errno == ENOENT)
		SKIP(return, "neither the pwrmig module nor pwrmigd serves the family");
	ASSERT_NE(NULL, self->pw);
	self->cg = make_cgroup("pwrmig-genl");
	ASSERT_NE(0, self->cg);

	m = msg_new(self->pw, PWRMIG_CMD_SITE_SET, 0);
	put_site(m, "east", 1219500, "CNY");
	nla_put_flag(m, PWRMIG_A_SITE_LOCAL);
	ASSERT_EQ(0, pwrmig_request(self->pw, m, NULL, NULL));
	m = msg_new(self->pw, PWRMIG_CMD_SITE_SET, 0);
	put_site(m, "west", 379300, "CNY");
	ASSERT_EQ(0, pwrmig_request(self->pw, m, NULL, NULL));
}

FIXTURE_TEARDOWN(ledger)
{
	pwrmig_close(self->pw);
}

TEST_F(ledger, site_needs_name)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_SITE_SET, 0);

	nla_put_u64(m, PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH, 1);
	send_expect(_metadata, self->pw, m, -EINVAL, NULL);
	EXPECT_EQ(PWRMIG_A_SITE_NAME, pwrmig_last_error(self->pw)->miss_type);
}

TEST_F(ledger, site_bad_currency)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_SITE_SET, 0);

	nla_put_string(m, PWRMIG_A_SITE_NAME, "north");
	nla_put_u64(m, PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH, 1);
	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_string(m, PWRMIG_A_SITE_CURRENCY, "cny");
	send_expect(_metadata, self->pw, m, -EINVAL, "ISO 4217");
}

TEST_F(ledger, site_bad_name)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_SITE_SET, 0);

	mark = nlmsg_tail(nlmsg_hdr(m));
	put_site(m, "no/slash", 1, "CNY");
	send_expect(_metadata, self->pw, m, -EINVAL, "site name");
}

TEST_F(ledger, new_site_needs_price)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_SITE_SET, 0);

	mark = nlmsg_tail(nlmsg_hdr(m));
	put_site(m, "south", 0, "CNY");
	send_expect(_metadata, self->pw, m, -EINVAL, "needs price");
}

TEST_F(ledger, price_above_policy_max)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_PRICE_SET, 0);

	nla_put_string(m, PWRMIG_A_SITE_NAME, "east");
	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_u64(m, PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH, 1000000001ULL);
	send_expect(_metadata, self->pw, m, -ERANGE, NULL);
}

TEST_F(ledger, price_for_unknown_site)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_PRICE_SET, 0);

	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_string(m, PWRMIG_A_SITE_NAME, "mars");
	nla_put_u64(m, PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH, 5);
	send_expect(_metadata, self->pw, m, -ENOENT, "no such site");
}

TEST_F(ledger, forecast_overlap)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_PRICE_SET, 0);
	struct nlattr *n;
	int i;

	nla_put_string(m, PWRMIG_A_SITE_NAME, "west");
	for (i = 0; i < 2; i++) {
		if (i == 1)
			mark = nlmsg_tail(nlmsg_hdr(m));
		n = nla_nest_start(m, PWRMIG_A_SITE_FORECAST);
		nla_put_u64(m, PWRMIG_A_FORECAST_START, 1000 + i * 1800);
		nla_put_u32(m, PWRMIG_A_FORECAST_DURATION_S, 3600);
		nla_put_u64(m, PWRMIG_A_FORECAST_PRICE_UUNITS_PER_KWH, 1);
		nla_nest_end(m, n);
	}
	send_expect(_metadata, self->pw, m, -EINVAL, "must not overlap");
}

TEST_F(ledger, forecast_too_long)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_PRICE_SET, 0);
	struct nlattr *n;
	int i;

	nla_put_string(m, PWRMIG_A_SITE_NAME, "west");
	for (i = 0; i <= PWRMIG_MAX_FORECAST; i++) {
		n = nla_nest_start(m, PWRMIG_A_SITE_FORECAST);
		nla_put_u64(m, PWRMIG_A_FORECAST_START, 1000 + i * 900);
		nla_put_u32(m, PWRMIG_A_FORECAST_DURATION_S, 900);
		nla_put_u64(m, PWRMIG_A_FORECAST_PRICE_UUNITS_PER_KWH, 1);
		nla_nest_end(m, n);
	}
	send_expect(_metadata, self->pw, m, -E2BIG, "forecast slots");
}

/* An empty forecast nest clears the forecast, but only on its own. */
TEST_F(ledger, forecast_empty_slot)
{
	struct pwrmig_forecast slot = { .start = 1000, .duration_s = 900, .price = 5 };
	struct pwrmig_site_config c = {
		.name = "west", .set_forecast = 1, .n_forecast = 1, .forecast = &slot,
	};
	struct nl_msg *m;
	struct pwrmig_site s;
	struct nlattr *n;

	ASSERT_EQ(0, pwrmig_price_set(self->pw, &c, &s));
	ASSERT_EQ(1, s.n_forecast);

	m = msg_new(self->pw, PWRMIG_CMD_PRICE_SET, 0);
	nla_put_string(m, PWRMIG_A_SITE_NAME, "west");
	n = nla_nest_start(m, PWRMIG_A_SITE_FORECAST);
	nla_put_u64(m, PWRMIG_A_FORECAST_START, 1000);
	nla_put_u32(m, PWRMIG_A_FORECAST_DURATION_S, 900);
	nla_put_u64(m, PWRMIG_A_FORECAST_PRICE_UUNITS_PER_KWH, 1);
	nla_nest_end(m, n);
	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put(m, PWRMIG_A_SITE_FORECAST | NLA_F_NESTED, 0, NULL);
	send_expect(_metadata, self->pw, m, -EINVAL, "must come alone");
	ASSERT_EQ(0, pwrmig_site_get(self->pw, "west", &s));
	EXPECT_EQ(1, s.n_forecast);

	c.n_forecast = 0;
	ASSERT_EQ(0, pwrmig_price_set(self->pw, &c, &s));
	EXPECT_EQ(0, s.n_forecast);
	EXPECT_EQ(0, pwrmig_site_get(self->pw, "west", &s));
	EXPECT_EQ(0, s.n_forecast);
}

TEST_F(ledger, local_site_not_deleted)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_SITE_DEL, 0);

	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_string(m, PWRMIG_A_SITE_NAME, "east");
	send_expect(_metadata, self->pw, m, -EBUSY, "local site");
}

TEST_F(ledger, too_many_sites)
{
	char name[16];
	struct nl_msg *m;
	int i, err = 0;

	for (i = 0; i < PWRMIG_MAX_SITES && !err; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		m = msg_new(self->pw, PWRMIG_CMD_SITE_SET, 0);
		put_site(m, name, 1, "USD");
		err = pwrmig_request(self->pw, m, NULL, NULL);
	}
	EXPECT_EQ(-ENOSPC, err);
	EXPECT_NE(NULL, strstr(pwrmig_errmsg(self->pw), "at most 16 sites"));
	for (i = 0; i < PWRMIG_MAX_SITES; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		m = msg_new(self->pw, PWRMIG_CMD_SITE_DEL, 0);
		nla_put_string(m, PWRMIG_A_SITE_NAME, name);
		pwrmig_request(self->pw, m, NULL, NULL);
	}
}

TEST_F(ledger, energy_report_device_range)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_ENERGY_REPORT, 0);

	nla_put_u64(m, PWRMIG_A_ENERGY_CGROUP_ID, self->cg);
	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_u32(m, PWRMIG_A_ENERGY_DEVICE, PWRMIG_MAX_DEVICES);
	nla_put_u64(m, PWRMIG_A_ENERGY_ENERGY_UJ, 1);
	send_expect(_metadata, self->pw, m, -ERANGE, "device index out of range");
}

TEST_F(ledger, energy_report_unknown_cgroup)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_ENERGY_REPORT, 0);

	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_u64(m, PWRMIG_A_ENERGY_CGROUP_ID, 0xfffffffff0ULL);
	nla_put_u32(m, PWRMIG_A_ENERGY_DEVICE, 0);
	nla_put_u64(m, PWRMIG_A_ENERGY_ENERGY_UJ, 1);
	send_expect(_metadata, self->pw, m, -ENOENT, "no cgroup");
}

TEST_F(ledger, energy_report_wrong_domain)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_ENERGY_REPORT, 0);

	nla_put_u64(m, PWRMIG_A_ENERGY_CGROUP_ID, self->cg);
	nla_put_u32(m, PWRMIG_A_ENERGY_DEVICE, 0);
	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_u32(m, PWRMIG_A_ENERGY_DOMAIN, PWRMIG_DOMAIN_PKG);
	nla_put_u64(m, PWRMIG_A_ENERGY_ENERGY_UJ, 1);
	send_expect(_metadata, self->pw, m, -EINVAL, "only gpu energy");
}

TEST_F(ledger, carry_needs_figures)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_CGROUP_CARRY, 0);

	nla_put_u64(m, PWRMIG_A_CGROUP_ID, self->cg);
	send_expect(_metadata, self->pw, m, -EINVAL, "nothing to carry");
}

TEST_F(ledger, carry_other_currency)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_CGROUP_CARRY, 0);

	nla_put_u64(m, PWRMIG_A_CGROUP_ID, self->cg);
	nla_put_u64(m, PWRMIG_A_CGROUP_CARRIED_COST_UUNITS, 5);
	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_string(m, PWRMIG_A_CGROUP_CURRENCY, "USD");
	send_expect(_metadata, self->pw, m, -EINVAL, "another currency");
}

/* Carried figures add up, apart from the metered ones. */
TEST_F(ledger, carry_adds_apart)
{
	struct pwrmig_carry c = { .runtime_ns = 1000, .cpu_uj = 200, .dram_uj = 30,
				  .gpu_uj = 4000, .cost_uunits = 50, .currency = "CNY" };
	struct pwrmig_cgroup before, after;

	/* The first carry may create the entry; the second adds to it. */
	ASSERT_EQ(0, pwrmig_cgroup_carry(self->pw, self->cg, &c, &before));
	ASSERT_EQ(0, pwrmig_cgroup_carry(self->pw, self->cg, &c, &after));
	EXPECT_LE(1000, before.carried_runtime_ns);
	EXPECT_EQ(before.carried_runtime_ns + 1000, after.carried_runtime_ns);
	EXPECT_EQ(before.carried_cpu_uj + 200, after.carried_cpu_uj);
	EXPECT_EQ(before.carried_dram_uj + 30, after.carried_dram_uj);
	EXPECT_EQ(before.carried_gpu_uj + 4000, after.carried_gpu_uj);
	EXPECT_EQ(before.carried_cost_uunits + 50, after.carried_cost_uunits);
	/* The cgroup sleeps: nothing metered was added by the carry. */
	EXPECT_EQ(before.gpu_uj, after.gpu_uj);
}

TEST_F(ledger, carry_unknown_cgroup)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_CGROUP_CARRY, 0);

	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_u64(m, PWRMIG_A_CGROUP_ID, 0xfffffffff0ULL);
	nla_put_u64(m, PWRMIG_A_CGROUP_CARRIED_CPU_UJ, 1);
	send_expect(_metadata, self->pw, m, -ENOENT, "no cgroup");
}

TEST_F(ledger, meter_interval_range)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_METER_SET, 0);

	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_u32(m, PWRMIG_A_METER_INTERVAL_MS, 5);
	send_expect(_metadata, self->pw, m, -ERANGE, NULL);
}

TEST_F(ledger, meter_model_idle_above_active)
{
	struct nl_msg *m;

	if (!strcmp(pwrmig_backend(self->pw), "pwrmigd"))
		SKIP(return, "pwrmigd's meter is its configuration: meter-set is the module's");
	m = msg_new(self->pw, PWRMIG_CMD_METER_SET, 0);

	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_u32(m, PWRMIG_A_METER_MODEL_IDLE_MW, 50000);
	nla_put_u32(m, PWRMIG_A_METER_MODEL_ACTIVE_MW, 1000);
	send_expect(_metadata, self->pw, m, -EINVAL, "idle power exceeds");
}

TEST_F(ledger, policy_needs_something)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_CGROUP_POLICY_SET, 0);

	nla_put_u64(m, PWRMIG_A_CGROUP_ID, self->cg);
	send_expect(_metadata, self->pw, m, -EINVAL, "nothing to set");
}

TEST_F(ledger, cgroup_get_unknown)
{
	struct nl_msg *m = msg_new(self->pw, PWRMIG_CMD_CGROUP_GET, 0);

	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_u64(m, PWRMIG_A_CGROUP_ID, 0xfffffffff1ULL);
	send_expect(_metadata, self->pw, m, -ENOENT, "no cgroup");
}

static uint32_t last_id;

static int migrate_id_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[PWRMIG_A_MIGRATE_MAX + 1];

	if (!genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, PWRMIG_A_MIGRATE_MAX, NULL) &&
	    tb[PWRMIG_A_MIGRATE_ID])
		last_id = nla_get_u32(tb[PWRMIG_A_MIGRATE_ID]);
	return NL_OK;
}

TEST_F(ledger, migrate_refusals)
{
	struct pwrmig *other;
	struct nl_msg *m;
	uint32_t id;

	m = msg_new(self->pw, PWRMIG_CMD_MIGRATE_REQUEST, 0);
	nla_put_u64(m, PWRMIG_A_MIGRATE_CGROUP_ID, self->cg);
	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_string(m, PWRMIG_A_MIGRATE_SITE, "east");
	send_expect(_metadata, self->pw, m, -EINVAL, "local site");

	/* The container id goes to runc as is: runc's characters only. */
	m = msg_new(self->pw, PWRMIG_CMD_MIGRATE_REQUEST, 0);
	nla_put_u64(m, PWRMIG_A_MIGRATE_CGROUP_ID, self->cg);
	nla_put_string(m, PWRMIG_A_MIGRATE_SITE, "west");
	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_string(m, PWRMIG_A_MIGRATE_CONTAINER, "../etc");
	send_expect(_metadata, self->pw, m, -EINVAL, "OCI container id");

	m = msg_new(self->pw, PWRMIG_CMD_MIGRATE_REQUEST, 0);
	nla_put_u64(m, PWRMIG_A_MIGRATE_CGROUP_ID, self->cg);
	nla_put_string(m, PWRMIG_A_MIGRATE_SITE, "west");
	ASSERT_EQ(0, pwrmig_request(self->pw, m, migrate_id_cb, NULL));
	id = last_id;

	m = msg_new(self->pw, PWRMIG_CMD_MIGRATE_REQUEST, 0);
	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_u64(m, PWRMIG_A_MIGRATE_CGROUP_ID, self->cg);
	nla_put_string(m, PWRMIG_A_MIGRATE_SITE, "west");
	send_expect(_metadata, self->pw, m, -EBUSY, "already has a migration");

	/* Claimed by us; another socket may not report on it. */
	m = msg_new(self->pw, PWRMIG_CMD_MIGRATE_CLAIM, 0);
	nla_put_u32(m, PWRMIG_A_MIGRATE_ID, id);
	ASSERT_EQ(0, pwrmig_request(self->pw, m, NULL, NULL));
	other = pwrmig_open();
	ASSERT_NE(NULL, other);
	m = msg_new(other, PWRMIG_CMD_MIGRATE_STATUS, 0);
	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_u32(m, PWRMIG_A_MIGRATE_ID, id);
	nla_put_u64(m, PWRMIG_A_MIGRATE_BYTES, 1);
	send_expect(_metadata, other, m, -EPERM, "only the daemon that claimed");
	m = msg_new(other, PWRMIG_CMD_MIGRATE_CLAIM, 0);
	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_u32(m, PWRMIG_A_MIGRATE_ID, id);
	send_expect(_metadata, other, m, -EBUSY, "claimed by a running daemon");

	/* A daemon may not set states that belong to the broker. */
	m = msg_new(self->pw, PWRMIG_CMD_MIGRATE_STATUS, 0);
	nla_put_u32(m, PWRMIG_A_MIGRATE_ID, id);
	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_u32(m, PWRMIG_A_MIGRATE_STATE, PWRMIG_MIGRATE_STATE_CANCELLED);
	send_expect(_metadata, self->pw, m, -EINVAL, "running, done or failed");
	m = msg_new(self->pw, PWRMIG_CMD_MIGRATE_STATUS, 0);
	nla_put_u32(m, PWRMIG_A_MIGRATE_ID, id);
	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_u32(m, PWRMIG_A_MIGRATE_STATE, PWRMIG_MIGRATE_STATE_FAILED);
	send_expect(_metadata, self->pw, m, -EINVAL, "needs an error");

	/* The claimant goes away: its claim is released for a new daemon. */
	pwrmig_close(self->pw);
	self->pw = NULL;
	m = msg_new(other, PWRMIG_CMD_MIGRATE_CLAIM, 0);
	nla_put_u32(m, PWRMIG_A_MIGRATE_ID, id);
	EXPECT_EQ(0, pwrmig_request(other, m, NULL, NULL)) {
		TH_LOG("%s", pwrmig_errmsg(other));
	}
	m = msg_new(other, PWRMIG_CMD_MIGRATE_CANCEL, 0);
	nla_put_u32(m, PWRMIG_A_MIGRATE_ID, id);
	EXPECT_EQ(0, pwrmig_request(other, m, NULL, NULL));
	m = msg_new(other, PWRMIG_CMD_MIGRATE_CANCEL, 0);
	mark = nlmsg_tail(nlmsg_hdr(m));
	nla_put_u32(m, PWRMIG_A_MIGRATE_ID, id);
	send_expect(_metadata, other, m, -EALREADY, "already finished");
	self->pw = other;
}

/* A reply's phase, then its step: bytes, total, ms. */
static uint64_t step[4];

static int step_cb(const struct nlmsghdr *nlh, void *arg)
{
	static const int at[] = { PWRMIG_A_MIGRATE_PHASE, PWRMIG_A_MIGRATE_PHASE_BYTES,
				  PWRMIG_A_MIGRATE_PHASE_TOTAL, PWRMIG_A_MIGRATE_PHASE_MS };
	struct nlattr *tb[PWRMIG_A_MIGRATE_MAX + 1];
	int i;

	memset(step, 0xff, sizeof(step));
	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, PWRMIG_A_MIGRATE_MAX, NULL))
		return NL_OK;
	for (i = 0; i < 4; i++)
		if (tb[at[i]])
			step[i] = nla_len(tb[at[i]]) == 8 ? nla_get_u64(tb[at[i]]) :
							    nla_get_u32(tb[at[i]]);
	return NL_OK;
}

/* A report of phase PHASE (0: none) with a step of BYTES, TOTAL, MS (BYTES ~0: none). */
static int report(struct pwrmig *pw, uint32_t id, uint32_t phase, uint64_t bytes,
		  uint64_t total, uint32_t ms)
{
	struct nl_msg *m = msg_new(pw, PWRMIG_CMD_MIGRATE_STATUS, 0);

	nla_put_u32(m, PWRMIG_A_MIGRATE_ID, id);
	nla_put_u32(m, PWRMIG_A_MIGRATE_STATE, PWRMIG_MIGRATE_STATE_RUNNING);
	if (phase)
		nla_put_u32(m, PWRMIG_A_MIGRATE_PHASE, phase);
	if (bytes != ~0ULL) {
		nla_put_u64(m, PWRMIG_A_MIGRATE_PHASE_BYTES, bytes);
		nla_put_u64(m, PWRMIG_A_MIGRATE_PHASE_TOTAL, total);
		nla_put_u32(m, PWRMIG_A_MIGRATE_PHASE_MS, ms);
	}
	return pwrmig_request(pw, m, step_cb, NULL);
}

/* The claimant's progress: kept until the next report, reset by a new phase. */
TEST_F(ledger, migrate_progress)
{
	struct nl_msg *m;
	uint32_t id;

	m = msg_new(self->pw, PWRMIG_CMD_MIGRATE_REQUEST, 0);
	nla_put_u64(m, PWRMIG_A_MIGRATE_CGROUP_ID, self->cg);
	nla_put_string(m, PWRMIG_A_MIGRATE_SITE, "west");
	ASSERT_EQ(0, pwrmig_request(self->pw, m, migrate_id_cb, NULL));
	id = last_id;
	m = msg_new(self->pw, PWRMIG_CMD_MIGRATE_CLAIM, 0);
	nla_put_u32(m, PWRMIG_A_MIGRATE_ID, id);
	ASSERT_EQ(0, pwrmig_request(self->pw, m, step_cb, NULL));
	EXPECT_EQ(0, step[1]);

	ASSERT_EQ(0, report(self->pw, id, PWRMIG_MIGRATE_PHASE_TRANSFER, 1 << 20, 8 << 20, 900));
	EXPECT_EQ(PWRMIG_MIGRATE_PHASE_TRANSFER, step[0]);
	EXPECT_EQ(1 << 20, step[1]);
	EXPECT_EQ(8 << 20, step[2]);
	EXPECT_EQ(900, step[3]);
	/* A report without a step keeps the last one. */
	ASSERT_EQ(0, report(self->pw, id, PWRMIG_MIGRATE_PHASE_TRANSFER, ~0ULL, 0, 0));
	EXPECT_EQ(1 << 20, step[1]);
	EXPECT_EQ(8 << 20, step[2]);
	/* Another phase without a step: that phase's step is not known yet. */
	ASSERT_EQ(0, report(self->pw, id, PWRMIG_MIGRATE_PHASE_RESTORE, ~0ULL, 0, 0));
	EXPECT_EQ(PWRMIG_MIGRATE_PHASE_RESTORE, step[0]);
	EXPECT_EQ(0, step[1]);
	EXPECT_EQ(0, step[2]);
	EXPECT_EQ(0, step[3]);

	m = msg_new(self->pw, PWRMIG_CMD_MIGRATE_CANCEL, 0);
	nla_put_u32(m, PWRMIG_A_MIGRATE_ID, id);
	EXPECT_EQ(0, pwrmig_request(self->pw, m, NULL, NULL));
}

static int count_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[PWRMIG_A_CGROUP_MAX + 1];
	unsigned char *seen = arg;
	uint64_t id;

	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, PWRMIG_A_CGROUP_MAX, NULL) ||
	    !tb[PWRMIG_A_CGROUP_ID])
		return NL_OK;
	id = nla_get_u64(tb[PWRMIG_A_CGROUP_ID]);
	if (id < 1 << 20)
		seen[id]++;
	return NL_OK;
}

/* 600 ledger entries need several dump rounds: each exactly once. */
TEST_F(ledger, cgroup_dump_resumes)
{
	static unsigned char seen[1 << 20];
	uint64_t ids[600];
	char name[64];
	struct nl_msg *m;
	int i, bad = 0;

	for (i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "pwrmig-dump-%d", i);
		ids[i] = make_cgroup(name);
		ASSERT_LT(ids[i], 1 << 20);
		m = msg_new(self->pw, PWRMIG_CMD_ENERGY_REPORT, 0);
		nla_put_u64(m, PWRMIG_A_ENERGY_CGROUP_ID, ids[i]);
		nla_put_u32(m, PWRMIG_A_ENERGY_DEVICE, 0);
		nla_put_u64(m, PWRMIG_A_ENERGY_ENERGY_UJ, 1);
		ASSERT_EQ(0, pwrmig_request(self->pw, m, NULL, NULL));
	}
	m = msg_new(self->pw, PWRMIG_CMD_CGROUP_GET, NLM_F_DUMP);
	ASSERT_EQ(0, pwrmig_request(self->pw, m, count_cb, seen));
	for (i = 0; i < 600; i++)
		if (seen[ids[i]] != 1)
			bad++;
	EXPECT_EQ(0, bad);
	for (i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), CG_ROOT "/pwrmig-dump-%d", i);
		rmdir(name);
	}
}

TEST_HARNESS_MAIN
