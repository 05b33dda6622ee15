// SPDX-License-Identifier: GPL-2.0
/*
 * krsi sample - an audit-only exec logger
 *
 * On bprm_check_security it never denies; it writes one text line per exec,
 * "exec pid=<pid> uid=<uid> comm=<comm> file=<path>", to the ring buffer
 * "exec_events". krsictl prints such text records as they come:
 *   krsictl attach bprm_check_security exec_log.bpf.o --follow exec_events
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define LINE_MAX 256

char _license[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} exec_events SEC(".maps");

SEC("lsm/bprm_check_security")
int BPF_PROG(exec_log, struct linux_binprm *bprm)
{
	char comm[16], file[128];
	__u64 args[4];
	char *line;

	line = bpf_ringbuf_reserve(&exec_events, LINE_MAX, 0);
	if (!line)
		return 0;
	bpf_get_current_comm(comm, sizeof(comm));
	bpf_probe_read_kernel_str(file, sizeof(file), BPF_CORE_READ(bprm, filename));
	args[0] = bpf_get_current_pid_tgid() >> 32;
	args[1] = (__u32)bpf_get_current_uid_gid();
	args[2] = (__u64)comm;
	args[3] = (__u64)file;
	bpf_snprintf(line, LINE_MAX, "exec pid=%u uid=%u comm=%s file=%s", args, sizeof(args));
	bpf_ringbuf_submit(line, 0);
	return 0;	/* audit only */
}
