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

/* ---- running tools --------------------------------------------------------- */

/* The last telling "Error" line of LOG (CRIU), else its last line. */
static void log_reason(const char *log, char *out, size_t len)
{
	char line[512], last[512] = "", err[512] = "";
	FILE *f = fopen(log, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!*line)
			continue;
		snprintf(last, sizeof(last), "%s", line);
		/* CRIU ends with generic lines; the cause comes before them. */
		if ((strstr(line, "Error") || strstr(line, "error")) &&
		    !strstr(line, "FAILED") && !strstr(line, "exited, status"))
			snprintf(err, sizeof(err), "%s", line);
	}
	fclose(f);
	snprintf(out, len, "%s", *err ? err : last);
}

/*
 * Wait for child PID, at most TIMEOUT_S: a hung CRIU or runc must not hold
 * a migration (and the frozen job) forever.  Past it the child is killed.
 * 0 with *STATUS; -ETIMEDOUT; -errno.
 */
static int wait_child(pid_t pid, int timeout_s, int *status)
{
	int pfd = syscall(SYS_pidfd_open, pid, 0), rc;
	struct pollfd p = { .fd = pfd, .events = POLLIN };
	struct timespec until, now;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_s;
	while (pfd >= 0) {
		long ms;

		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (until.tv_sec - now.tv_sec) * 1000L + (until.tv_nsec - now.tv_nsec) / 1000000;
		rc = ms > 0 ? poll(&p, 1, ms) : 0;
		if (rc > 0)
			break;
		if (!rc) {
			/* The tool and whatever it started. */
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			close(pfd);
			return -ETIMEDOUT;
		}
		if (errno != EINTR)
			break;	/* wait without a deadline, as without pidfd */
	}
	if (pfd >= 0)
		close(pfd);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* The start time of PID (clock ticks after boot), 0 if it is gone. */
static unsigned long long start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return 0;
	/* After the command name, which may hold anything: field 22. */
	p = strrchr(buf, ')');
	for (i = 2; p && i < 22; i++)
		p = strchr(p + 1, ' ');
	if (p)
		sscanf(p + 1, "%llu", &t);
	return t;
}

/*
 * Every CRIU or runc running is named in STATE_DIR/tools/PID (its start
 * time inside): a pwrmigd that dies leaves the names, and the next one
 * kills what still runs (pd_tools_reap()).  A tool must not outlive the
 * decision it was part of: an orphaned `criu dump` would stop a job that
 * recovery had let run again.
 */
static void tool_note(struct pd *pd, pid_t pid, int add)
{
	char path[PATH_MAX], dir[PATH_MAX];
	FILE *f;

	if (pd_path(dir, sizeof(dir), "%s/tools", pd->cfg.state_dir) ||
	    pd_path(path, sizeof(path), "%s/%d", dir, pid))
		return;
	if (!add) {
		unlink(path);
		return;
	}
	mkdir(dir, 0700);
	f = fopen(path, "we");
	if (!f || fprintf(f, "%llu\n", start_time(pid)) < 0 || fclose(f))
		pd_log(0, "migrate: %s: %s", path, strerror(errno));
}

int pd_tools_reap(struct pd *pd)
{
	char dir[PATH_MAX], path[PATH_MAX];
	unsigned long long t;
	struct dirent *e;
	int n = 0;
	pid_t pid;
	FILE *f;
	DIR *d;

	if (pd_path(dir, sizeof(dir), "%s/tools", pd->cfg.state_dir))
		return 0;
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		pid = atoi(e->d_name);
		if (pid <= 0 || pd_path(path, sizeof(path), "%s/%s", dir, e->d_name))
			continue;
		f = fopen(path, "re");
		if (f && fscanf(f, "%llu", &t) == 1 && t && t == start_time(pid)) {
			pd_log(0, "migrate: killing tool %d left by the last pwrmigd", pid);
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			n++;
		}
		if (f)
			fclose(f);
		unlink(path);
	}
	if (d)
		closedir(d);
	return n;
}

/*
 * In a tool's child, before exec: lead its own process group (a timeout
 * or the next pwrmigd kills all of it) and die with the thread that
 * forked it, never a moment longer than pwrmigd (PARENT).
 */
static void tool_child(pid_t parent)
{
	setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(125);
}

/*
 * pwrmigd's environment and what pd_criu_hook() reads: the cgroup to
 * freeze and where to put CRIU (pwrmigd's own cgroup) before it does.
 */
static int hook_env(const char *freeze, char add[2][PATH_MAX + 32], char ***out,
		    char *err, size_t len)
{
	char own[PATH_MAX] = "";
	size_t n = 0, i;
	char **env;
	FILE *f;

	f = fopen("/proc/self/cgroup", "re");
	if (!f || !fgets(own, sizeof(own), f) || strncmp(own, "0::/", 4)) {
		snprintf(err, len, "cannot read pwrmigd's cgroup v2 in /proc/self/cgroup");
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	own[strcspn(own, "\n")] = 0;
	snprintf(add[0], PATH_MAX + 32, "PWRMIG_HOOK_FREEZE=%s", freeze);
	snprintf(add[1], PATH_MAX + 32, "PWRMIG_HOOK_PARK=%s%s/cgroup.procs",
		 pwrmig_cgroup_root(), own[4] ? own + 3 : "");
	while (environ[n])
		n++;
	env = calloc(n + 3, sizeof(*env));
	if (!env) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		env[i] = environ[i];
	env[n] = add[0];
	env[n + 1] = add[1];
	*out = env;
	return 0;
}

/*
 * Run ARGV with stdout and stderr to LOG, inside cgroup CG_PROCS when not
 * NULL; 0 when it exits 0.  ERR says which tool failed and why.  The tool
 * leads its own process group and dies with the thread that started it.
 * HOOK_FREEZE: the cgroup directory pd_criu_hook() freezes (a restore).
 */
static int run(struct pd *pd, char *const argv[], const char *log, const char *cg_procs,
	       const char *hook_freeze, char *err, size_t len)
{
	char reason[512] = "", cmd[512] = "", env_add[2][PATH_MAX + 32], **env = NULL;
	pid_t pid, parent = getpid();
	int status, fd, i, rc;

	if (hook_freeze && hook_env(hook_freeze, env_add, &env, err, len))
		return -1;
	for (i = 0; argv[i] && strlen(cmd) < sizeof(cmd) - 64; i++)
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s%s", i ? " " : "",
			 argv[i]);
	pd_log(1, "migrate: %s", cmd);
	pid = fork();
	if (pid < 0) {
		snprintf(err, len, "fork: %s", strerror(errno));
		free(env);
		return -1;
	}
	if (!pid) {
		sigset_t all;

		tool_child(parent);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (env)
			environ = env;
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, 0);
		if (cg_procs) {
			FILE *f = fopen(cg_procs, "we");

			if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f)) {
				fprintf(stderr, "pwrmigd: joining %s: %s\n", cg_procs,
					strerror(errno));
				_exit(126);
			}
		}
		/* Test fault: the tool starts late (time to kill pwrmigd first). */
		if (pd_fault("slow-tool"))
			sleep(8);
		/* Test fault: the tool never ends. */
		if (pd_fault("hang-tool"))
			execlp("sleep", "sleep", "infinity", (char *)NULL);
		execvp(argv[0], argv);
		fprintf(stderr, "pwrmigd: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	free(env);
	tool_note(pd, pid, 1);
	rc = wait_child(pid, pd->cfg.checkpoint_timeout_s, &status);
	tool_note(pd, pid, 0);
	if (rc == -ETIMEDOUT) {
		snprintf(err, len, "%s %s did not finish within checkpoint_timeout_s (%u s): killed",
			 argv[0], argv[1], pd->cfg.checkpoint_timeout_s);
		return -1;
	}
	if (rc) {
		snprintf(err, len, "waitpid: %s", strerror(-rc));
		return -1;
	}
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	log_reason(log, reason, sizeof(reason));
	if (WIFEXITED(status))
		snprintf(err, len, "%s %s exited %d: %s", argv[0], argv[1], WEXITSTATUS(status),
			 reason);
	else
		snprintf(err, len, "%s %s killed by signal %d", argv[0], argv[1],
			 WTERMSIG(status));
	return -1;
}

/* Log file of a step: LOGDIR/STEP.log next to the images dir DIR. */
static void step_log(const char *dir, const char *step, char *out, size_t len)
{
	char *slash;

	snprintf(out, len, "%s", dir);
	slash = strrchr(out, '/');
	if (slash)
		*slash = 0;
	snprintf(out + strlen(out), len - strlen(out), "/log/%s.log", step);
	slash = strrchr(out, '/');
	*slash = 0;
	mkdir(out, 0700);
	*slash = '/';
}

/* ---- cgroup helpers --------------------------------------------------------- */

static void cg_file(const struct pd_workload *w, const char *file, char *out, size_t len)
{
	snprintf(out, len, "%s%s/%s", pwrmig_cgroup_root(), w->cgroup, file);
}

/* Add the PIDs of cgroup directory PATH and of its children to PIDS. */
static int cg_pids_dir(char *path, size_t len, int *pids, int max, int depth)
{
	size_t end = strlen(path);
	struct dirent *e;
	int n = 0, pid, sub;
	FILE *f;
	DIR *d;

	snprintf(path + end, len - end, "/cgroup.procs");
	f = fopen(path, "re");
	path[end] = 0;
	if (!f)
		return -1;
	while (fscanf(f, "%d", &pid) == 1)
		if (n < max)
			pids[n++] = pid;
		else
			n++;
	fclose(f);
	d = depth < 16 ? opendir(path) : NULL;
	while (d && (e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(path + end, len - end, "/%s", e->d_name);
		sub = cg_pids_dir(path, len, pids + (n < max ? n : max),
				  n < max ? max - n : 0, depth + 1);
		path[end] = 0;
		if (sub > 0)
			n += sub;
	}
	if (d)
		closedir(d);
	return n;
}

/* PIDs of the cgroup and of its descendants; -1 if it is gone. */
static int cg_pids(const struct pd_workload *w, int *pids, int max)
{
	char path[PATH_MAX];

	cg_file(w, "", path, sizeof(path));
	path[strlen(path) - 1] = 0;	/* the trailing slash */
	return cg_pids_dir(path, sizeof(path), pids, max, 0);
}

/* A "Key:\tA\tB..." line of /proc/.../status: its numbers (base 10 or 16). */
static int status_line(const char *path, const char *key, int base,
		       unsigned long long *v, int max)
{
	size_t kl = strlen(key);
	char line[256], *p, *end;
	int n = -1;
	FILE *f = fopen(path, "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl)) {
			for (n = 0, p = line + kl; n < max; n++, p = end) {
				v[n] = strtoull(p, &end, base);
				if (end == p)
					break;
			}
			break;
		}
	if (f)
		fclose(f);
	return n;
}

/* One thread's credentials against LO..HI; 0 fine, 1 not, -1 gone. */
static int task_uids_ok(const char *status, const struct stat *host_ns, const char *ns,
			uint32_t lo, uint32_t hi, char *why, size_t len)
{
	unsigned long long uid[4], cap[1];
	struct stat st;
	int i, n;

	n = status_line(status, "Uid:", 10, uid, 4);
	if (n != 4)
		return -1;
	for (i = 0; i < 4; i++)
		if (uid[i] < lo || uid[i] > hi) {
			snprintf(why, len, "runs as uid %llu", uid[i]);
			return 1;
		}
	/* Capabilities count only in the host's user namespace. */
	if (lo == 0 || stat(ns, &st) || st.st_ino != host_ns->st_ino ||
	    st.st_dev != host_ns->st_dev)
		return 0;
	if (status_line(status, "CapEff:", 16, cap, 1) == 1 && cap[0]) {
		snprintf(why, len, "has capabilities %llx in the host's user namespace", cap[0]);
		return 1;
	}
	if (status_line(status, "CapPrm:", 16, cap, 1) == 1 && cap[0]) {
		snprintf(why, len, "may take capabilities %llx in the host's user namespace",
			 cap[0]);
		return 1;
	}
	return 0;
}

int pd_wl_check_uids(const struct pd_workload *w, uint32_t lo, uint32_t hi, char *err,
		     size_t len)
{
	char path[PATH_MAX], ns[64], why[128];
	int pids[4096], n, i, rc;
	struct stat host_ns;
	struct dirent *e;
	DIR *d;

	n = cg_pids(w, pids, sizeof(pids) / sizeof(pids[0]));
	if (n < 0 || n > (int)(sizeof(pids) / sizeof(pids[0])) ||
	    stat("/proc/self/ns/user", &host_ns)) {
		snprintf(err, len, "cgroup %s: cannot list its %d processes' credentials",
			 w->cgroup, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		/* Every thread: a thread may have its own credentials. */
		snprintf(path, sizeof(path), "/proc/%d/task", pids[i]);
		snprintf(ns, sizeof(ns), "/proc/%d/ns/user", pids[i]);
		d = opendir(path);
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/task/%s/status", pids[i], e->d_name);
			rc = task_uids_ok(path, &host_ns, ns, lo, hi, why, sizeof(why));
			if (rc > 0) {
				closedir(d);
				snprintf(err, len, "restored process %d (thread %s) %s; this peer's restores may run as uids %u-%u only",
					 pids[i], e->d_name, why, lo, hi);
				return -1;
			}
		}
		if (d)
			closedir(d);
	}
	return 0;
}

int pd_wl_nprocs(const struct pd_workload *w)
{
	int pids[1];

	return cg_pids(w, pids, 0);
}

static int ppid_of(int pid)
{
	char path[64], line[128];
	int ppid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PPid: %d", &ppid) == 1)
			break;
	fclose(f);
	return ppid;
}

static int cg_signal(const struct pd_workload *w, int sig)
{
	int pids[4096], n, i;

	n = cg_pids(w, pids, 4096);
	for (i = 0; i < n && i < 4096; i++)
		kill(pids[i], sig);
	return n < 0 ? -1 : 0;
}

static int cg_write(const struct pd_workload *w, const char *file, const char *val)
{
	char path[PATH_MAX];
	int fd, rc;

	cg_file(w, file, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return rc;
}

/* KEY's value in the cgroup's cgroup.events ("populated", "frozen"); -1 if gone. */
static int cg_event(const struct pd_workload *w, const char *key)
{
	char path[PATH_MAX], k[32];
	int v, found = -1;
	FILE *f;

	cg_file(w, "cgroup.events", path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fscanf(f, "%31s %d", k, &v) == 2)
		if (!strcmp(k, key))
			found = v;
	fclose(f);
	return found;
}

/*
 * Is W's cgroup still the one the migration found or made?  1 yes (or no
 * inode was kept), 0 another directory has its name now, -1 it is gone.
 */
static int cg_same(const struct pd_workload *w)
{
	char path[PATH_MAX];
	struct stat st;

	cg_file(w, "", path, sizeof(path));
	if (stat(path, &st))
		return -1;
	return !w->cg_id || (uint64_t)st.st_ino == w->cg_id;
}

/* Wait until the kernel says the cgroup has no process, up to MS milliseconds. */
static int cg_wait_empty(const struct pd_workload *w, int ms)
{
	struct timespec t = { 0, 10 * 1000000L };

	for (; ms > 0; ms -= 10) {
		if (cg_event(w, "populated") <= 0)
			return 0;
		nanosleep(&t, NULL);
	}
	return -1;
}

/* cgroup.freeze: ON 1 freezes and waits (MS) until the kernel says frozen. */
static int cg_freeze(const struct pd_workload *w, int on, int ms)
{
	struct timespec t = { 0, 10 * 1000000L };

	if (cg_write(w, "cgroup.freeze", on ? "1" : "0"))
		return -1;
	for (; on && ms > 0; ms -= 10) {
		if (cg_event(w, "frozen") == 1)
			return 0;
		nanosleep(&t, NULL);
	}
	return on ? -1 : 0;
}

int pd_wl_frozen(const struct pd_workload *w)
{
	if (cg_same(w) != 1)
		return -1;
	return cg_event(w, "frozen");
}

int pd_wl_reserve(struct pd_workload *w, char *err, size_t len)
{
	char path[PATH_MAX];
	struct stat st;

	cg_file(w, "", path, sizeof(path));
	path[strlen(path) - 1] = 0;
	/* mkdir is the reservation: of two migrations to one name, one gets it. */
	if (mkdir(path, 0755) || stat(path, &st)) {
		snprintf(err, len, "cgroup %s %s", w->cgroup,
			 errno == EEXIST ? "already exists here" : strerror(errno));
		return -1;
	}
	w->cg_id = st.st_ino;
	return 0;
}

void pd_wl_unreserve(const struct pd_workload *w)
{
	char path[PATH_MAX];

	/* Ours and still empty; anything else is left as it is. */
	if (!*w->cgroup || cg_same(w) != 1 || !w->cg_id)
		return;
	cg_file(w, "", path, sizeof(path));
	path[strlen(path) - 1] = 0;
	rmdir(path);
}

int pd_wl_rereserve(struct pd_workload *w, char *err, size_t len)
{
	int same = cg_same(w);

	if (same == 1 && w->cg_id) {
		if (cg_event(w, "populated") == 0)
			return 0;
		snprintf(err, len, "cgroup %s has processes", w->cgroup);
		return -1;
	}
	if (same == 0) {
		snprintf(err, len, "cgroup %s is another one now", w->cgroup);
		return -1;
	}
	return pd_wl_reserve(w, err, len);
}

/* ---- runc ------------------------------------------------------------------ */

static int runc(struct pd *pd, const struct pd_workload *w, const char *log, char *err,
		size_t len, const char *a1, const char *a2, const char *a3, const char *a4,
		const char *a5, const char *a6, const char *a7, const char *a8)
{
	char *argv[17] = { pd->cfg.runc, "--root", pd->cfg.runc_root };
	const char *rest[] = { a1, a2, a3, a4, a5, a6, a7, a8 };
	char criu_log[PATH_MAX], why[512] = "";
	const char *images = NULL;
	int n = 3, i;

	for (i = 0; i < 8 && rest[i]; i++) {
		argv[n++] = (char *)rest[i];
		if (!strcmp(rest[i], "--image-path") && i < 7)
			images = rest[i + 1];
	}
	argv[n++] = "--";	/* an id may start with '-' */
	argv[n++] = (char *)w->name;
	argv[n] = NULL;
	if (!run(pd, argv, log, NULL, NULL, err, len))
		return 0;
	/* runc only says "criu failed": CRIU's own log in the images says why. */
	if (images) {
		pd_path(criu_log, sizeof(criu_log), "%s/%s.log", images,
			!strcmp(a1, "restore") ? "restore" : "dump");
		log_reason(criu_log, why, sizeof(why));
		if (*why)
			snprintf(err, len, "runc %s: %s", a1, why);
	}
	return -1;
}

/*
 * Run ARGV (a query: runc state) with its stdout into OUT (NUL-ended) and
 * its stderr into ERROUT; 0 with *STATUS once it ends, -1 (ERR) if it
 * could not run or took longer than checkpoint_timeout_s.
 */
static int capture(struct pd *pd, char *const argv[], char *out, size_t outlen, char *errout,
		   size_t errlen, int *status, char *err, size_t len)
{
	int po[2], pe[2], rc, fd, late = 0;
	size_t n[2] = { 0, 0 };
	pid_t pid, parent = getpid();
	struct pollfd p[2];
	struct timespec t0, now;

	if (pipe2(po, O_CLOEXEC)) {
		snprintf(err, len, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(pe, O_CLOEXEC)) {
		snprintf(err, len, "pipe: %s", strerror(errno));
		close(po[0]);
		close(po[1]);
		return -1;
	}
	pid = fork();
	if (!pid) {
		tool_child(parent);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, 0);
		execvp(argv[0], argv);
		fprintf(stderr, "pwrmigd: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	if (pid < 0) {
		snprintf(err, len, "fork: %s", strerror(errno));
		close(po[0]);
		close(pe[0]);
		return -1;
	}
	p[0] = (struct pollfd){ .fd = po[0], .events = POLLIN };
	p[1] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		long left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = pd->cfg.checkpoint_timeout_s * 1000L -
		       ((now.tv_sec - t0.tv_sec) * 1000L + (now.tv_nsec - t0.tv_nsec) / 1000000);
		rc = left > 0 ? poll(p, 2, left) : 0;
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0) {
			late = 1;
			break;
		}
		for (int i = 0; i < 2; i++) {
			char *buf = i ? errout : out, sink[256];
			size_t cap = i ? errlen : outlen;
			ssize_t r;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			if (n[i] + 1 < cap)
				r = read(p[i].fd, buf + n[i], cap - 1 - n[i]);
			else
				r = read(p[i].fd, sink, sizeof(sink));
			if (r <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
			} else if (n[i] + 1 < cap) {
				n[i] += r;
			}
		}
	}
	out[n[0]] = 0;
	errout[n[1]] = 0;
	for (int i = 0; i < 2; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	if (wait_child(pid, late ? 0 : 1, status) == -ETIMEDOUT || late) {
		snprintf(err, len, "%s %s did not finish within checkpoint_timeout_s (%u s): killed",
			 argv[0], argv[1], pd->cfg.checkpoint_timeout_s);
		return -1;
	}
	return 0;
}

/*
 * `runc state NAME` -> init PID and bundle: 0 when it is running or
 * paused, 1 when runc says it does not exist, -1 (ERR) for anything else:
 * runc failing is no proof that the container is gone.  A container is
 * W's only if it was created when W's was (w->created, once known): one
 * made later under the name is another, and W's counts as gone (1).
 */
static int runc_state(struct pd *pd, struct pd_workload *w, char *err, size_t len)
{
	char *argv[] = { pd->cfg.runc, "--root", pd->cfg.runc_root, "state", "--", w->name,
			 NULL };
	char buf[8192], ebuf[1024];
	struct json_object *o;
	const char *status, *bundle, *created;
	int st;

	if (capture(pd, argv, buf, sizeof(buf), ebuf, sizeof(ebuf), &st, err, len))
		return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		if (WIFEXITED(st) && strstr(ebuf, "does not exist"))
			return 1;
		ebuf[strcspn(ebuf, "\n")] = 0;
		snprintf(err, len, "runc state %s: %s", w->name,
			 *ebuf ? ebuf : "failed without a word");
		return -1;
	}
	o = json_tokener_parse(buf);
	created = pd_json_str(o, "created") ?: "";
	if (*w->created && strcmp(created, w->created)) {
		pd_log(0, "migrate: container '%s' was created at %s, not at %s: another container, left alone",
		       w->name, created, w->created);
		json_object_put(o);
		return 1;
	}
	status = pd_json_str(o, "status");
	bundle = pd_json_str(o, "bundle");
	w->root_pid = pd_json_int(o, "pid", 0);
	if (!status || !bundle || (strcmp(status, "running") && strcmp(status, "paused"))) {
		snprintf(err, len, "container '%s' is %s, not running", w->name,
			 status ?: "in an unknown state");
		json_object_put(o);
		return -1;
	}
	snprintf(w->bundle, sizeof(w->bundle), "%s", bundle);
	snprintf(w->created, sizeof(w->created), "%s", created);
	json_object_put(o);
	return 0;
}

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
	cg_file(w, "", path, sizeof(path));
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		w->cg_id = st.st_ino;
	if (*name) {
		w->container = 1;
		snprintf(w->name, sizeof(w->name), "%s", name);
		rc = runc_state(pd, w, err, len);
		if (rc == 1)
			snprintf(err, len, "container '%s' does not exist", name);
		return rc ? -1 : 0;
	}
	if (!w->cg_id) {
		snprintf(err, len, "cgroup %s: not found under %s", cgroup, pwrmig_cgroup_root());
		return -1;
	}
	n = cg_pids(w, pids, 4096);
	if (n <= 0) {
		snprintf(err, len, "cgroup %s has no process to move", cgroup);
		return -1;
	}
	if (n > 4096) {
		snprintf(err, len, "cgroup %s has %d processes, more than 4096", cgroup, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		ppid = ppid_of(pids[i]);
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

	step_log(dir, pre ? "predump" : "dump", log, sizeof(log));
	mkdir(dir, 0700);
	/* Test fault: a dump longer than the receiver's link timeout (10 s). */
	if (!pre && pd_fault("slow-dump"))
		sleep(25);
	if (w->container) {
		/* runc pause + --leave-running: the container stays, frozen. */
		if (!pre && runc(pd, w, log, err, len, "pause", NULL, NULL, NULL, NULL, NULL,
				 NULL, NULL))
			return -1;
		if (!runc(pd, w, log, err, len, "checkpoint", pre ? "--pre-dump" : "--leave-running",
			  "--image-path", dir, parent ? "--parent-path" : NULL, parent, NULL, NULL)) {
			if (pre || pd_wl_frozen(w) == 1)
				return 0;
			snprintf(err, len, "container %s: its cgroup %s is not frozen after the dump",
				 w->name, w->cgroup);
		}
		if (!pre)
			runc(pd, w, log, e2, sizeof(e2), "resume", NULL, NULL, NULL, NULL, NULL,
			     NULL, NULL);
		return -1;
	}
	/* Frozen first: CRIU finds it so and leaves it so. */
	if (!pre && cg_same(w) != 1) {
		snprintf(err, len, "cgroup %s is not the one this migration found", w->cgroup);
		return -1;
	}
	if (!pre && cg_freeze(w, 1, 10000)) {
		snprintf(err, len, "cgroup %s: cannot freeze it: %s", w->cgroup,
			 errno ? strerror(errno) : "not frozen within 10 s");
		cg_freeze(w, 0, 0);
		return -1;
	}
	snprintf(pidstr, sizeof(pidstr), "%d", w->root_pid);
	cg_file(w, "", cgdir, sizeof(cgdir));
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
	if (!run(pd, argv, log, NULL, NULL, err, len)) {
		if (pre || cg_event(w, "frozen") == 1)
			return 0;
		snprintf(err, len, "cgroup %s was thawed during the dump", w->cgroup);
	}
	/* A failed dump may leave the tree frozen or stopped: never leave it so. */
	if (!pre) {
		cg_freeze(w, 0, 0);
		cg_signal(w, SIGCONT);
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
	int same = cg_same(w);

	if (same != 1) {
		snprintf(err, len, "cgroup %s %s", w->cgroup,
			 same ? "is gone" : "is not the one this migration froze; left alone");
		return -1;
	}
	if (cg_freeze(w, 0, 0) || cg_signal(w, SIGCONT)) {
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
		rc = runc_state(pd, w, err, len);
		if (rc) {
			if (rc > 0)
				snprintf(err, len, "container '%s' is gone, or another one now; left alone",
					 w->name);
			return -1;
		}
		snprintf(log, sizeof(log), "%s/runc.log", pd->cfg.state_dir);
		return runc(pd, w, log, err, len, "resume", NULL, NULL, NULL, NULL, NULL,
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
		rc = runc_state(pd, w, err, len);
		return rc < 0 ? -1 : !rc;
	}
	return cg_same(w) == 1 && cg_event(w, "populated") > 0;
}

/*
 * Gone for certain: the kernel says the cgroup holds no process (and runc
 * that the container does not exist), or this fails.
 */
int pd_wl_kill(struct pd *pd, struct pd_workload *w, char *err, size_t len)
{
	char log[PATH_MAX], path[PATH_MAX];
	int same = cg_same(w), rc;

	if (w->container) {
		snprintf(log, sizeof(log), "%s/runc.log", pd->cfg.state_dir);
		rc = runc_state(pd, w, err, len);
		if (rc < 0)
			return -1;
		if (!rc) {
			runc(pd, w, log, err, len, "delete", "--force", NULL, NULL, NULL, NULL,
			     NULL, NULL);
			rc = runc_state(pd, w, err, len);
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
	if (cg_event(w, "populated") > 0 && cg_write(w, "cgroup.kill", "1"))
		cg_signal(w, SIGKILL);
	if (cg_wait_empty(w, 5000)) {
		snprintf(err, len, "cgroup %s still has processes 5 s after SIGKILL", w->cgroup);
		return -1;
	}
	cg_file(w, "", path, sizeof(path));
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

int pd_wl_restore(struct pd *pd, struct pd_workload *w, const char *dir,
		  char *err, size_t len)
{
	char log[PATH_MAX], pidfile[PATH_MAX], procs[PATH_MAX], cgdir[PATH_MAX];
	char bundle[PATH_MAX], hook[64], e2[256], *argv[24];
	int n = 0, rc;
	FILE *f;

	step_log(dir, "restore", log, sizeof(log));
	pd_path(pidfile, sizeof(pidfile), "%s.pid", log);
	unlink(pidfile);
	/* Test fault: a restore longer than the sender's link timeout (10 s). */
	if (pd_fault("slow-restore"))
		sleep(25);
	if (pd_fault("restore-fail")) {
		snprintf(err, len, "restore failed (test fault restore-fail)");
		return -1;
	}
	if (w->container) {
		char parent[PATH_MAX];

		snprintf(parent, sizeof(parent), "%s", dir);
		*strrchr(parent, '/') = 0;
		if (restore_bundle(w, parent, bundle, sizeof(bundle), err, len))
			return -1;
		/*
		 * runc drives CRIU over RPC, where CRIU takes no action script:
		 * the copy is held stopped, then frozen by runc pause.
		 */
		if (runc(pd, w, log, err, len, "restore", "--detach", "--image-path", dir,
			 "--bundle", bundle, "--pid-file", pidfile))
			return -1;
		rc = runc(pd, w, log, err, len, "pause", NULL, NULL, NULL, NULL, NULL, NULL,
			  NULL);
		/* This copy, by its creation time: the journal keeps it. */
		w->created[0] = 0;
		if (!rc && runc_state(pd, w, err, len))
			rc = -1;
		if (!rc && pd_wl_frozen(w) != 1) {
			snprintf(err, len, "container %s: its cgroup %s is not frozen after runc pause",
				 w->name, w->cgroup);
			rc = -1;
		}
		if (rc) {
			runc(pd, w, log, e2, sizeof(e2), "delete", "--force", NULL, NULL, NULL,
			     NULL, NULL, NULL);
			return -1;
		}
	} else {
		/* Into the cgroup reserved for it (pd_wl_reserve()), empty. */
		if (cg_same(w) != 1 || !w->cg_id) {
			snprintf(err, len, "cgroup %s is not the one reserved for this migration",
				 w->cgroup);
			return -1;
		}
		if (pd_wl_nprocs(w) > 0) {
			snprintf(err, len, "cgroup %s already has processes", w->cgroup);
			return -1;
		}
		cg_file(w, "", cgdir, sizeof(cgdir));
		cgdir[strlen(cgdir) - 1] = 0;
		if (pd_path(hook, sizeof(hook), "/proc/%d/exe", getpid())) {
			snprintf(err, len, "no path for the action script");
			return -1;
		}
		cg_file(w, "cgroup.procs", procs, sizeof(procs));
		argv[n++] = pd->cfg.criu;
		argv[n++] = "restore";
		argv[n++] = "-D";
		argv[n++] = (char *)dir;
		argv[n++] = "--restore-detached";
		argv[n++] = "--leave-stopped";
		argv[n++] = "--manage-cgroups=ignore";
		argv[n++] = "--pidfile";
		argv[n++] = pidfile;
		argv[n++] = "--action-script";
		argv[n++] = hook;
		argv[n++] = "-o";
		argv[n++] = log;
		argv[n] = NULL;
		rc = run(pd, argv, log, procs, cgdir, err, len);
		if (!rc && cg_event(w, "frozen") != 1) {
			snprintf(err, len, "cgroup %s: the restored copy is not frozen", w->cgroup);
			rc = -1;
		}
		if (rc) {
			/* Nothing half-restored may stay behind. */
			cg_write(w, "cgroup.kill", "1");
			cg_wait_empty(w, 5000);
			cg_freeze(w, 0, 0);
			return -1;
		}
	}
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
		next = ppid_of(pid);
		f = fopen(park, "we");
		if (!f || fprintf(f, "%d\n", pid) < 0 || fclose(f)) {
			fprintf(stderr, "pwrmigd (CRIU action script): moving %d to %s: %s\n",
				pid, park, strerror(errno));
			return 1;
		}
	}
	if (cg_freeze(&w, 1, 10000)) {
		fprintf(stderr, "pwrmigd (CRIU action script): cannot freeze %s: %s\n", dir,
			errno ? strerror(errno) : "not frozen within 10 s");
		return 1;
	}
	return 0;
}
