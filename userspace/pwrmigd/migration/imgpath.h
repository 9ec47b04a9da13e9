/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a sending peer may name on the receiver's disk: its images' paths,
 * the one link a round may have, and workload names.  Pure functions of
 * the strings, so that they are tested alone (tests/host/imgpath.c) and
 * fuzzed with the receiver (tests/fuzz/wire.c).
 */
#ifndef _PWRMIG_IMGPATH_H
#define _PWRMIG_IMGPATH_H

#include <stddef.h>

/* Relative, no "..", at most 200 of [A-Za-z0-9._-/]. */
int pd_img_safe(const char *p);
/* The N bytes at P name a round's directory: "final", or 'r' and 1-5 digits. */
int pd_img_round(const char *p, size_t n);
/*
 * A file (LINK 0) or the link (LINK 1) a sender may create: ROUND/NAME,
 * the directories flat, NAME not hidden; "parent" is a round's link and
 * nothing else.  So no path passes through a link.
 */
int pd_img_path(const char *rel, int link);
/*
 * TARGET of link REL: an earlier round, "../rM" with M below REL's own
 * round (any for final), so that parents never make a cycle.
 */
int pd_img_link(const char *rel, const char *target);
/* A workload or container name: one component, not starting '.' or '-'. */
int pd_img_name(const char *n);

#endif
