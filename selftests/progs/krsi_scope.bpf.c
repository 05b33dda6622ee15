// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - BPF LSM programs for the selftests of cgroup-scoped attachments
 *
 * None of them looks at cgroups: the scope comes from the attachment. Each
 * denies only an action of its own with an errno of its own, so that a result
 * names the program that gave it.
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include "krsi_common.bpf.h"

#define EPERM 1
#define EACCES 13
#define EXDEV 18
#define AF_INET 2

char _license[] SEC("license") = "GPL";

/* setrlimit(2) of RLIMIT_NOFILE to a soft limit of 4311. */
#define MARK 4311

SEC("lsm/task_setrlimit")
int BPF_PROG(sc_a, struct task_struct *p, unsigned int resource, struct rlimit *new_rlim)
{
	return DENY_IF(new_rlim->rlim_cur == MARK, -EPERM);
}

SEC("lsm/task_setrlimit")
int BPF_PROG(sc_b, struct task_struct *p, unsigned int resource, struct rlimit *new_rlim)
{
	return DENY_IF(new_rlim->rlim_cur == MARK, -EACCES);
}

SEC("lsm/task_setrlimit")
int BPF_PROG(sc_c, struct task_struct *p, unsigned int resource, struct rlimit *new_rlim)
{
	return DENY_IF(new_rlim->rlim_cur == MARK, -EXDEV);
}

/* bind(2) of an IPv4 socket to port 4321: scoped by the socket's cgroup. */
SEC("lsm/socket_bind")
int BPF_PROG(sc_bind, struct socket *sock, struct sockaddr *address, int addrlen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)address;

	if (addrlen < (int)sizeof(*sin) || address->sa_family != AF_INET)
		return 0;
	return DENY_IF(sin->sin_port == bpf_htons(4321), -EPERM);
}

/*
 * A socket hook that IP's receive path calls without a socket
 * (ip_cmsg_recv_security()): it is scoped by the current task.
 */
SEC("lsm/socket_getpeersec_dgram")
int BPF_PROG(sc_peersec, struct socket *sock, struct sk_buff *skb, u32 *secid)
{
	return 0;
}

/* A hook whose subject is not the current task: it cannot be scoped. */
SEC("lsm/file_send_sigiotask")
int BPF_PROG(sc_sigio, struct task_struct *tsk, struct fown_struct *fown, int sig)
{
	return 0;
}
