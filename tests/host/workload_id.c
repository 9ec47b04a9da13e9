// SPDX-License-Identifier: GPL-2.0
/*
 * Who runs in a cgroup, from its path (common/workload.c): the layouts
 * of kubelet (systemd and cgroupfs drivers), containerd, CRI-O, Docker,
 * Podman, Slurm and systemd, as the exporter labels them.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "workload.h"

#define CID "4f6c1b9a0e3d2c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b"
#define UID "0b7e3c2a-1d4f-4e5a-9b8c-7d6e5f4a3b2c"
#define UID_ "0b7e3c2a_1d4f_4e5a_9b8c_7d6e5f4a3b2c"

struct row {
	const char *path, *kind, *pod, *ctr, *unit, *job, *step;
};

TEST(layouts)
{
	static const struct row rows[] = {
		{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		  ".slice/cri-containerd-" CID ".scope", "kubernetes", UID, CID, "", "", "" },
		{ "/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" CID ".scope",
		  "kubernetes", UID, CID, "", "", "" },
		{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice",
		  "kubernetes", UID, "", "", "", "" },
		{ "/kubepods/burstable/pod" UID "/" CID, "kubernetes", UID, CID, "", "", "" },
		{ "/system.slice/docker-" CID ".scope", "container", "", CID, "", "", "" },
		{ "/machine.slice/libpod-" CID ".scope/container", "container", "", CID, "", "",
		  "" },
		{ "/system.slice/slurmstepd.scope/job_4242/step_0/user/task_0", "slurm", "", "",
		  "slurmstepd.scope", "4242", "0" },
		{ "/system.slice/slurmstepd.scope/job_7/step_batch", "slurm", "", "",
		  "slurmstepd.scope", "7", "batch" },
		{ "/system.slice/nginx.service", "systemd", "", "", "nginx.service", "", "" },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/run-r1.scope",
		  "systemd", "", "", "run-r1.scope", "", "" },
		{ "/", "", "", "", "", "", "" },
		{ "/east/job-live", "", "", "", "", "", "" },
		/* Near misses: a short id, a pod outside kubepods, a job outside Slurm. */
		{ "/system.slice/docker-abc.scope", "systemd", "", "", "docker-abc.scope", "", "" },
		{ "/pod" UID, "", "", "", "", "", "" },
		{ "/batch/job_12", "", "", "", "", "", "" },
	};
	struct pwrmig_workload_id w;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		EXPECT_EQ(!!*r->kind, pwrmig_workload_of(r->path, &w)) TH_LOG("%s", r->path);
		EXPECT_STREQ(r->kind, w.kind) TH_LOG("%s", r->path);
		EXPECT_STREQ(r->pod, w.pod_uid) TH_LOG("%s", r->path);
		EXPECT_STREQ(r->ctr, w.container_id) TH_LOG("%s", r->path);
		EXPECT_STREQ(r->unit, w.unit) TH_LOG("%s", r->path);
		EXPECT_STREQ(r->job, w.slurm_job) TH_LOG("%s", r->path);
		EXPECT_STREQ(r->step, w.slurm_step) TH_LOG("%s", r->path);
	}
}

TEST_HARNESS_MAIN
