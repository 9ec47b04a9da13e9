/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pwrmigd's family server: on a node without pwrmig.ko, the pwrmig
 * generic netlink family's messages served on a UNIX socket
 * (common/famsock.h), from this daemon's own ledger, so that libpwrmig,
 * pwrmigctl and the shaper work as they do with the module.
 */
#ifndef _PWRMIGD_FAMILY_H
#define _PWRMIGD_FAMILY_H

#include "pwrmigd.h"

struct pd_family;

/* Listen on the configured socket: 0, or -1 with a message. */
int pd_family_start(struct pd *pd, struct pd_family **out);
/* One descriptor to poll for requests (an epoll set). */
int pd_family_fd(const struct pd_family *f);
/* Serve what is ready, without blocking. */
void pd_family_serve(struct pd_family *f);
/* After each sample: the telemetry group's event; requests timed out. */
void pd_family_sampled(struct pd_family *f);
void pd_family_stop(struct pd_family *f);

/*
 * Every change of a request this daemon brokers, also to CB (its own
 * migrator, which takes them as it takes the module's), in the main loop.
 */
struct pwrmig_migration;
typedef void (*pd_family_migrate_cb)(void *arg, const struct pwrmig_migration *mig);
void pd_family_on_migrate(struct pd_family *f, pd_family_migrate_cb cb, void *arg);

#endif
