// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "file.h"

ssize_t read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, e;

	if (!len) {
		errno = EINVAL;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	e = errno;
	close(fd);
	if (n <= 0) {
		errno = n ? e : ENODATA;
		return -1;
	}
	buf[n] = 0;
	return n;
}
