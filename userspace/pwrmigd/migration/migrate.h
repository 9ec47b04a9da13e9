/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pwrmigd's migration endpoint: the TLS link (link.c), the messages on it
 * (wire.c), checkpoints through CRIU and runc (checkpoint.c, with
 * tools.c and wl_cgroup.c behind checkpoint.h), the journal (journal.c),
 * the sending side (migrator.c, send.c, tx_deliver.c behind send.h), the
 * receiving side (listener.c, receive.c, rx_files.c, rx_decide.c behind
 * receive.h), what a peer may name on disk (imgpath.c) and the test
 * build's fault points (fault.c).
 * Documentation/migration.md describes the protocol.
 */
#ifndef _PWRMIGD_MIGRATE_H
#define _PWRMIGD_MIGRATE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "pwrmig.h"
#include "pwrmigd.h"
#include "fault.h"

/* ---- the link ------------------------------------------------------------- */

#define PD_CHUNK	(256 * 1024)		/* file data per DATA message */
#define PD_NONCE_LEN	16			/* hex digits of a migration's nonce */
#define PD_MSG_MAX	(PD_CHUNK + 4096)

struct pd_conn {
	int fd;
	SSL *ssl;
	char peer[64];		/* the site the peer's certificate names */
	int peer_timeout_s;	/* the peer's link_timeout_s, 0 until it says */
	int wait_ok;		/* WAIT may keep the link (not before a HELLO) */
	uint64_t bytes_in, bytes_out;
	char err[256];		/* why the last send or receive failed */
	/* Called after each chunk of a file sent (pd_send_tree), if set. */
	void (*progress)(void *arg);
	void *progress_arg;
};

SSL_CTX *pd_tls_ctx(const struct pd_config *c, int server, char *err, size_t len);
/* The one site CERT names (OUT), or -1 with why not in ERR. */
int pd_cert_site(X509 *cert, char *out, size_t len, char *err, size_t elen);
/*
 * --check-config of the migration link: the certificate, key, CA and CRL
 * load, the certificate chains to the CA and names this site.  0, or -1
 * with ERR; WARN (may be set either way): it expires within 30 days.
 */
int pd_tls_check(const struct pd_config *c, char *err, size_t len, char *warn, size_t wlen);
/* PIN: the SHA-256 of the server's public key it must have, or NULL. */
int pd_conn_connect(SSL_CTX *ctx, const char *addr, uint16_t port, const char *site,
		    const unsigned char *pin, int timeout_s, struct pd_conn *cn, char *err,
		    size_t len);
/* Is the peer's public key the one pinned (its SHA-256)?  0 yes; -1 no (ERR). */
int pd_conn_pinned(struct pd_conn *cn, const unsigned char pin[32], char *err, size_t len);
int pd_conn_accept(SSL_CTX *ctx, int fd, int timeout_s, struct pd_conn *cn,
		   char *err, size_t len);
void pd_conn_close(struct pd_conn *cn);
/* Each later send or receive within TIMEOUT_S (after a shorter handshake deadline). */
void pd_conn_timeouts(struct pd_conn *cn, int timeout_s);
int pd_conn_send(struct pd_conn *cn, uint32_t type, const void *buf, uint32_t n);
/* Has the peer sent anything not read yet?  Never blocks. */
int pd_conn_readable(struct pd_conn *cn);
/*
 * The next message; once cn->wait_ok, WAIT messages are consumed here and
 * only reset the timeout (before, a WAIT is a message like any other).
 */
int pd_conn_recv(struct pd_conn *cn, uint32_t *type, void *buf, uint32_t cap, uint32_t *n);

/*
 * While one side works for longer than the peer's link_timeout_s (a dump,
 * a restore), a thread sends it WAIT every EVERY_S seconds.  Nothing else
 * may use CN between pd_busy_start() and pd_busy_stop(); the latter says
 * -1 (and why, in cn->err) if a WAIT could not be sent.
 */
struct pd_busy {
	struct pd_conn *cn;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int every_s, stop, failed, running;
};

void pd_busy_start(struct pd_busy *b, struct pd_conn *cn, int every_s);
/* How often to send WAIT: a third of the shorter of both link timeouts. */
int pd_wait_every(const struct pd_conn *cn, int own_timeout_s);
void pd_cond_init_monotonic(pthread_cond_t *c);
int pd_busy_stop(struct pd_busy *b);

/* ---- messages ----------------------------------------------------------- */

/*
 * The version of the messages below, sent in every HELLO ("proto"); a
 * receiver refuses one it does not speak, naming both.  A HELLO without
 * it is version 1: before WAIT, nonces and exchanged timeouts.  Version 3
 * sends a manifest too long for one message as several RESTOREs, all but
 * the last with "more"; a receiver takes 2 and 3.
 */
#define PD_PROTO_VERSION	3
#define PD_PROTO_MIN		2
/* The most manifest one RESTORE carries (the rest of PD_MSG_MAX: "dir"...). */
#define PD_MANIFEST_SLICE	(PD_CHUNK - 4096)

enum pd_msg {
	PD_MSG_HELLO = 1,	/* src: a migration (or a decision) for you */
	PD_MSG_READY,		/* dst: go on */
	PD_MSG_ERROR,		/* either: {"error": "..."}; the other side gives up */
	PD_MSG_FILE,		/* src: {"path", "type", "size", "mode", "target"} */
	PD_MSG_DATA,		/* src: raw file bytes */
	PD_MSG_FILE_END,	/* src: {"sha256"} of what was sent */
	PD_MSG_RESTORE,		/* src: {"dir", "manifest": [...], "more"}: restore, stopped */
	PD_MSG_RESTORED,	/* dst: it is restored and held stopped */
	PD_MSG_DECIDE,		/* src: {"decision": "commit"|"abort"} */
	PD_MSG_DONE,		/* dst: the decision is carried out */
	PD_MSG_WAIT,		/* either, empty: still dumping or restoring */
};

int pd_send_json(struct pd_conn *cn, uint32_t type, struct json_object *o);
/* Receive a control message; an ERROR from the peer becomes cn->err. */
struct json_object *pd_recv_json(struct pd_conn *cn, uint32_t want, char *buf, size_t cap);
const char *pd_json_str(struct json_object *o, const char *key);
int64_t pd_json_int(struct json_object *o, const char *key, int64_t dflt);
/* The peer's "link_timeout_s" (1-3600, as the configuration allows), else 0. */
int pd_json_timeout(struct json_object *o);
/*
 * The bytes of the regular files under DIR (recursively) whose names
 * start with PREFIX (NULL: all, what pd_send_tree() sends).
 */
uint64_t pd_tree_bytes(const char *dir, const char *prefix);
/*
 * Send every file under ROOT/REL (recursively; symlinks as links) and add
 * {"path", "sha256", "size"} entries to MANIFEST; BYTES grows by the data.
 */
int pd_send_tree(struct pd_conn *cn, const char *root, const char *rel,
		 struct json_object *manifest, uint64_t *bytes);
/* Finish a SHA-256 digest as 64 hex digits. */
void pd_sha256_final(EVP_MD_CTX *ctx, char hex[65]);

/* ---- workloads: CRIU for cgroup trees, runc for containers ------------------- */

struct pd_workload {
	int container;		/* runc container, else a cgroup tree */
	char cgroup[256];	/* path below the cgroup v2 root */
	char name[64];		/* container id */
	char bundle[256];	/* container bundle (config.json, rootfs) */
	char created[64];	/* runc's "created" of the container found or restored */
	int root_pid;		/* init of the tree */
	uint64_t cg_id;		/* the cgroup's inode when found or made; 0 unknown */
};

/* Fill W from a cgroup path (and a container id or ""); checks it can move. */
int pd_wl_find(struct pd *pd, struct pd_workload *w, const char *cgroup,
	       const char *container, char *err, size_t len);
/* Pre-dump round into DIR (PARENT: previous round's dir relative to DIR or NULL). */
int pd_wl_predump(struct pd *pd, struct pd_workload *w, const char *dir,
		  const char *parent, char *err, size_t len);
/* Final dump into DIR; the workload is left frozen. */
int pd_wl_dump(struct pd *pd, struct pd_workload *w, const char *dir,
	       const char *parent, char *err, size_t len);
/* Let the source's frozen workload run again (rollback). */
int pd_wl_thaw(struct pd *pd, struct pd_workload *w, char *err, size_t len);
/* Let a restored copy run (it was restored paused and stopped). */
int pd_wl_resume(struct pd *pd, struct pd_workload *w, char *err, size_t len);
/* End the source copy for good (after the destination took over). */
int pd_wl_kill(struct pd *pd, struct pd_workload *w, char *err, size_t len);
/* Restore from DIR, held stopped; W names where (cgroup, container id). */
int pd_wl_restore(struct pd *pd, struct pd_workload *w, const char *dir,
		  char *err, size_t len);
/*
 * May W's restored copy run as it does, for a peer whose restores may be
 * uids LO..HI?  Every thread's real, effective, saved and file-system uid
 * in range; unless 0 is, no capability in the host's user namespace.
 */
int pd_wl_check_uids(const struct pd_workload *w, uint32_t lo, uint32_t hi, char *err,
		     size_t len);
/* Count the processes of W's cgroup; -1 if it is gone. */
int pd_wl_nprocs(const struct pd_workload *w);
/* 1 when W's cgroup (the one found or made) is frozen, 0 not, -1 gone or replaced. */
int pd_wl_frozen(const struct pd_workload *w);
/* Make W's cgroup, which must not exist, and keep its inode: the name is ours. */
int pd_wl_reserve(struct pd_workload *w, char *err, size_t len);
/* Remove W's cgroup if it is the one reserved and still empty. */
void pd_wl_unreserve(const struct pd_workload *w);
/*
 * W's cgroup again, for a restore after its copy was lost: the one
 * reserved if it is still there and empty, else made anew (a new inode).
 */
int pd_wl_rereserve(struct pd_workload *w, char *err, size_t len);
/* Does W's copy still exist: 1 it does, 0 it is gone, -1 cannot tell (ERR). */
int pd_wl_alive(struct pd *pd, struct pd_workload *w, char *err, size_t len);
/* Kill the CRIU and runc processes a previous pwrmigd left running. */
int pd_tools_reap(struct pd *pd);
/*
 * pwrmigd run by CRIU as its action script (CRTOOLS_SCRIPT_ACTION set):
 * at pre-resume, freeze the restored copy's cgroup.  The exit status.
 */
int pd_criu_hook(void);

/* ---- journal ------------------------------------------------------------ */

/*
 * One file per migration, replaced atomically (write, fsync, rename) at
 * every step that matters for recovery: a JSON object.
 */
int pd_journal_write(const char *dir, struct json_object *o);
/* Put the images written into DIR (and the rest of its file system) on disk. */
int pd_sync_images(const char *dir);
/* NULL with errno ENOENT when there is none, else (unreadable) another errno. */
struct json_object *pd_journal_read(const char *dir);
/* rm -rf DIR */
int pd_rmtree(const char *dir);
/* Is PATH ROOT or below it (by name; resolve links first where they matter)? */
int pd_path_below(const char *path, const char *root);

/* ---- the two sides ----------------------------------------------------- */

struct pd_migrator;
int pd_migrator_start(struct pd *pd, struct pd_migrator **out);
/* Take up the broker's pending requests (at start, and when the module is back). */
void pd_migrator_pending(struct pd_migrator *m);
/* Handle a migrate notification from the module (main thread). */
void pd_migrator_event(struct pd_migrator *m, const struct pwrmig_migration *mig);
void pd_migrator_stop(struct pd_migrator *m);

struct pd_receiver;
int pd_receiver_start(struct pd *pd, struct pd_receiver **out);
void pd_receiver_stop(struct pd_receiver *r);

/* snprintf for paths: -1 (and errno ENAMETOOLONG) when it does not fit. */
int pd_path(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
