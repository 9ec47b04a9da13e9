/* SPDX-License-Identifier: GPL-2.0 */
/* Small files: /proc and cgroup entries read in one go. */
#ifndef _PWRMIG_FILE_H
#define _PWRMIG_FILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Read up to LEN - 1 bytes of PATH into BUF, NUL-terminated: the number
 * read, or -1 (errno) when it cannot be opened or read or is empty.
 */
ssize_t read_small(const char *path, char *buf, size_t len);

#endif
