// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "workload.h"

/* Whether S (LEN bytes) is N hex digits. */
static int hex_id(const char *s, size_t len, size_t n)
{
	size_t i;

	if (len != n)
		return 0;
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int prefixed(const char *c, size_t len, const char *pre)
{
	size_t n = strlen(pre);

	return len > n && !strncmp(c, pre, n);
}

static void copy(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = 0;
}

/* A runtime's scope (cri-containerd-ID.scope, crio-, docker-, libpod-): its ID. */
static int container_scope(const char *c, size_t len, struct pwrmig_workload_id *w)
{
	static const char *const pre[] = { "cri-containerd-", "crio-", "docker-", "libpod-" };
	size_t i, n;

	if (len < 6 || strncmp(c + len - 6, ".scope", 6))
		return 0;
	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		n = strlen(pre[i]);
		if (prefixed(c, len, pre[i]) && hex_id(c + n, len - n - 6, 64)) {
			copy(w->container_id, sizeof(w->container_id), c + n, 64);
			return 1;
		}
	}
	return 0;
}

/* kubepods-[QOS-]podUID.slice (systemd driver: '_' for '-'), or podUID (cgroupfs). */
static int pod(const char *c, size_t len, int in_kubepods, struct pwrmig_workload_id *w)
{
	const char *p = NULL, *end = c + len;
	size_t i, n;

	if (prefixed(c, len, "kubepods-") && len > 6 && !strncmp(end - 6, ".slice", 6)) {
		p = strstr(c, "pod");
		while (p && p < end && p[-1] != '-')
			p = strstr(p + 1, "pod");
		end -= 6;
	} else if (in_kubepods && prefixed(c, len, "pod")) {
		p = c;
	}
	if (!p || p >= end)
		return 0;
	p += 3;
	n = end - p;
	if (n != 36)
		return 0;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)p[i]) && p[i] != '_' && p[i] != '-')
			return 0;
	copy(w->pod_uid, sizeof(w->pod_uid), p, n);
	for (i = 0; i < n; i++)
		if (w->pod_uid[i] == '_')
			w->pod_uid[i] = '-';
	return 1;
}

/* job_N and step_S below slurmstepd.scope (v2) or a slurm directory (v1). */
static void slurm(const char *c, size_t len, struct pwrmig_workload_id *w)
{
	if (prefixed(c, len, "job_") && strspn(c + 4, "0123456789") == len - 4)
		copy(w->slurm_job, sizeof(w->slurm_job), c + 4, len - 4);
	else if (*w->slurm_job && prefixed(c, len, "step_"))
		copy(w->slurm_step, sizeof(w->slurm_step), c + 5, len - 5);
}

int pwrmig_workload_of(const char *path, struct pwrmig_workload_id *w)
{
	int in_kubepods = 0, in_slurm = 0;
	const char *c = path, *next;
	size_t len;

	memset(w, 0, sizeof(*w));
	w->kind = "";
	for (; *c; c = next) {
		while (*c == '/')
			c++;
		next = strchr(c, '/') ?: c + strlen(c);
		len = next - c;
		if (!len)
			continue;
		if (prefixed(c, len, "kubepods") || (len == 8 && !strncmp(c, "kubepods", 8)))
			in_kubepods = 1;
		if ((len == 16 && !strncmp(c, "slurmstepd.scope", 16)) ||
		    (len >= 5 && !strncmp(c, "slurm", 5)))
			in_slurm = 1;
		if (in_slurm)
			slurm(c, len, w);
		if (pod(c, len, in_kubepods, w))
			continue;
		if (container_scope(c, len, w))
			continue;
		if (in_kubepods && *w->pod_uid && hex_id(c, len, 64)) {
			copy(w->container_id, sizeof(w->container_id), c, len);
			continue;
		}
		if ((len > 8 && !strncmp(next - 8, ".service", 8)) ||
		    (len > 6 && !strncmp(next - 6, ".scope", 6)))
			copy(w->unit, sizeof(w->unit), c, len);
	}
	if (*w->pod_uid)
		w->kind = "kubernetes";
	else if (*w->slurm_job)
		w->kind = "slurm";
	else if (*w->container_id)
		w->kind = "container";
	else if (*w->unit)
		w->kind = "systemd";
	return *w->kind != 0;
}
