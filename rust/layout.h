/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krsi - layout facts the hot path reads, as the C compiler lays them out,
 * and constants bindgen cannot evaluate as macros
 *
 * Included in the kernel's Rust bindings by the graft: bindgen evaluates each
 * constant with clang, so the Rust side gets C's offsets at build time. Not
 * offset_of!() on the bindings: bindgen drops the alignment of empty members
 * (task_struct's stats without CONFIG_SCHEDSTATS, cgroup's CACHELINE_PADDING),
 * so every later field is misplaced in the Rust layout. The macros: 7.2
 * defines LOOKUP_FOLLOW as BIT(0), which bindgen skips.
 */
#ifndef _KRSI_LAYOUT_H
#define _KRSI_LAYOUT_H

#include <linux/cgroup.h>
#include <linux/namei.h>
#include <linux/net.h>
#include <linux/sched.h>
#include <net/sock.h>

enum {
	KRSI_TASK_BPF_CTX = offsetof(struct task_struct, bpf_ctx),
#ifdef CONFIG_CGROUPS
	KRSI_TASK_CGROUPS = offsetof(struct task_struct, cgroups),
	KRSI_CSS_SET_DFL_CGRP = offsetof(struct css_set, dfl_cgrp),
	KRSI_CGROUP_LEVEL = offsetof(struct cgroup, level),
	KRSI_CGROUP_ANCESTORS = offsetof(struct cgroup, ancestors),
#endif
#ifdef CONFIG_SOCK_CGROUP_DATA
	KRSI_SOCK_CGROUP = offsetof(struct sock, sk_cgrp_data.cgroup),
#endif
	KRSI_SOCKET_SK = offsetof(struct socket, sk),
	KRSI_LOOKUP_FOLLOW = LOOKUP_FOLLOW,
};

#endif /* _KRSI_LAYOUT_H */
