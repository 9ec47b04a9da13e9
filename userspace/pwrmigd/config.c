// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigd's configuration file: "key = value" lines, # comments.  Every
 * key, its default and meaning are in Documentation/pwrmigd.conf; a bad
 * line is reported as FILE:LINE and the daemon does not start.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "pwrmigd.h"

void pd_config_defaults(struct pd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = PD_MODE_AUTO;
	snprintf(c->listen_addr, sizeof(c->listen_addr), "127.0.0.1");
	c->listen_port = 9786;
	c->interval_ms = 1000;
	c->meter = PD_METER_AUTO;
	c->model_idle_mw = 2000;
	c->model_active_mw = 10000;
	snprintf(c->powercap_root, sizeof(c->powercap_root), "/sys/class/powercap");
	c->pue_milli = 1000;
	c->gpu = PD_GPU_AUTO;
	snprintf(c->nvml_library, sizeof(c->nvml_library), "libnvidia-ml.so.1");
	c->gpu_idle_mw = -1;
	c->gpu_device_major = 195;
	snprintf(c->sysfs_root, sizeof(c->sysfs_root), "/sys");
	snprintf(c->proc_root, sizeof(c->proc_root), "/proc");
	c->max_cgroups = 4096;
	c->retention_s = 3600;
	snprintf(c->migrate_addr, sizeof(c->migrate_addr), "0.0.0.0");
	c->migrate_port = 9787;
	snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/pwrmig");
	snprintf(c->cgroup_root, sizeof(c->cgroup_root), "/");
	snprintf(c->criu, sizeof(c->criu), "criu");
	snprintf(c->runc, sizeof(c->runc), "runc");
	snprintf(c->runc_root, sizeof(c->runc_root), "/run/runc");
	c->predump_rounds = 8;
	c->predump_min_pages = 64;
	c->predump_grow_pages = 32;
	c->link_timeout_s = 30;
	c->checkpoint_timeout_s = 3600;
}

const struct pd_peer *pd_config_peer(const struct pd_config *c, const char *site)
{
	unsigned int i;

	for (i = 0; i < c->npeers; i++)
		if (!strcmp(c->peers[i].site, site))
			return &c->peers[i];
	return NULL;
}

static int parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno || *end || *out < min || *out > max ? -1 : 0;
}

static int parse_addr(const char *v, char *out, size_t outlen, uint16_t *out_port)
{
	char addr[64];
	const char *colon = strrchr(v, ':');
	struct in6_addr a6;
	struct in_addr a4;
	uint64_t port;
	size_t n;

	if (!colon || parse_u64(colon + 1, 1, 65535, &port))
		return -1;
	n = colon - v;
	if (n >= sizeof(addr))
		return -1;
	memcpy(addr, v, n);
	addr[n] = 0;
	if (addr[0] == '[' && n > 2 && addr[n - 1] == ']') {
		memmove(addr, addr + 1, n - 2);
		addr[n - 2] = 0;
		if (inet_pton(AF_INET6, addr, &a6) != 1)
			return -1;
	} else if (inet_pton(AF_INET, addr, &a4) != 1) {
		return -1;
	}
	snprintf(out, outlen, "%s", addr);
	*out_port = port;
	return 0;
}

static const char *pick(const char *v, const char *const *names, int n, int *out)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(v, names[i])) {
			*out = i;
			return names[i];
		}
	return NULL;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* "sha256:" and 64 hex digits: a SubjectPublicKeyInfo's SHA-256. */
static int parse_pin(const char *v, unsigned char pin[32])
{
	unsigned int i, b;

	if (strncmp(v, "sha256:", 7) || strlen(v) != 7 + 64)
		return -1;
	for (i = 0; i < 32; i++) {
		if (!isxdigit((unsigned char)v[7 + 2 * i]) ||
		    !isxdigit((unsigned char)v[8 + 2 * i]) ||
		    sscanf(v + 7 + 2 * i, "%2x", &b) != 1)
			return -1;
		pin[i] = b;
	}
	return 0;
}

/* "LO-HI", user ids. */
static int parse_uids(const char *v, struct pd_peer *p)
{
	uint64_t lo, hi;
	char buf[32];
	char *dash;

	if (strlen(v) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", v);
	dash = strchr(buf, '-');
	if (!dash)
		return -1;
	*dash = 0;
	if (parse_u64(buf, 0, 4294967294ULL, &lo) || parse_u64(dash + 1, lo, 4294967294ULL, &hi))
		return -1;
	p->uid_lo = lo;
	p->uid_hi = hi;
	p->has_uids = 1;
	return 0;
}

/* "peer = SITE ADDRESS:PORT [pin sha256:HEX] [uids LO-HI]" */
static int parse_peer(struct pd_config *c, const char *v, const char **why)
{
	struct pd_peer *p = &c->peers[c->npeers];
	char buf[512], *tok, *save, *site, *addr;

	*why = "peer must be SITE ADDRESS:PORT [pin sha256:HEX] [uids LO-HI]";
	if (strlen(v) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", v);
	site = strtok_r(buf, " \t", &save);
	addr = strtok_r(NULL, " \t", &save);
	if (!site || !addr || strlen(site) >= sizeof(p->site))
		return -1;
	if (c->npeers == sizeof(c->peers) / sizeof(c->peers[0])) {
		*why = "at most 16 peers";
		return -1;
	}
	memset(p, 0, sizeof(*p));
	snprintf(p->site, sizeof(p->site), "%s", site);
	if (pd_config_peer(c, p->site)) {
		*why = "this site already has a peer line";
		return -1;
	}
	if (parse_addr(addr, p->addr, sizeof(p->addr), &p->port))
		return -1;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		const char *arg = strtok_r(NULL, " \t", &save);

		if (!strcmp(tok, "pin") && !p->has_pin) {
			*why = "pin must be sha256: and the 64 hex digits of the peer's public key hash (scripts/pwrmig-certs --pin CERT)";
			if (!arg || parse_pin(arg, p->pin))
				return -1;
			p->has_pin = 1;
		} else if (!strcmp(tok, "uids") && !p->has_uids) {
			*why = "uids must be LO-HI (user ids a restore from this peer may run as)";
			if (!arg || parse_uids(arg, p))
				return -1;
		} else {
			*why = "after SITE ADDRESS:PORT a peer takes pin sha256:HEX and uids LO-HI, each once";
			return -1;
		}
	}
	c->npeers++;
	return 0;
}

static int set_key(struct pd_config *c, const char *k, const char *v, const char **why)
{
	static const char *const modes[] = { "auto", "module", "bpf" };
	static const char *const meters[] = { "auto", "powercap", "model" };
	static const char *const gpus[] = { "auto", "nvml", "hwmon", "off" };
	uint64_t u;
	int i;

	if (!strcmp(k, "mode")) {
		*why = "mode must be auto, module or bpf";
		if (!pick(v, modes, 3, &i))
			return -1;
		c->mode = i;
	} else if (!strcmp(k, "listen")) {
		*why = "listen must be ADDRESS:PORT (IPv4, or [IPv6])";
		return parse_addr(v, c->listen_addr, sizeof(c->listen_addr), &c->listen_port);
	} else if (!strcmp(k, "interval_ms")) {
		*why = "interval_ms must be 10-60000";
		if (parse_u64(v, 10, 60000, &u))
			return -1;
		c->interval_ms = u;
	} else if (!strcmp(k, "meter")) {
		*why = "meter must be auto, powercap or model";
		if (!pick(v, meters, 3, &i))
			return -1;
		c->meter = i;
	} else if (!strcmp(k, "model_idle_mw") || !strcmp(k, "model_active_mw")) {
		*why = "model power must be 0-1000000 mW";
		if (parse_u64(v, 0, 1000000, &u))
			return -1;
		if (k[6] == 'i')
			c->model_idle_mw = u;
		else
			c->model_active_mw = u;
	} else if (!strcmp(k, "powercap_root")) {
		*why = "powercap_root must be an absolute path";
		if (*v != '/' || strlen(v) >= sizeof(c->powercap_root))
			return -1;
		snprintf(c->powercap_root, sizeof(c->powercap_root), "%s", v);
	} else if (!strcmp(k, "site")) {
		*why = "site must be 1-31 characters";
		if (!*v || strlen(v) >= sizeof(c->site))
			return -1;
		snprintf(c->site, sizeof(c->site), "%s", v);
	} else if (!strcmp(k, "price")) {
		*why = "price must be 0-1000 per kWh with at most 6 decimals";
		return fixed_parse(v, 6, 1000, &c->price);
	} else if (!strcmp(k, "currency")) {
		*why = "currency must be an ISO 4217 code (three capital letters)";
		if (strlen(v) != 3 || !isupper((unsigned char)v[0]) ||
		    !isupper((unsigned char)v[1]) || !isupper((unsigned char)v[2]))
			return -1;
		memcpy(c->currency, v, 4);
	} else if (!strcmp(k, "pue")) {
		*why = "pue must be 1-5 with at most 3 decimals";
		if (fixed_parse(v, 3, 5, &u) || u < 1000)
			return -1;
		c->pue_milli = u;
	} else if (!strcmp(k, "gpu")) {
		*why = "gpu must be auto, nvml, hwmon or off";
		if (!pick(v, gpus, 4, &i))
			return -1;
		c->gpu = i;
	} else if (!strcmp(k, "nvml_library")) {
		*why = "nvml_library must be a file name or path";
		if (!*v || strlen(v) >= sizeof(c->nvml_library))
			return -1;
		snprintf(c->nvml_library, sizeof(c->nvml_library), "%s", v);
	} else if (!strcmp(k, "gpu_idle_mw")) {
		*why = "gpu_idle_mw must be auto or 0-10000000";
		if (!strcmp(v, "auto")) {
			c->gpu_idle_mw = -1;
			return 0;
		}
		if (parse_u64(v, 0, 10000000, &u))
			return -1;
		c->gpu_idle_mw = u;
	} else if (!strcmp(k, "gpu_device_major")) {
		*why = "gpu_device_major must be 1-4095";
		if (parse_u64(v, 1, 4095, &u))
			return -1;
		c->gpu_device_major = u;
	} else if (!strcmp(k, "sysfs_root") || !strcmp(k, "proc_root")) {
		char *dst = k[0] == 's' ? c->sysfs_root : c->proc_root;

		*why = k[0] == 's' ? "sysfs_root must be an absolute path" :
				     "proc_root must be an absolute path";
		if (*v != '/' || strlen(v) >= sizeof(c->sysfs_root))
			return -1;
		snprintf(dst, sizeof(c->sysfs_root), "%s", v);
	} else if (!strcmp(k, "max_cgroups")) {
		*why = "max_cgroups must be 16-1000000";
		if (parse_u64(v, 16, 1000000, &u))
			return -1;
		c->max_cgroups = u;
	} else if (!strcmp(k, "retention_s")) {
		*why = "retention_s must be 0-31536000";
		if (parse_u64(v, 0, 31536000, &u))
			return -1;
		c->retention_s = u;
	} else if (!strcmp(k, "migrate")) {
		static const char *const onoff[] = { "off", "on" };

		*why = "migrate must be on or off";
		if (!pick(v, onoff, 2, &i))
			return -1;
		c->migrate = i;
	} else if (!strcmp(k, "migrate_listen")) {
		*why = "migrate_listen must be ADDRESS:PORT (IPv4, or [IPv6])";
		return parse_addr(v, c->migrate_addr, sizeof(c->migrate_addr), &c->migrate_port);
	} else if (!strcmp(k, "peer")) {
		return parse_peer(c, v, why);
	} else if (!strcmp(k, "tls_ca") || !strcmp(k, "tls_cert") || !strcmp(k, "tls_key") ||
		   !strcmp(k, "tls_crl") || !strcmp(k, "state_dir") || !strcmp(k, "runc_root") ||
		   !strcmp(k, "bundle_root")) {
		char *dst = !strcmp(k, "tls_ca") ? c->tls_ca : !strcmp(k, "tls_cert") ?
			    c->tls_cert : !strcmp(k, "tls_key") ? c->tls_key :
			    !strcmp(k, "tls_crl") ? c->tls_crl :
			    !strcmp(k, "state_dir") ? c->state_dir :
			    !strcmp(k, "runc_root") ? c->runc_root : c->bundle_root;

		*why = "the path must be absolute";
		if (*v != '/' || strlen(v) >= sizeof(c->tls_ca))
			return -1;
		snprintf(dst, sizeof(c->tls_ca), "%s", v);
	} else if (!strcmp(k, "cgroup_root")) {
		*why = "cgroup_root must be a path below the cgroup root, e.g. /east";
		if (*v != '/' || strstr(v, "..") || strlen(v) >= sizeof(c->cgroup_root))
			return -1;
		snprintf(c->cgroup_root, sizeof(c->cgroup_root), "%s", v);
	} else if (!strcmp(k, "criu") || !strcmp(k, "runc")) {
		*why = "the program must be a name or a path";
		if (!*v || strlen(v) >= sizeof(c->criu))
			return -1;
		snprintf(!strcmp(k, "criu") ? c->criu : c->runc, sizeof(c->criu), "%s", v);
	} else if (!strcmp(k, "predump_rounds")) {
		*why = "predump_rounds must be 1-64";
		if (parse_u64(v, 1, 64, &u))
			return -1;
		c->predump_rounds = u;
	} else if (!strcmp(k, "predump_min_pages") || !strcmp(k, "predump_grow_pages")) {
		*why = "pages must be 0-1000000000";
		if (parse_u64(v, 0, 1000000000, &u))
			return -1;
		if (!strcmp(k, "predump_min_pages"))
			c->predump_min_pages = u;
		else
			c->predump_grow_pages = u;
	} else if (!strcmp(k, "checkpoint_timeout_s")) {
		*why = "checkpoint_timeout_s must be 10-86400";
		if (parse_u64(v, 10, 86400, &u))
			return -1;
		c->checkpoint_timeout_s = u;
	} else if (!strcmp(k, "link_timeout_s")) {
		*why = "link_timeout_s must be 1-3600";
		if (parse_u64(v, 1, 3600, &u))
			return -1;
		c->link_timeout_s = u;
	} else {
		*why = NULL;
		return -1;
	}
	return 0;
}

int pd_config_load(struct pd_config *c, const char *file)
{
	char line[1024], *k, *v, *eq, *hash;
	unsigned int lineno = 0;
	const char *why;
	int bad = 0;
	FILE *f;

	f = fopen(file, "re");
	if (!f) {
		fprintf(stderr, "pwrmigd: %s: %s\n", file, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(stderr, "pwrmigd: %s:%u: line too long\n", file, lineno);
			bad = 1;
			break;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		k = trim(line);
		if (!*k)
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			fprintf(stderr, "pwrmigd: %s:%u: want KEY = VALUE, got '%s'\n",
				file, lineno, k);
			bad = 1;
			continue;
		}
		*eq = 0;
		v = trim(eq + 1);
		k = trim(k);
		if (set_key(c, k, v, &why)) {
			if (why)
				fprintf(stderr, "pwrmigd: %s:%u: %s, not '%s'\n", file, lineno,
					why, v);
			else
				fprintf(stderr, "pwrmigd: %s:%u: unknown key '%s'\n", file,
					lineno, k);
			bad = 1;
		}
	}
	fclose(f);
	if (!bad && c->model_idle_mw > c->model_active_mw) {
		fprintf(stderr, "pwrmigd: %s: model_idle_mw %u exceeds model_active_mw %u\n",
			file, c->model_idle_mw, c->model_active_mw);
		bad = 1;
	}
	if (!bad && c->migrate && (!*c->tls_ca || !*c->tls_cert || !*c->tls_key)) {
		fprintf(stderr, "pwrmigd: %s: migrate = on needs tls_ca, tls_cert and tls_key "
			"(there is no plaintext mode)\n", file);
		bad = 1;
	}
	if (!bad && c->migrate && !*c->site) {
		fprintf(stderr, "pwrmigd: %s: migrate = on needs site (this node's site)\n",
			file);
		bad = 1;
	}
	if (!bad && c->price && !c->currency[0]) {
		fprintf(stderr, "pwrmigd: %s: price needs a currency\n", file);
		bad = 1;
	}
	return bad ? -1 : 0;
}
