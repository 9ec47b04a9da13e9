// SPDX-License-Identifier: GPL-2.0
/*
 * CRIU and runc as child processes of pwrmigd's checkpoint code: each in
 * its own process group, dying with the thread that started it, killed as
 * a group after checkpoint_timeout_s, its pid and start time noted so that
 * a restarted pwrmigd reaps what a dead one left running; argv, never a
 * shell; what a failed tool said, found in its log.
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
int pd_tool_run(struct pd *pd, char *const argv[], const char *log, const char *cg_procs,
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
void pd_tool_step_log(const char *dir, const char *step, char *out, size_t len)
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

/* ---- runc ------------------------------------------------------------------ */

int pd_tool_runc(struct pd *pd, const struct pd_workload *w, const char *log, char *err,
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
	if (!pd_tool_run(pd, argv, log, NULL, NULL, err, len))
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
 * Read both pipes of P into BUF (at most CAP - 1 bytes each, the rest
 * read and dropped; N: what was kept) until both end or TIMEOUT_S
 * passes: 1 when it passed.
 */
static int drain(struct pollfd p[2], char *const buf[2], const size_t cap[2], size_t n[2],
		 unsigned int timeout_s)
{
	struct timespec t0, now;
	char sink[256];
	long left;
	ssize_t r;
	int rc, i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_s * 1000L -
		       ((now.tv_sec - t0.tv_sec) * 1000L + (now.tv_nsec - t0.tv_nsec) / 1000000);
		rc = left > 0 ? poll(p, 2, left) : 0;
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return 1;
		for (i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			if (n[i] + 1 < cap[i])
				r = read(p[i].fd, buf[i] + n[i], cap[i] - 1 - n[i]);
			else
				r = read(p[i].fd, sink, sizeof(sink));
			if (r <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
			} else if (n[i] + 1 < cap[i]) {
				n[i] += r;
			}
		}
	}
	return 0;
}

/*
 * Run ARGV (a query: runc state) with its stdout into OUT (NUL-ended) and
 * its stderr into ERROUT; 0 with *STATUS once it ends, -1 (ERR) if it
 * could not run or took longer than checkpoint_timeout_s.
 */
static int capture(struct pd *pd, char *const argv[], char *out, size_t outlen, char *errout,
		   size_t errlen, int *status, char *err, size_t len)
{
	char *const buf[2] = { out, errout };
	const size_t cap[2] = { outlen, errlen };
	size_t n[2] = { 0, 0 };
	int po[2], pe[2], fd, late;
	pid_t pid, parent = getpid();
	struct pollfd p[2];

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
	late = drain(p, buf, cap, n, pd->cfg.checkpoint_timeout_s);
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
int pd_tool_runc_state(struct pd *pd, struct pd_workload *w, char *err, size_t len)
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
