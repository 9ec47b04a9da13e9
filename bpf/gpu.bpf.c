// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Which cgroups use a GPU: opens of and ioctls on character devices whose
 * major is in a small set (NVIDIA's 195 and DRM's 226 by default), per
 * cgroup v2 id and device.  Where the driver gives no per-process
 * accounting (DRM render nodes, NVIDIA without per-process utilisation,
 * MIG), these counts say which cgroups had a device in use over an
 * interval, so that its energy can be split among them instead of being
 * left with the device.
 *
 * The LSM hooks security_file_open() and security_file_ioctl() are where
 * every open and ioctl passes with its struct file, before the driver
 * sees it: an ioctl the driver then refuses still counts, as it still
 * shows the device in use.  fentry is the cheap way in; kprobes are the
 * fallback where fentry is missing.  Where neither can attach (kernels
 * without kprobes whose trampolines are locked away, as on some
 * sandboxes), the raw syscall tracepoints are the last resort: ioctl(2)
 * at entry and the open calls at exit, the descriptor looked up in the
 * task's file table.  They fire for every syscall, so they cost more,
 * and they see neither failed opens nor io_uring's.
 *
 * Only per-CPU maps are written: no locks, and no allocation beyond the
 * bounded, preallocated hash; a pair that finds the hash full is counted
 * in the overflow bucket, never dropped.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "gpu.h"

/* From include/uapi/linux/stat.h and kdev_t.h; vmlinux.h has no macros. */
#define S_IFMT		00170000
#define S_IFCHR		0020000
#define MINORBITS	20
#define MINORMASK	((1U << MINORBITS) - 1)

/* x86-64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
#define NR_OPEN		2
#define NR_IOCTL	16
#define NR_CREAT	85
#define NR_OPENAT	257
#define NR_OPENAT2	437
/* arch/x86/include/asm/thread_info.h: a 32-bit syscall is running. */
#define TS_COMPAT	0x0002

/* Set by the loader before load; the verifier then sees them as constants. */
const volatile __u32 gpu_majors[PWRMIG_GPU_MAX_MAJORS] = {
	PWRMIG_GPU_MAJOR_NVIDIA, PWRMIG_GPU_MAJOR_DRM,
};
const volatile __u32 gpu_nmajors = 2;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PWRMIG_GPU_MAX_ENTRIES);
	__type(key, struct pwrmig_gpu_key);
	__type(value, struct pwrmig_gpu_val);
} uses SEC(".maps");

/* What belongs to pairs the hash had no room for. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pwrmig_gpu_val);
} overflow SEC(".maps");

static __always_inline bool wanted(__u32 major)
{
	__u32 i;

	for (i = 0; i < PWRMIG_GPU_MAX_MAJORS; i++) {
		if (i >= gpu_nmajors)
			break;
		if (gpu_majors[i] == major)
			return true;
	}
	return false;
}

static __always_inline int count(struct file *file, bool ioctl)
{
	struct pwrmig_gpu_val zero = {}, *v;
	struct pwrmig_gpu_key key;
	struct inode *inode;
	__u32 rdev, idx = 0;

	/*
	 * Every open in the system passes here: leave early for anything
	 * that is not a character device of interest.  Block devices have
	 * an i_rdev too, and their majors overlap the character ones.
	 */
	inode = BPF_CORE_READ(file, f_inode);
	if (!inode || (BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFCHR)
		return 0;
	rdev = BPF_CORE_READ(inode, i_rdev);
	if (!wanted(rdev >> MINORBITS))
		return 0;

	key.cgid = bpf_get_current_cgroup_id();
	key.major = rdev >> MINORBITS;
	key.minor = rdev & MINORMASK;
	v = bpf_map_lookup_elem(&uses, &key);
	if (!v) {
		/* EEXIST (another CPU was first) finds it at the next lookup. */
		bpf_map_update_elem(&uses, &key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&uses, &key);
	}
	if (!v)
		v = bpf_map_lookup_elem(&overflow, &idx);
	if (!v)
		return 0;
	/* Per CPU, and opens and ioctls run in task context: plain adds. */
	if (ioctl) {
		v->ioctls++;
		v->last_ioctl_ns = bpf_ktime_get_ns();
	} else {
		v->opens++;
	}
	return 0;
}

SEC("fentry/security_file_open")
int BPF_PROG(gpu_open_fentry, struct file *file)
{
	return count(file, false);
}

SEC("fentry/security_file_ioctl")
int BPF_PROG(gpu_ioctl_fentry, struct file *file, unsigned int cmd, unsigned long arg)
{
	return count(file, true);
}

/* Fallback for kernels without BPF trampolines (fentry). */
SEC("kprobe/security_file_open")
int BPF_KPROBE(gpu_open_kprobe, struct file *file)
{
	return count(file, false);
}

SEC("kprobe/security_file_ioctl")
int BPF_KPROBE(gpu_ioctl_kprobe, struct file *file, unsigned int cmd, unsigned long arg)
{
	return count(file, true);
}

/* The open file behind descriptor FD of the current task, or NULL. */
static __always_inline struct file *fd_file(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *file = NULL;

	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_core_read(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

/*
 * A 32-bit syscall numbers calls and passes arguments otherwise: not ours
 * to read (the LSM hooks miss compat ioctls on recent kernels too).
 */
static __always_inline bool compat_syscall(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, thread_info.status) & TS_COMPAT;
}

/* Last resort: every syscall passes here; all but ioctl(2) leave at once. */
SEC("tp_btf/sys_enter")
int BPF_PROG(gpu_ioctl_sys_enter, struct pt_regs *regs, long id)
{
	struct file *file;

	if (id != NR_IOCTL || compat_syscall())
		return 0;
	file = fd_file(BPF_CORE_READ(regs, di));
	return file ? count(file, true) : 0;
}

/* An open that succeeded returns its descriptor: the file is in the table. */
SEC("tp_btf/sys_exit")
int BPF_PROG(gpu_open_sys_exit, struct pt_regs *regs, long ret)
{
	long id = BPF_CORE_READ(regs, orig_ax);
	struct file *file;

	if (ret < 0 || (id != NR_OPENAT && id != NR_OPEN && id != NR_OPENAT2 &&
			id != NR_CREAT) || compat_syscall())
		return 0;
	file = fd_file(ret);
	return file ? count(file, false) : 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
