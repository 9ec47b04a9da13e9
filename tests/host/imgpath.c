// SPDX-License-Identifier: GPL-2.0
/*
 * What a sending peer may name at the receiver (userspace/pwrmigd/
 * migration/imgpath.c): image files ROUND/NAME, one parent link per round
 * to an earlier round, workload names.  Anything else would let a peer
 * write outside its migration's directory, through a link, or make the
 * rounds' parents a cycle that CRIU follows forever.
 */
#include <string.h>

#include "imgpath.h"
#include "kselftest_harness.h"

TEST(image_files)
{
	static const char *const ok[] = {
		"r0/pages-1.img", "r12/pagemap-1.img", "final/core-1.img",
		"final/stats-dump", "r99999/inventory.img", "final/a",
	};
	static const char *const bad[] = {
		"", "/etc/passwd", "../x", "r1/../x", "r1/..", "final/../../x",
		"r1/a/b", "r1/", "r1", "final", "x1/y", "r/y", "r123456/y", "rx/y",
		"final/.hidden", "r1/.", "final/parent", "r1/parent",
		"r1/a b", "r1/a;b", "r1/a\\b", "final/\xc3\xa9",
	};
	char longname[260];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		EXPECT_EQ(1, pd_img_path(ok[i], 0)) TH_LOG("ok[%zu]", i);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(0, pd_img_path(bad[i], 0)) TH_LOG("bad[%zu]", i);
	/* 200 characters in all at most. */
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "final/", 6);
	longname[200] = 0;
	EXPECT_EQ(1, pd_img_path(longname, 0));
	longname[200] = 'a';
	longname[201] = 0;
	EXPECT_EQ(0, pd_img_path(longname, 0));
}

TEST(parent_links)
{
	/* Only "parent" is a link, and it is nothing else. */
	EXPECT_EQ(1, pd_img_path("r1/parent", 1));
	EXPECT_EQ(1, pd_img_path("final/parent", 1));
	EXPECT_EQ(0, pd_img_path("r1/pages-1.img", 1));
	EXPECT_EQ(0, pd_img_path("r1/parent/x", 1));
	/* To an earlier round: parents never make a cycle. */
	EXPECT_EQ(1, pd_img_link("r2/parent", "../r1"));
	EXPECT_EQ(1, pd_img_link("r12/parent", "../r3"));
	EXPECT_EQ(1, pd_img_link("final/parent", "../r7"));
	EXPECT_EQ(0, pd_img_link("r2/parent", "../r2"));
	EXPECT_EQ(0, pd_img_link("r2/parent", "../r3"));
	EXPECT_EQ(0, pd_img_link("r3/parent", "../r12"));
	EXPECT_EQ(0, pd_img_link("r2/parent", "../final"));
	EXPECT_EQ(0, pd_img_link("final/parent", "../final"));
	/* Only up one level, to a round's directory. */
	EXPECT_EQ(0, pd_img_link("r2/parent", "r1"));
	EXPECT_EQ(0, pd_img_link("r2/parent", "../r1/"));
	EXPECT_EQ(0, pd_img_link("r2/parent", "../../r1"));
	EXPECT_EQ(0, pd_img_link("r2/parent", "/tmp"));
	EXPECT_EQ(0, pd_img_link("r2/parent", "../r1/../../etc"));
	EXPECT_EQ(0, pd_img_link("r2/parent", ""));
}

TEST(rounds)
{
	EXPECT_EQ(1, pd_img_round("final", 5));
	EXPECT_EQ(1, pd_img_round("r0", 2));
	EXPECT_EQ(1, pd_img_round("r99999", 6));
	EXPECT_EQ(0, pd_img_round("r100000", 7));
	EXPECT_EQ(0, pd_img_round("r", 1));
	EXPECT_EQ(0, pd_img_round("final2", 6));
	EXPECT_EQ(0, pd_img_round("r1x", 3));
	/* Only the N bytes count: "final/core" is a round of 5. */
	EXPECT_EQ(1, pd_img_round("final/core", 5));
	EXPECT_EQ(0, pd_img_round("final/core", 10));
}

TEST(workload_names)
{
	EXPECT_EQ(1, pd_img_name("job1"));
	EXPECT_EQ(1, pd_img_name("train-3.b_x"));
	EXPECT_EQ(0, pd_img_name(NULL));
	EXPECT_EQ(0, pd_img_name(""));
	EXPECT_EQ(0, pd_img_name("-rf"));
	EXPECT_EQ(0, pd_img_name(".x"));
	EXPECT_EQ(0, pd_img_name("a/b"));
	EXPECT_EQ(0, pd_img_name(".."));
	EXPECT_EQ(0, pd_img_name("a b"));
	EXPECT_EQ(0, pd_img_name("$(x)"));
}

TEST_HARNESS_MAIN
