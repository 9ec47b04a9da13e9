// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigd's configuration file: "key = value" lines, # comments.  Every
 * key, its default and meaning are in Documentation/pwrmigd.conf; a bad
 * line is reported as FILE:LINE and the daemon does not start.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "famsock.h"
#include "forecast.h"
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
	snprintf(c->socket_path, sizeof(c->socket_path), "%s", PWRMIG_FAMSOCK_PATH);
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
	c->predump_min_shrink_pct = 10;
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

/* A DNS host name: labels of letters, digits and '-', joined by dots. */
static int host_name(const char *s)
{
	size_t i, label = 0;

	for (i = 0; s[i]; i++) {
		if (s[i] == '.' && label && s[i - 1] != '-')
			label = 0;
		else if (isalnum((unsigned char)s[i]) || (s[i] == '-' && label))
			label++;
		else
			return 0;
		if (label > 63)
			return 0;
	}
	return i && label && !isdigit((unsigned char)s[i - 1]);
}

/*
 * A host name as the address to bind: its first address, resolved now.
 * 0, or -1 with why in WHY (a static buffer).
 */
static int resolve(char *addr, size_t len, const char **why)
{
	static char err[160];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int rc;

#ifdef PWRMIG_FUZZING
	/* The fuzzer's names would wait on DNS. */
	snprintf(addr, len, "127.0.0.1");
	return 0;
#endif
	rc = getaddrinfo(addr, NULL, &hints, &ai);
	if (rc) {
		snprintf(err, sizeof(err), "host name '%s' does not resolve: %s", addr,
			 gai_strerror(rc));
		*why = err;
		return -1;
	}
	getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, len, NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(ai);
	return 0;
}

/*
 * ADDRESS:PORT into OUT and OUT_PORT: IPv4, [IPv6], or a host name,
 * resolved now when BIND (an address to listen on), else kept for each
 * connection to resolve (a peer).
 */
static int parse_addr(const char *v, char *out, size_t outlen, uint16_t *out_port, int bind,
		      const char **why)
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
		if (!host_name(addr) || (bind && resolve(addr, sizeof(addr), why)))
			return -1;
	}
	snprintf(out, outlen, "%s", addr);
	*out_port = port;
	return 0;
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
	if (parse_addr(addr, p->addr, sizeof(p->addr), &p->port, 0, why))
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

static int set_listen(struct pd_config *c, const char *v, const char **why)
{
	*why = "listen must be ADDRESS:PORT (IPv4, [IPv6] or a host name)";
	return parse_addr(v, c->listen_addr, sizeof(c->listen_addr), &c->listen_port, 1, why);
}

static int set_migrate_listen(struct pd_config *c, const char *v, const char **why)
{
	*why = "migrate_listen must be ADDRESS:PORT (IPv4, [IPv6] or a host name)";
	return parse_addr(v, c->migrate_addr, sizeof(c->migrate_addr), &c->migrate_port, 1,
			  why);
}

static int set_price(struct pd_config *c, const char *v, const char **why)
{
	*why = "price must be 0-1000 per kWh with at most 6 decimals";
	return fixed_parse(v, 6, 1000, &c->price);
}

static int set_currency(struct pd_config *c, const char *v, const char **why)
{
	*why = "currency must be an ISO 4217 code (three capital letters)";
	if (strlen(v) != 3 || !isupper((unsigned char)v[0]) ||
	    !isupper((unsigned char)v[1]) || !isupper((unsigned char)v[2]))
		return -1;
	memcpy(c->currency, v, 4);
	return 0;
}

static int set_pue(struct pd_config *c, const char *v, const char **why)
{
	uint64_t u;

	*why = "pue must be 1-5 with at most 3 decimals";
	if (fixed_parse(v, 3, 5, &u) || u < 1000)
		return -1;
	c->pue_milli = u;
	return 0;
}

static int set_carbon(struct pd_config *c, const char *v, const char **why)
{
	uint64_t u;

	*why = "carbon must be 0-100000 g CO2 per kWh";
	if (parse_u64(v, 0, 100000, &u))
		return -1;
	c->has_carbon = 1;
	c->carbon = u;
	return 0;
}

/* The site's forecast, read now: its faults stop the start like any bad line. */
static int set_forecast(struct pd_config *c, const char *v, const char **why)
{
	static char err[512];

	*why = err;
	snprintf(err, sizeof(err), "forecast must be an absolute path, not '%s'", v);
	if (*v != '/' || strlen(v) >= sizeof(c->forecast_path))
		return -1;
	snprintf(c->forecast_path, sizeof(c->forecast_path), "%s", v);
	if (!forecast_file_read(v, c->forecast, PWRMIG_MAX_FORECAST, &c->n_forecast,
				err, sizeof(err)))
		return 0;
	return -1;
}

static int set_gpu_idle(struct pd_config *c, const char *v, const char **why)
{
	uint64_t u;

	*why = "gpu_idle_mw must be auto or 0-10000000";
	if (!strcmp(v, "auto")) {
		c->gpu_idle_mw = -1;
		return 0;
	}
	if (parse_u64(v, 0, 10000000, &u))
		return -1;
	c->gpu_idle_mw = u;
	return 0;
}

static int set_cgroup_root(struct pd_config *c, const char *v, const char **why)
{
	*why = "cgroup_root must be a path below the cgroup root, e.g. /east";
	if (*v != '/' || strstr(v, "..") || strlen(v) >= sizeof(c->cgroup_root))
		return -1;
	snprintf(c->cgroup_root, sizeof(c->cgroup_root), "%s", v);
	return 0;
}

/* ---- every key, in one table ------------------------------------------------- */

enum key_kind {
	KEY_U32,	/* a number MIN-MAX into a uint32_t */
	KEY_CHOICE,	/* one of CHOICES, its index into an int (or enum) */
	KEY_PATH,	/* an absolute path, into a char array */
	KEY_TEXT,	/* any non-empty text that fits, into a char array */
	KEY_FN,		/* PARSE sets the field(s) and WHY */
};

struct key {
	const char *name;
	enum key_kind kind;
	size_t off, size;	/* the field in struct pd_config, and its size */
	uint32_t min, max;
	const char *const *choices;	/* NULL-ended */
	int (*parse)(struct pd_config *c, const char *v, const char **why);
	const char *why;	/* what a bad value is told */
	int names_value;	/* PARSE's WHY names the value already */
};

#define FIELD(f)	.off = offsetof(struct pd_config, f), \
			.size = sizeof(((struct pd_config *)0)->f)
#define U32(k, f, lo, hi, w) \
	{ .name = k, .kind = KEY_U32, FIELD(f), .min = lo, .max = hi, .why = w }
#define CHOICE(k, f, c, w) \
	{ .name = k, .kind = KEY_CHOICE, FIELD(f), .choices = c, .why = w }
#define PATH(k, f, w)	{ .name = k, .kind = KEY_PATH, FIELD(f), .why = w }
#define TEXT(k, f, w)	{ .name = k, .kind = KEY_TEXT, FIELD(f), .why = w }
#define FN(k, fn)	{ .name = k, .kind = KEY_FN, .parse = fn }

static const char *const modes[] = { "auto", "module", "bpf", NULL };
static const char *const meters[] = { "auto", "powercap", "model", NULL };
static const char *const gpus[] = { "auto", "nvml", "hwmon", "off", NULL };
static const char *const onoff[] = { "off", "on", NULL };

_Static_assert(sizeof(enum pd_mode) == sizeof(int) && sizeof(enum pd_meter) == sizeof(int) &&
	       sizeof(enum pd_gpu_mode) == sizeof(int), "choices are stored as int");

#define ABSOLUTE	"the path must be absolute"

static const struct key keys[] = {
	CHOICE("mode", mode, modes, "mode must be auto, module or bpf"),
	FN("listen", set_listen),
	U32("interval_ms", interval_ms, 10, 60000, "interval_ms must be 10-60000"),
	CHOICE("meter", meter, meters, "meter must be auto, powercap or model"),
	U32("model_idle_mw", model_idle_mw, 0, 1000000, "model power must be 0-1000000 mW"),
	U32("model_active_mw", model_active_mw, 0, 1000000, "model power must be 0-1000000 mW"),
	PATH("powercap_root", powercap_root, "powercap_root must be an absolute path"),
	TEXT("site", site, "site must be 1-31 characters"),
	FN("price", set_price),
	FN("currency", set_currency),
	FN("pue", set_pue),
	FN("carbon", set_carbon),
	{ .name = "forecast", .kind = KEY_FN, .parse = set_forecast, .names_value = 1 },
	CHOICE("gpu", gpu, gpus, "gpu must be auto, nvml, hwmon or off"),
	TEXT("nvml_library", nvml_library, "nvml_library must be a file name or path"),
	FN("gpu_idle_mw", set_gpu_idle),
	U32("gpu_device_major", gpu_device_major, 1, 4095, "gpu_device_major must be 1-4095"),
	PATH("sysfs_root", sysfs_root, "sysfs_root must be an absolute path"),
	PATH("proc_root", proc_root, "proc_root must be an absolute path"),
	U32("max_cgroups", max_cgroups, 16, 1000000, "max_cgroups must be 16-1000000"),
	U32("retention_s", retention_s, 0, 31536000, "retention_s must be 0-31536000"),
	PATH("socket", socket_path, "socket must be an absolute path"),
	CHOICE("open_reads", open_reads, onoff, "open_reads must be on or off"),
	CHOICE("migrate", migrate, onoff, "migrate must be on or off"),
	FN("migrate_listen", set_migrate_listen),
	FN("peer", parse_peer),
	PATH("tls_ca", tls_ca, ABSOLUTE),
	PATH("tls_cert", tls_cert, ABSOLUTE),
	PATH("tls_key", tls_key, ABSOLUTE),
	PATH("tls_crl", tls_crl, ABSOLUTE),
	PATH("state_dir", state_dir, ABSOLUTE),
	FN("cgroup_root", set_cgroup_root),
	TEXT("criu", criu, "the program must be a name or a path"),
	TEXT("runc", runc, "the program must be a name or a path"),
	PATH("runc_root", runc_root, ABSOLUTE),
	PATH("bundle_root", bundle_root, ABSOLUTE),
	U32("predump_rounds", predump_rounds, 1, 64, "predump_rounds must be 1-64"),
	U32("predump_min_pages", predump_min_pages, 0, 1000000000, "pages must be 0-1000000000"),
	U32("predump_grow_pages", predump_grow_pages, 0, 1000000000, "pages must be 0-1000000000"),
	U32("predump_min_shrink_pct", predump_min_shrink_pct, 0, 99,
	    "predump_min_shrink_pct must be 0-99"),
	U32("checkpoint_timeout_s", checkpoint_timeout_s, 10, 86400,
	    "checkpoint_timeout_s must be 10-86400"),
	U32("link_timeout_s", link_timeout_s, 1, 3600, "link_timeout_s must be 1-3600"),
};

/*
 * Set key K to V; -1 with WHY (NULL: no such key) when it cannot be, and
 * NAMED set when WHY names V itself.
 */
static int set_key(struct pd_config *c, const char *k, const char *v, const char **why,
		   int *named)
{
	const struct key *key = NULL;
	char *field;
	uint64_t u;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]) && !key; i++)
		if (!strcmp(k, keys[i].name))
			key = &keys[i];
	*why = key ? key->why : NULL;
	if (!key)
		return -1;
	*named = key->names_value;
	field = (char *)c + key->off;
	switch (key->kind) {
	case KEY_U32:
		if (parse_u64(v, key->min, key->max, &u))
			return -1;
		*(uint32_t *)field = u;
		return 0;
	case KEY_CHOICE:
		for (i = 0; key->choices[i]; i++)
			if (!strcmp(v, key->choices[i])) {
				*(int *)field = i;
				return 0;
			}
		return -1;
	case KEY_PATH:
		if (*v != '/' || strlen(v) >= key->size)
			return -1;
		snprintf(field, key->size, "%s", v);
		return 0;
	case KEY_TEXT:
		if (!*v || strlen(v) >= key->size)
			return -1;
		snprintf(field, key->size, "%s", v);
		return 0;
	case KEY_FN:
		return key->parse(c, v, why);
	}
	return -1;
}

int pd_config_load(struct pd_config *c, const char *file)
{
	char line[1024], *k, *v, *eq, *hash;
	unsigned int lineno = 0;
	const char *why;
	int bad = 0, named = 0;
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
		if (set_key(c, k, v, &why, &named)) {
			if (why && named)
				fprintf(stderr, "pwrmigd: %s:%u: %s\n", file, lineno, why);
			else if (why)
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
	if (!bad && (c->n_forecast || c->has_carbon) && !c->price) {
		fprintf(stderr, "pwrmigd: %s: %s needs the site's price\n", file,
			c->n_forecast ? "forecast" : "carbon");
		bad = 1;
	}
	return bad ? -1 : 0;
}
