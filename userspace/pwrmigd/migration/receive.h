/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the receiving side (receive.c: a session and its HELLO;
 * rx_files.c: files and the manifest; rx_decide.c: the restore and the
 * sender's decision; listener.c: the listener, its handshake pool and
 * recovery).  The rest of pwrmigd uses migrate.h's pd_receiver_*().
 */
#ifndef _PWRMIGD_RECEIVE_H
#define _PWRMIGD_RECEIVE_H

#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "migrate.h"

struct session;

/*
 * Before the TLS handshake nobody is known, and anyone who can reach the
 * port can connect: these connections are a pool of their own, with a
 * short deadline, and when it is full a new connection cuts the oldest
 * pending one of its address, or else the oldest of all.  Idle or
 * trickling clients then cannot keep a real peer, whose handshake takes a
 * few round trips, from getting through.
 */
#define PD_MAX_HANDSHAKES		64
#define PD_MAX_HANDSHAKES_PER_ADDR	8
#define PD_HANDSHAKE_S			10

struct pending {
	struct session *s;
	int fd;				/* a dup of the connection, to cut it */
	struct sockaddr_storage addr;
	struct timespec since;
};

struct pd_receiver {
	struct pd *pd;
	SSL_CTX *ctx;
	int lfd;
	pthread_t thread;
	pthread_mutex_t lock;	/* one CRIU restore at a time */
	pthread_mutex_t mlock;	/* guards migs */
	struct mig *migs;	/* migrations a session works on now */
	volatile int stopping;
	int sessions;		/* authenticated sessions (atomic) */
	struct pending hs[PD_MAX_HANDSHAKES];	/* guarded by mlock */
	unsigned int nhs;
};

/*
 * One migration's lock, by its directory: its restore and its decision
 * (from its own session or resent on another) run one at a time, and
 * other migrations go on meanwhile.
 */
struct mig {
	struct mig *next;
	char dir[PATH_MAX];
	pthread_mutex_t lock;
	unsigned int refs;
};

/*
 * Authenticated sessions served at once.  A site has a few peers, each
 * with a few migrations in flight; more is a misbehaving client, and every
 * session holds a thread and a 260 KiB buffer.  A few more are kept for
 * decisions (a commit or abort resent on a new link): a sender that has
 * journalled one must be able to deliver it whatever else is going on.
 */
#define PD_MAX_SESSIONS		32
#define PD_DECISION_SESSIONS	8

/* CRIU writes a few dozen images per process, and a tree has at most 4096. */
#define PD_MAX_FILES		(1 << 18)
/* Restores of one copy from its images: the first, and after it was lost. */
#define PD_MAX_RESTORES		3

struct session {
	struct pd_receiver *r;
	struct pd_conn cn;
	char dir[PATH_MAX];
	struct pd_workload wl;
	char *buf;
	uint64_t id;
	struct json_object *arrived;	/* path -> SHA-256 checked on arrival */
	int restoring;			/* a restore began: something may run */
	char images[8];			/* the round restored from (RESTORE's "dir") */
	int restores;			/* restores from it so far */
	int hfd;			/* its pending entry's fd, until the handshake ends */
	unsigned int files;		/* files received */
	int counted;			/* in r->sessions */
};

void rx_refuse(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct mig *rx_mig_lock(struct pd_receiver *r, const char *dir);

void rx_mig_unlock(struct pd_receiver *r, struct mig *m);

void rx_reply(struct session *s, uint32_t type);

int rx_journal(struct session *s, const char *state);

/* The handshake is over: out of the pool, and its cutting fd closed. */
void rx_leave_pool(struct session *s);

void *rx_session(void *arg);

/* Is PATH ROOT or below it, links resolved? */
int rx_below_resolved(const char *path, const char *root);

/* One FILE: its DATA and FILE_END.  -1 after telling the sender why. */
int rx_receive_file(struct session *s, struct json_object *f);

/*
 * Every manifest file arrived in this session with the manifest's SHA-256,
 * and is on disk with its size.
 */
int rx_check_manifest(struct session *s, struct json_object *manifest);

/* Remove everything in DIR but its journal. */
void rx_drop_images(const char *dir);

/*
 * Drop a restored or half-restored copy and its images: only what this
 * migration made (its reserved cgroup, by inode), never another job that
 * has the name.  Before a restore there is only the empty cgroup.
 */
void rx_discard(struct session *s);

/*
 * Restore from IMAGES, held frozen; then what the copy runs as must be
 * what its peer may restore (its uids line), else the copy is killed.
 */
int rx_restore_checked(struct session *s, const char *images, char *e, size_t len);

void rx_load_journal(struct session *s, struct json_object *j);

void rx_apply_decision(struct session *s, const char *decision, struct json_object *ledger);

/* HELLO {"id", "decision", "ledger"}: the decision, resent on a new link. */
void rx_late_decision(struct session *s, struct json_object *hello);

#endif
