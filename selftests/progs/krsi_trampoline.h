/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krsi - what the programs of krsi_trampoline.bpf.c share with their test
 *
 * Included after vmlinux.h (BPF) or <linux/types.h> (the test).
 */

#ifndef KRSI_TRAMPOLINE_H
#define KRSI_TRAMPOLINE_H

#define MAX_SLOTS 8

/* cfg_map's one entry, written by the test. */
struct cfg {
	__u32 tgid;		/* the test's process */
	__u32 pad;
	__u64 uaddr;		/* user address the blocking program reads */
};

/* What one program saw through bpf_get_func_arg_cnt/_arg/_ret; seen_map's entries. */
struct seen {
	__u64 hits;
	__u64 cnt;
	__u64 args[MAX_SLOTS];
	__s64 arg_err[MAX_SLOTS];
	__u64 ret;
	__s64 ret_err;
	__u64 ret_slot;		/* the result slot, read from the context */
	__u64 arg0;		/* the first argument slot, read from the context */
	__u64 preempt;		/* preempt_count() & PREEMPT_MASK */
	__u64 migration_disabled;
};

/* The index of each program's entry in seen_map. */
enum { SEEN_FILE_OPEN, SEEN_MPROTECT, SEEN_PRCTL, SEEN_SETXATTR, SEEN_PEERSEC,
       SEEN_WRITER, SEEN_READER, SEEN_CPU, SEEN_MAX };

#endif /* KRSI_TRAMPOLINE_H */
