// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint and restore of the two kinds of workload pwrmigd moves.
 *
 * A cgroup tree: every process of a cgroup v2 directory, which must form
 * one process tree.  CRIU dumps it (pre-dump rounds with --track-mem, then
 * a final dump) and restores it with --leave-stopped into the
 * destination's cgroup: criu runs inside that cgroup and
 * --manage-cgroups=ignore makes the restored tree inherit it.
 *
 * "Frozen" is the cgroup v2 freezer, on both sides, never SIGSTOP alone:
 * the job's owner may send SIGCONT to a stopped task, not thaw a frozen
 * one.  The source is frozen before its final dump (CRIU's
 * --freeze-cgroup finds it frozen and leaves it so); the destination's
 * copy is frozen by pwrmigd itself, run by CRIU as its action script at
 * pre-resume, while CRIU still holds every restored task (pd_criu_hook()).
 * Only cgroup.freeze 0, on rollback or commit, lets either run.
 *
 * What a migration froze, thaws or kills is the cgroup it found or made:
 * the directory's inode (its cgroup id) is kept, and a directory of the
 * same name made since by someone else is left alone.
 *
 * A runc container: runc drives CRIU.  The final dump pauses the container
 * first and uses --leave-running, so it stays paused; the destination
 * restores it held stopped (leave-stopped in the CRIU configuration runc
 * passes on), pauses it, and on commit resumes and continues it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "pwrmig.h"
#include "migrate.h"
#include "checkpoint.h"

/* ---- the operations ------------------------------------------------------- */

int pd_wl_find(struct pd *pd, struct pd_workload *w, const char *cgroup,
	       const char *container, char *err, size_t len)
{
	int pids[4096], n, i, j, roots = 0, ppid, rc;
	struct stat st;
	char path[PATH_MAX];

	char cg[sizeof(w->cgroup)], name[sizeof(w->name)];

	/* The arguments may be W's own fields. */
	snprintf(cg, sizeof(cg), "%s", cgroup);
	snprintf(name, sizeof(name), "%s", container ?: "");
	memset(w, 0, sizeof(*w));
	snprintf(w->cgroup, sizeof(w->cgroup), "%s", cg);
	cgroup = w->cgroup;
	pd_cg_file(w, "", path, sizeof(path));
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		w->cg_id = st.st_ino;
	if (*name) {
		w->container = 1;
		snprintf(w->name, sizeof(w->name), "%s", name);
		rc = pd_tool_runc_state(pd, w, err, len);
		if (rc == 1)
			snprintf(err, len, "container '%s' does not exist", name);
		return rc ? -1 : 0;
	}
	if (!w->cg_id) {
		snprintf(err, len, "cgroup %s: not found under %s", cgroup, pwrmig_cgroup_root());
		return -1;
	}
	n = pd_cg_pids(w, pids, 4096);
	if (n <= 0) {
		snprintf(err, len, "cgroup %s has no process to move", cgroup);
		return -1;
	}
	if (n > 4096) {
		snprintf(err, len, "cgroup %s has %d processes, more than 4096", cgroup, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		ppid = pd_ppid_of(pids[i]);
		for (j = 0; j < n && pids[j] != ppid; j++)
			;
		if (j == n) {
			roots++;
			w->root_pid = pids[i];
		}
	}
	if (roots != 1) {
		snprintf(err, len, "cgroup %s holds %d process trees; a checkpoint takes one",
			 cgroup, roots);
		return -1;
	}
	return 0;
}

/*
 * One checkpoint step of W into DIR: VERB is pre-dump or dump (frozen
 * after).  PARENT is the previous round relative to DIR, or NULL.
 */
static int checkpoint(struct pd *pd, struct pd_workload *w, const char *verb,
		      const char *dir, const char *parent, char *err, size_t len)
{
	int pre = !strcmp(verb, "pre-dump");
	char log[PATH_MAX], pidstr[16], e2[256], cgdir[PATH_MAX];
	char *argv[20];
	int n = 0;

	pd_tool_step_log(dir, pre ? "predump" : "dump", log, sizeof(log));
	mkdir(dir, 0700);
	/* Test fault: a dump longer than the receiver's link timeout (10 s). */
	if (!pre && pd_fault("slow-dump"))
		sleep(25);
	if (w->container) {
		/* runc pause + --leave-running: the container stays, frozen. */
		if (!pre && pd_tool_runc(pd, w, log, err, len, "pause", NULL, NULL, NULL, NULL, NULL,
				 NULL, NULL))
			return -1;
		if (!pd_tool_runc(pd, w, log, err, len, "checkpoint", pre ? "--pre-dump" : "--leave-running",
			  "--image-path", dir, parent ? "--parent-path" : NULL, parent, NULL, NULL)) {
			if (pre || pd_wl_frozen(w) == 1)
				return 0;
			snprintf(err, len, "container %s: its cgroup %s is not frozen after the dump",
				 w->name, w->cgroup);
		}
		if (!pre)
			pd_tool_runc(pd, w, log, e2, sizeof(e2), "resume", NULL, NULL, NULL, NULL, NULL,
			     NULL, NULL);
		return -1;
	}
	/* Frozen first: CRIU finds it so and leaves it so. */
	if (!pre && pd_cg_same(w) != 1) {
		snprintf(err, len, "cgroup %s is not the one this migration found", w->cgroup);
		return -1;
	}
	if (!pre && pd_cg_freeze(w, 1, 10000)) {
		snprintf(err, len, "cgroup %s: cannot freeze it: %s", w->cgroup,
			 errno ? strerror(errno) : "not frozen within 10 s");
		pd_cg_freeze(w, 0, 0);
		return -1;
	}
	snprintf(pidstr, sizeof(pidstr), "%d", w->root_pid);
	pd_cg_file(w, "", cgdir, sizeof(cgdir));
	cgdir[strlen(cgdir) - 1] = 0;
	argv[n++] = pd->cfg.criu;
	argv[n++] = (char *)verb;
	argv[n++] = "-t";
	argv[n++] = pidstr;
	argv[n++] = "-D";
	argv[n++] = (char *)dir;
	argv[n++] = "-o";
	argv[n++] = log;
	if (!pre) {
		argv[n++] = "--leave-stopped";
		argv[n++] = "--freeze-cgroup";
		argv[n++] = cgdir;
	}
	if (pre || parent)
		argv[n++] = "--track-mem";
	if (parent) {
		argv[n++] = "--prev-images-dir";
		argv[n++] = (char *)parent;
	}
	argv[n] = NULL;
	if (!pd_tool_run(pd, argv, log, NULL, NULL, err, len)) {
		if (pre || pd_cg_event(w, "frozen") == 1)
			return 0;
		snprintf(err, len, "cgroup %s was thawed during the dump", w->cgroup);
	}
	/* A failed dump may leave the tree frozen or stopped: never leave it so. */
	if (!pre) {
		pd_cg_freeze(w, 0, 0);
		pd_cg_signal(w, SIGCONT);
	}
	return -1;
}

int pd_wl_predump(struct pd *pd, struct pd_workload *w, const char *dir,
		  const char *parent, char *err, size_t len)
{
	return checkpoint(pd, w, "pre-dump", dir, parent, err, len);
}

int pd_wl_dump(struct pd *pd, struct pd_workload *w, const char *dir,
	       const char *parent, char *err, size_t len)
{
	return checkpoint(pd, w, "dump", dir, parent, err, len);
}

/* cgroup.freeze 0 and SIGCONT (CRIU's --leave-stopped stops it too). */
static int cg_thaw(const struct pd_workload *w, char *err, size_t len)
{
	int same = pd_cg_same(w);

	if (same != 1) {
		snprintf(err, len, "cgroup %s %s", w->cgroup,
			 same ? "is gone" : "is not the one this migration froze; left alone");
		return -1;
	}
	if (pd_cg_freeze(w, 0, 0) || pd_cg_signal(w, SIGCONT)) {
		snprintf(err, len, "cgroup %s: cannot thaw it: %s", w->cgroup, strerror(errno));
		return -1;
	}
	return 0;
}

int pd_wl_thaw(struct pd *pd, struct pd_workload *w, char *err, size_t len)
{
	char log[PATH_MAX];
	int rc;

	if (w->container) {
		rc = pd_tool_runc_state(pd, w, err, len);
		if (rc) {
			if (rc > 0)
				snprintf(err, len, "container '%s' is gone, or another one now; left alone",
					 w->name);
			return -1;
		}
		snprintf(log, sizeof(log), "%s/runc.log", pd->cfg.state_dir);
		return pd_tool_runc(pd, w, log, err, len, "resume", NULL, NULL, NULL, NULL, NULL,
			    NULL, NULL);
	}
	return cg_thaw(w, err, len);
}

int pd_wl_resume(struct pd *pd, struct pd_workload *w, char *err, size_t len)
{
	/* Restored containers are paused and stopped: thaw, then continue. */
	if (w->container && pd_wl_thaw(pd, w, err, len))
		return -1;
	return cg_thaw(w, err, len);
}

int pd_wl_alive(struct pd *pd, struct pd_workload *w, char *err, size_t len)
{
	int rc;

	if (w->container) {
		rc = pd_tool_runc_state(pd, w, err, len);
		return rc < 0 ? -1 : !rc;
	}
	return pd_cg_same(w) == 1 && pd_cg_event(w, "populated") > 0;
}

/*
 * Gone for certain: the kernel says the cgroup holds no process (and runc
 * that the container does not exist), or this fails.
 */
int pd_wl_kill(struct pd *pd, struct pd_workload *w, char *err, size_t len)
{
	char log[PATH_MAX], path[PATH_MAX];
	int same = pd_cg_same(w), rc;

	if (w->container) {
		snprintf(log, sizeof(log), "%s/runc.log", pd->cfg.state_dir);
		rc = pd_tool_runc_state(pd, w, err, len);
		if (rc < 0)
			return -1;
		if (!rc) {
			pd_tool_runc(pd, w, log, err, len, "delete", "--force", NULL, NULL, NULL, NULL,
			     NULL, NULL);
			rc = pd_tool_runc_state(pd, w, err, len);
			if (rc <= 0) {
				if (!rc)
					snprintf(err, len, "container '%s' survived runc delete --force",
						 w->name);
				return -1;
			}
		}
		/* Its cgroup too, if runc left anything there. */
	}
	if (same < 0)
		return 0;
	if (!same) {
		/* Another job has the name now: nothing of ours is there. */
		pd_log(0, "migrate: cgroup %s is not the one this migration made; left alone",
		       w->cgroup);
		return 0;
	}
	/* cgroup.kill (5.14) takes the whole cgroup at once, frozen or not. */
	if (pd_cg_event(w, "populated") > 0 && pd_cg_write(w, "cgroup.kill", "1"))
		pd_cg_signal(w, SIGKILL);
	if (pd_cg_wait_empty(w, 5000)) {
		snprintf(err, len, "cgroup %s still has processes 5 s after SIGKILL", w->cgroup);
		return -1;
	}
	pd_cg_file(w, "", path, sizeof(path));
	rmdir(path);
	return 0;
}

/*
 * What a bundle's own CRIU configuration (annotation org.criu.config) may
 * say: how to treat the job's sockets, locks, files and terminals.  CRIU
 * runs as root: options that run programs (action-script, exec-cmd), load
 * plugins (lib), or choose paths and namespaces are not the bundle's to
 * choose.
 */
static int criu_option_ok(const char *line)
{
	static const char *const ok[] = {
		"tcp-established", "tcp-close", "ext-unix-sk", "file-locks", "shell-job",
		"link-remap", "ghost-limit", "skip-in-flight", "evasive-devices",
		"force-irmap", "timeout", "weak-sysctls", "lsm-profile", NULL,
	};
	size_t n;
	int i;

	line += strspn(line, " \t");
	if (!strncmp(line, "--", 2))
		line += 2;
	n = strcspn(line, " \t\n=");
	for (i = 0; ok[i]; i++)
		if (strlen(ok[i]) == n && !strncmp(line, ok[i], n))
			return 1;
	return 0;
}

/* DIR/criu.conf: the bundle's own CRIU configuration plus cgroup-root. */
static int criu_config(struct json_object *cfg, const char *dir, const char *cgroup,
		       const char *bundle, char *err, size_t len)
{
	struct json_object *ann, *own;
	char path[PATH_MAX], line[512];
	FILE *f, *in = NULL;
	int bad = 0;

	pd_path(path, sizeof(path), "%s/criu.conf", dir);
	f = fopen(path, "we");
	if (!f) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!json_object_object_get_ex(cfg, "annotations", &ann)) {
		ann = json_object_new_object();
		json_object_object_add(cfg, "annotations", ann);
	}
	if (json_object_object_get_ex(ann, "org.criu.config", &own)) {
		const char *own_path = json_object_get_string(own);
		char rp[PATH_MAX], rb[PATH_MAX];

		/* The bundle's own file, inside the bundle. */
		if (!realpath(own_path, rp) || !realpath(bundle, rb) || !pd_path_below(rp, rb)) {
			snprintf(err, len, "bundle %s: its CRIU configuration %s is not inside it",
				 bundle, own_path);
			bad = 1;
		} else {
			in = fopen(rp, "re");
		}
		while (!bad && in && fgets(line, sizeof(line), in)) {
			char *l = line + strspn(line, " \t");

			if (*l == '#' || *l == '\n' || !*l)
				continue;
			if (!criu_option_ok(l)) {
				snprintf(err, len, "bundle %s, CRIU configuration %s: option '%.*s' is not one a bundle may set",
					 bundle, own_path, (int)strcspn(l, " \t\n="), l);
				bad = 1;
				break;
			}
			fputs(line, f);
		}
		if (in)
			fclose(in);
	}
	if (bad) {
		fclose(f);
		return -1;
	}
	fprintf(f, "cgroup-root %s\n", cgroup);
	/* Held stopped like a cgroup tree, not running until runc pause. */
	fprintf(f, "leave-stopped\n");
	if (fclose(f)) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	json_object_object_add(ann, "org.criu.config", json_object_new_string(path));
	return 0;
}

/* A copy of the bundle's config.json for the restore: rootfs, cgroup. */
static int restore_bundle(struct pd_workload *w, const char *dir, char *out, size_t outlen,
			  char *err, size_t len)
{
	char src[PATH_MAX], dst[PATH_MAX], rootfs[PATH_MAX];
	struct json_object *o, *root, *linux_o, *path;
	int rc;

	snprintf(src, sizeof(src), "%s/config.json", w->bundle);
	o = json_object_from_file(src);
	if (!o) {
		snprintf(err, len, "bundle %s: %s", src, json_util_get_last_err() ?: "unreadable");
		return -1;
	}
	if (json_object_object_get_ex(o, "root", &root) &&
	    json_object_object_get_ex(root, "path", &path) &&
	    json_object_get_string(path)[0] != '/') {
		snprintf(rootfs, sizeof(rootfs), "%s/%s", w->bundle, json_object_get_string(path));
		json_object_object_add(root, "path", json_object_new_string(rootfs));
	}
	if (json_object_object_get_ex(o, "linux", &linux_o))
		json_object_object_add(linux_o, "cgroupsPath", json_object_new_string(w->cgroup));
	pd_path(out, outlen, "%s/bundle", dir);
	mkdir(out, 0700);
	/*
	 * The image names the source's cgroup as the root of the container's
	 * cgroup namespace; CRIU would put the restored tasks there (on one
	 * machine: into the frozen source).  runc hands CRIU the file that
	 * the org.criu.config annotation names: move the root to ours.
	 */
	if (criu_config(o, out, w->cgroup, w->bundle, err, len)) {
		json_object_put(o);
		return -1;
	}
	pd_path(dst, sizeof(dst), "%s/config.json", out);
	rc = json_object_to_file_ext(dst, o, JSON_C_TO_STRING_PRETTY);
	json_object_put(o);
	if (rc) {
		snprintf(err, len, "%s: %s", dst, strerror(errno));
		return -1;
	}
	return 0;
}

/* A container from DIR through runc, held stopped, then paused (frozen). */
static int restore_container(struct pd *pd, struct pd_workload *w, const char *dir,
			     const char *log, const char *pidfile, char *err, size_t len)
{
	char parent[PATH_MAX], bundle[PATH_MAX], e2[256];
	int rc;

	snprintf(parent, sizeof(parent), "%s", dir);
	*strrchr(parent, '/') = 0;
	if (restore_bundle(w, parent, bundle, sizeof(bundle), err, len))
		return -1;
	/*
	 * runc drives CRIU over RPC, where CRIU takes no action script:
	 * the copy is held stopped, then frozen by runc pause.
	 */
	if (pd_tool_runc(pd, w, log, err, len, "restore", "--detach", "--image-path", dir,
			 "--bundle", bundle, "--pid-file", pidfile))
		return -1;
	rc = pd_tool_runc(pd, w, log, err, len, "pause", NULL, NULL, NULL, NULL, NULL, NULL,
			  NULL);
	/* This copy, by its creation time: the journal keeps it. */
	w->created[0] = 0;
	if (!rc && pd_tool_runc_state(pd, w, err, len))
		rc = -1;
	if (!rc && pd_wl_frozen(w) != 1) {
		snprintf(err, len, "container %s: its cgroup %s is not frozen after runc pause",
			 w->name, w->cgroup);
		rc = -1;
	}
	if (rc)
		pd_tool_runc(pd, w, log, e2, sizeof(e2), "delete", "--force", NULL, NULL, NULL,
			     NULL, NULL, NULL);
	return rc;
}

/*
 * A process tree from DIR through CRIU, into the cgroup reserved for it
 * (pd_wl_reserve()), which must be empty; frozen by pd_criu_hook().
 */
static int restore_tree(struct pd *pd, struct pd_workload *w, const char *dir,
			const char *log, const char *pidfile, char *err, size_t len)
{
	char procs[PATH_MAX], cgdir[PATH_MAX], hook[64];
	char *argv[] = { pd->cfg.criu, "restore", "-D", (char *)dir, "--restore-detached",
			 "--leave-stopped", "--manage-cgroups=ignore", "--pidfile",
			 (char *)pidfile, "--action-script", hook, "-o", (char *)log, NULL };
	int rc;

	if (pd_cg_same(w) != 1 || !w->cg_id) {
		snprintf(err, len, "cgroup %s is not the one reserved for this migration",
			 w->cgroup);
		return -1;
	}
	if (pd_wl_nprocs(w) > 0) {
		snprintf(err, len, "cgroup %s already has processes", w->cgroup);
		return -1;
	}
	pd_cg_file(w, "", cgdir, sizeof(cgdir));
	cgdir[strlen(cgdir) - 1] = 0;
	if (pd_path(hook, sizeof(hook), "/proc/%d/exe", getpid())) {
		snprintf(err, len, "no path for the action script");
		return -1;
	}
	pd_cg_file(w, "cgroup.procs", procs, sizeof(procs));
	rc = pd_tool_run(pd, argv, log, procs, cgdir, err, len);
	if (!rc && pd_cg_event(w, "frozen") != 1) {
		snprintf(err, len, "cgroup %s: the restored copy is not frozen", w->cgroup);
		rc = -1;
	}
	if (rc) {
		/* Nothing half-restored may stay behind. */
		pd_cg_write(w, "cgroup.kill", "1");
		pd_cg_wait_empty(w, 5000);
		pd_cg_freeze(w, 0, 0);
	}
	return rc;
}

int pd_wl_restore(struct pd *pd, struct pd_workload *w, const char *dir,
		  char *err, size_t len)
{
	char log[PATH_MAX], pidfile[PATH_MAX];
	FILE *f;

	pd_tool_step_log(dir, "restore", log, sizeof(log));
	pd_path(pidfile, sizeof(pidfile), "%s.pid", log);
	unlink(pidfile);
	/* Test fault: a restore longer than the sender's link timeout (10 s). */
	if (pd_fault("slow-restore"))
		sleep(25);
	if (pd_fault("restore-fail")) {
		snprintf(err, len, "restore failed (test fault restore-fail)");
		return -1;
	}
	if (w->container ? restore_container(pd, w, dir, log, pidfile, err, len) :
			   restore_tree(pd, w, dir, log, pidfile, err, len))
		return -1;
	f = fopen(pidfile, "re");
	if (!f || fscanf(f, "%d", &w->root_pid) != 1)
		w->root_pid = 0;
	if (f)
		fclose(f);
	return 0;
}

/* ---- CRIU's action script -------------------------------------------------- */

/* Is PID in the cgroup REL (below the v2 root, "/west/job1")? */
static int in_cgroup(pid_t pid, const char *rel)
{
	char path[64], line[PATH_MAX];
	int in = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		in = !strncmp(line, "0::", 3) && !strcmp(line + 3, rel);
	}
	fclose(f);
	return in;
}

int pd_criu_hook(void)
{
	const char *action = getenv("CRTOOLS_SCRIPT_ACTION");
	const char *dir = getenv("PWRMIG_HOOK_FREEZE"), *park = getenv("PWRMIG_HOOK_PARK");
	const char *root = pwrmig_cgroup_root(), *rel;
	struct pd_workload w = { 0 };
	pid_t pid = getpid(), next;
	FILE *f;

	if (!action || strcmp(action, "pre-resume"))
		return 0;
	if (!dir || !park || strncmp(dir, root, strlen(root)) || !dir[strlen(root)] ||
	    strlen(dir + strlen(root)) >= sizeof(w.cgroup)) {
		fprintf(stderr, "pwrmigd (CRIU action script): no cgroup to freeze\n");
		return 1;
	}
	rel = dir + strlen(root);
	snprintf(w.cgroup, sizeof(w.cgroup), "%s", rel);
	/*
	 * CRIU (and this script) may run inside the cgroup, so that the
	 * restored tree starts there: out with them, up to pwrmigd, or
	 * freezing would freeze CRIU too.  CRIU holds every restored task.
	 */
	for (; pid > 1 && in_cgroup(pid, rel); pid = next) {
		next = pd_ppid_of(pid);
		f = fopen(park, "we");
		if (!f || fprintf(f, "%d\n", pid) < 0 || fclose(f)) {
			fprintf(stderr, "pwrmigd (CRIU action script): moving %d to %s: %s\n",
				pid, park, strerror(errno));
			return 1;
		}
	}
	if (pd_cg_freeze(&w, 1, 10000)) {
		fprintf(stderr, "pwrmigd (CRIU action script): cannot freeze %s: %s\n", dir,
			errno ? strerror(errno) : "not frozen within 10 s");
		return 1;
	}
	return 0;
}
