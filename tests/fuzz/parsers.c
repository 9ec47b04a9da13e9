// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harnesses for the parsers of files an operator or a feed
 * hands to pwrmig: pwrmigd's configuration, forecast files,
 * the shaper's tariffs, price feeds and scenarios, and the netlink
 * captures "pwrmigctl capture -r" decodes.  One source, one binary per
 * parser (FUZZ_CONFIG, FUZZ_FORECAST, FUZZ_TARIFF, FUZZ_FEED,
 * FUZZ_SCENARIO, FUZZ_CAPTURE; wire.c, reply.c and famsock.c are
 * harnesses of their own), built with clang's fuzzer, address and undefined
 * behaviour sanitizers by "make fuzz-parsers".  The loaders take a path:
 * each input is written to a memfd and named by /proc/self/fd.  Run them
 * with -close_fd_mask=3: the loaders say on stderr what is wrong, and the
 * capture decoder prints every frame on stdout.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(FUZZ_CONFIG)
#include "pwrmigd.h"
#elif defined(FUZZ_FORECAST)
#include "forecast.h"
#elif defined(FUZZ_CAPTURE)
#include "pwrmigctl.h"
#else
#include "feed.h"
#include "scenario.h"
#include "tariff.h"
#endif

static int as_file(const uint8_t *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

#if defined(FUZZ_CAPTURE)
/* pwrmigctl's main.c (with its main()) stays out; decoding parses no arguments. */
int arg_u64(const char *what, const char *s, uint64_t *v)
{
	abort();
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[256];
	int fd = as_file(data, size, path, sizeof(path));

#if defined(FUZZ_CONFIG)
	struct pd_config c;

	pd_config_defaults(&c);
	pd_config_load(&c, path);	/* fixed-size fields only */
#elif defined(FUZZ_FORECAST)
	struct pwrmig_forecast slots[PWRMIG_MAX_FORECAST];
	unsigned int n = 0;

	forecast_file_read(path, slots, PWRMIG_MAX_FORECAST, &n, err, sizeof(err));
	if (n > PWRMIG_MAX_FORECAST)
		abort();
#elif defined(FUZZ_TARIFF)
	struct shp_tariff *t = tariff_load(path, err, sizeof(err));
	double price;
	const char *tier;

	if (t) {
		/* A loaded tariff must answer for any time. */
		tariff_price(t, 0, &price, &tier, err, sizeof(err));
		tariff_price(t, 1800000000, &price, &tier, err, sizeof(err));
		tariff_local_midnight(t, 20000);
		tariff_free(t);
	}
#elif defined(FUZZ_FEED)
	struct shp_feed *f = feed_new();
	double price;

	if (f && !feed_load(f, path, err, sizeof(err)))
		feed_price(f, "east", 1800000000, &price);
	feed_free(f);
#elif defined(FUZZ_SCENARIO)
	struct shp_scenario sc;

	memset(&sc, 0, sizeof(sc));
	if (!scenario_load(path, &sc, err, sizeof(err)))
		scenario_free(&sc);
#elif defined(FUZZ_CAPTURE)
	/* Both outputs, by the input's length; run with -close_fd_mask=3. */
	struct ctl c = { .json = size & 1, .verbose = 1 };

	capture_decode(&c, path);
#else
#error "define one of FUZZ_CONFIG, FUZZ_FORECAST, FUZZ_TARIFF, FUZZ_FEED, FUZZ_SCENARIO, FUZZ_CAPTURE"
#endif
	close(fd);
	(void)err;
	return 0;
}
