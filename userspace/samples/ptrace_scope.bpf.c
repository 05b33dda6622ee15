// SPDX-License-Identifier: GPL-2.0
/*
 * krsi sample - a Yama-like ptrace scope
 *
 * Like Yama's ptrace_scope=1: a process may ptrace (attach, or read /proc
 * memory with PTRACE_MODE_ATTACH) only its own descendants; anything else
 * fails with EPERM. Like Yama it leaves PTRACE_MODE_READ checks (ps reading
 * /proc) alone.
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "krsi_policy.h"

char _license[] SEC("license") = "GPL";

/* Walk at most this many ancestors of the tracee. */
#define MAX_DEPTH 32
#define PTRACE_MODE_ATTACH 0x02

SEC("lsm/ptrace_access_check")
int BPF_PROG(ptrace_scope, struct task_struct *child, unsigned int mode)
{
	struct task_struct *tracer, *p, *next;
	bool descendant = false;
	int i;

	/* As Yama: only attaching is restricted; /proc reads (ps) are not. */
	if (!(mode & PTRACE_MODE_ATTACH))
		return 0;
	/* Thread-group leaders, so that any thread of the tracer counts. */
	tracer = BPF_CORE_READ(bpf_get_current_task_btf(), group_leader);
	p = BPF_CORE_READ(child, real_parent, group_leader);
	for (i = 0; i < MAX_DEPTH; i++) {
		if (p == tracer) {
			descendant = true;
			break;
		}
		next = BPF_CORE_READ(p, real_parent, group_leader);
		if (next == p)	/* the idle task is its own parent */
			break;
		p = next;
	}
	return DENY_IF(!descendant, -EPERM);
}
