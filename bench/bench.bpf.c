// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - the benchmark's allow-all programs, one per measured hook, and one
 * that denies (for the cost of a denial's audit record)
 *
 * The same programs run through krsi and through mainline BPF LSM links;
 * bench_idle is the control's, on a hook the workloads never reach.
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

SEC("lsm/file_open")
int BPF_PROG(bench_file_open, struct file *file)
{
	return 0;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(bench_bprm_check, struct linux_binprm *bprm)
{
	return 0;
}

SEC("lsm/socket_connect")
int BPF_PROG(bench_connect, struct socket *sock, struct sockaddr *address, int addrlen)
{
	return 0;
}

SEC("lsm/task_kill")
int BPF_PROG(bench_task_kill, struct task_struct *p, struct kernel_siginfo *info,
	     int sig, const struct cred *cred)
{
	return 0;
}

/* Denies kill(pid, 0): the cost of a denial and of its audit record. */
SEC("lsm/task_kill")
int BPF_PROG(bench_deny_kill, struct task_struct *p, struct kernel_siginfo *info,
	     int sig, const struct cred *cred)
{
	return sig == 0 ? -1 : 0;
}

SEC("lsm/sb_pivotroot")
int BPF_PROG(bench_idle, const struct path *old_path, const struct path *new_path)
{
	return 0;
}

/*
 * The BPF_LSM_CGROUP twins of the programs above (mainline's per-cgroup LSM
 * programs, for the lcg1 configuration): they allow, which for
 * BPF_LSM_CGROUP is 1.
 */
SEC("lsm_cgroup/file_open")
int BPF_PROG(bench_file_open_cg, struct file *file)
{
	return 1;
}

SEC("lsm_cgroup/bprm_check_security")
int BPF_PROG(bench_bprm_check_cg, struct linux_binprm *bprm)
{
	return 1;
}

SEC("lsm_cgroup/socket_connect")
int BPF_PROG(bench_connect_cg, struct socket *sock, struct sockaddr *address, int addrlen)
{
	return 1;
}

SEC("lsm_cgroup/task_kill")
int BPF_PROG(bench_task_kill_cg, struct task_struct *p, struct kernel_siginfo *info,
	     int sig, const struct cred *cred)
{
	return 1;
}

SEC("lsm_cgroup/sb_pivotroot")
int BPF_PROG(bench_idle_cg, const struct path *old_path, const struct path *new_path)
{
	return 1;
}
