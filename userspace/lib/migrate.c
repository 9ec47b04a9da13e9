// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpwrmig: migration requests, for schedulers (request, follow) and for
 * the daemon that carries them out (claim, report).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "pwrmig.h"
#include "internal.h"
#include "libpwrmig-spec.h"

/* The struct as API version 1 knew it. */
#define MIGRATION_V1_SIZE	offsetof(struct pwrmig_migration, phase_bytes)

int pwrmig_migration_decode(const struct nlmsghdr *nlh, struct pwrmig_migration *m)
{
	return pwrmig_decode_msg(&pwrmig_bind_migrate, nlh, m);
}

int pwrmig_migration_parse(const struct nlmsghdr *nlh, struct pwrmig_migration *m)
{
	struct pwrmig_migration all;
	int err = pwrmig_migration_decode(nlh, &all);

	memcpy(m, &all, MIGRATION_V1_SIZE);
	return err;
}

/* The reply into M, as far as the caller's API version knows the struct. */
static int migrate_do(struct pwrmig *pw, struct nl_msg *msg,
		      struct pwrmig_migration *m)
{
	struct pwrmig_migration all;
	int err;

	err = pwrmig_do_one(pw, msg, (pwrmig_parse_fn)pwrmig_migration_decode, m ? &all : NULL);
	if (!err && m)
		memcpy(m, &all, pw->api_version >= 2 ? sizeof(all) : MIGRATION_V1_SIZE);
	return err;
}

static struct nl_msg *id_msg(struct pwrmig *pw, uint8_t cmd, uint32_t id)
{
	struct nl_msg *msg = pwrmig_msg(pw, cmd, 0);

	if (msg && id)
		nla_put_u32(msg, PWRMIG_A_MIGRATE_ID, id);
	return msg;
}

int pwrmig_migrate_submit(struct pwrmig *pw, const struct pwrmig_migrate_order *o,
			  struct pwrmig_migration *m)
{
	struct nl_msg *msg = pwrmig_msg(pw, PWRMIG_CMD_MIGRATE_REQUEST, 0);

	if (msg) {
		nla_put_u64(msg, PWRMIG_A_MIGRATE_CGROUP_ID, o->cgroup_id);
		if (o->site)
			nla_put_string(msg, PWRMIG_A_MIGRATE_SITE, o->site);
		if (o->mode)
			nla_put_u32(msg, PWRMIG_A_MIGRATE_MODE, o->mode);
		if (o->requester)
			nla_put_string(msg, PWRMIG_A_MIGRATE_REQUESTER, o->requester);
		if (o->timeout_s)
			nla_put_u32(msg, PWRMIG_A_MIGRATE_TIMEOUT_S, o->timeout_s);
		if (o->container)
			nla_put_string(msg, PWRMIG_A_MIGRATE_CONTAINER, o->container);
	}
	return migrate_do(pw, msg, m);
}

int pwrmig_migrate_request(struct pwrmig *pw, uint64_t cgroup_id,
			   const char *site, uint32_t mode,
			   const char *requester, uint32_t timeout_s,
			   struct pwrmig_migration *m)
{
	const struct pwrmig_migrate_order o = {
		.cgroup_id = cgroup_id, .site = site, .mode = mode,
		.requester = requester, .timeout_s = timeout_s,
	};

	return pwrmig_migrate_submit(pw, &o, m);
}

int pwrmig_migrate_claim(struct pwrmig *pw, uint32_t id, struct pwrmig_migration *m)
{
	return migrate_do(pw, id_msg(pw, PWRMIG_CMD_MIGRATE_CLAIM, id), m);
}

/* The spec's max-len of error-msg, which struct pwrmig_migration holds. */
#define ERROR_MSG_MAX	(sizeof(((struct pwrmig_migration *)0)->error_msg) - 1)

int pwrmig_migrate_status(struct pwrmig *pw, uint32_t id,
			  const struct pwrmig_migrate_report *r,
			  struct pwrmig_migration *m)
{
	struct nl_msg *msg = id_msg(pw, PWRMIG_CMD_MIGRATE_STATUS, id);
	char shortened[ERROR_MSG_MAX + 1];
	const char *err = r->error_msg;
	size_t n = err ? strlen(err) : 0;

	if (n > ERROR_MSG_MAX) {
		/* 40 + "..." + the last 84 bytes. */
		snprintf(shortened, sizeof(shortened), "%.40s...%s", err,
			 err + n - (ERROR_MSG_MAX - 43));
		err = shortened;
	}

	if (msg) {
		if (r->state)
			nla_put_u32(msg, PWRMIG_A_MIGRATE_STATE, r->state);
		if (r->phase)
			nla_put_u32(msg, PWRMIG_A_MIGRATE_PHASE, r->phase);
		if (r->has_bytes)
			nla_put_u64(msg, PWRMIG_A_MIGRATE_BYTES, r->bytes);
		if (r->rounds)
			nla_put_u32(msg, PWRMIG_A_MIGRATE_ROUNDS, r->rounds);
		if (r->freeze_ms)
			nla_put_u32(msg, PWRMIG_A_MIGRATE_FREEZE_MS, r->freeze_ms);
		if (r->error)
			nla_put_u32(msg, PWRMIG_A_MIGRATE_ERROR, r->error);
		if (err)
			nla_put_string(msg, PWRMIG_A_MIGRATE_ERROR_MSG, err);
		/* A version 1 caller's report ends before these. */
		if (pw->api_version >= 2 && r->has_progress) {
			nla_put_u64(msg, PWRMIG_A_MIGRATE_PHASE_BYTES, r->phase_bytes);
			nla_put_u64(msg, PWRMIG_A_MIGRATE_PHASE_TOTAL, r->phase_total);
			nla_put_u32(msg, PWRMIG_A_MIGRATE_PHASE_MS, r->phase_ms);
		}
	}
	return migrate_do(pw, msg, m);
}

int pwrmig_migrate_get(struct pwrmig *pw, uint32_t id, struct pwrmig_migration *m)
{
	return migrate_do(pw, id_msg(pw, PWRMIG_CMD_MIGRATE_GET, id), m);
}

int pwrmig_migrate_cancel(struct pwrmig *pw, uint32_t id, struct pwrmig_migration *m)
{
	return migrate_do(pw, id_msg(pw, PWRMIG_CMD_MIGRATE_CANCEL, id), m);
}

int pwrmig_migrate_dump(struct pwrmig *pw,
			int (*cb)(const struct pwrmig_migration *m, void *arg),
			void *arg)
{
	return pwrmig_do_dump(pw, pwrmig_msg(pw, PWRMIG_CMD_MIGRATE_GET, NLM_F_DUMP),
			      (pwrmig_parse_fn)pwrmig_migration_decode,
			      sizeof(struct pwrmig_migration),
			      (int (*)(const void *, void *))cb, arg);
}
