/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * krsi - ioctls on /sys/kernel/security/bpf/<hook> files and on
 * /sys/kernel/security/bpf/control
 *
 * Attach a BPF LSM program by file descriptor at a place in the run order,
 * detach or replace one by program id, detach all, seal a hook, set an
 * attachment's mode (enforce or audit-only) and logging; lock krsi.
 * Every ioctl needs the file open for writing and CAP_MAC_ADMIN in the
 * initial user namespace. A change refused because the hook is sealed or krsi
 * is locked fails with EROFS. The structs hold no pointer and have the same
 * layout for 32-bit and 64-bit userspace. See Documentation/krsi.rst.
 */

#ifndef _UAPI_LINUX_KRSI_H
#define _UAPI_LINUX_KRSI_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * Flags of struct krsi_attach, at most one: where the program goes in the run
 * order. Without any it goes last.
 */
#define KRSI_ATTACH_FIRST 0x1
#define KRSI_ATTACH_BEFORE 0x2
#define KRSI_ATTACH_AFTER 0x4
/*
 * Flags of struct krsi_attach, combinable with a position (errno hooks only):
 * the program is audit-only (its denials are recorded and counted, the action
 * goes ahead), and its denials are not recorded (counters still count).
 */
#define KRSI_ATTACH_AUDIT 0x8
#define KRSI_ATTACH_QUIET 0x10
/*
 * Flag of struct krsi_attach, combinable with the others: the program runs
 * only for subjects in the cgroup v2 directory @cgroup_fd or below it.
 */
#define KRSI_ATTACH_CGROUP 0x20

/**
 * struct krsi_attach - argument of KRSI_IOC_ATTACH, which returns the
 * attached program's id (as listed, and for detaching)
 * @size: sizeof(struct krsi_attach)
 * @flags: 0 (last), or one of KRSI_ATTACH_FIRST, _BEFORE, _AFTER; with
 *	KRSI_ATTACH_AUDIT, KRSI_ATTACH_QUIET and KRSI_ATTACH_CGROUP or'ed in
 * @prog_fd: file descriptor of a loaded BPF_PROG_TYPE_LSM program
 * @rel_id: with KRSI_ATTACH_BEFORE or _AFTER, the id of the program to go
 *	before or after; otherwise 0
 * @cgroup_fd: with KRSI_ATTACH_CGROUP, a descriptor of the cgroup v2
 *	directory the attachment is scoped to; otherwise 0
 * @reserved: must be 0
 */
struct krsi_attach {
	__u32 size;
	__u32 flags;
	__s32 prog_fd;
	__u32 rel_id;
	__s32 cgroup_fd;
	__u32 reserved;
};

/**
 * struct krsi_detach - argument of KRSI_IOC_DETACH, KRSI_IOC_DISABLE and
 * KRSI_IOC_ENABLE: one attached program
 * @size: sizeof(struct krsi_detach)
 * @flags: must be 0
 * @prog_id: id of the program to detach, disable or enable
 * @reserved: must be 0
 */
struct krsi_detach {
	__u32 size;
	__u32 flags;
	__u32 prog_id;
	__u32 reserved;
};

/**
 * struct krsi_replace - argument of KRSI_IOC_REPLACE, which returns the new
 * program's id: the program @prog_id is swapped for @prog_fd's in place
 * @size: sizeof(struct krsi_replace)
 * @flags: must be 0
 * @prog_id: id of the attached program to replace
 * @prog_fd: file descriptor of a loaded BPF_PROG_TYPE_LSM program
 */
struct krsi_replace {
	__u32 size;
	__u32 flags;
	__u32 prog_id;
	__s32 prog_fd;
};

/* Values of struct krsi_setting for KRSI_IOC_MODE. */
#define KRSI_MODE_ENFORCE 0
#define KRSI_MODE_AUDIT 1

/**
 * struct krsi_setting - argument of KRSI_IOC_MODE and KRSI_IOC_LOG
 * @size: sizeof(struct krsi_setting)
 * @flags: must be 0
 * @prog_id: id of the attached program
 * @value: KRSI_IOC_MODE: KRSI_MODE_ENFORCE or KRSI_MODE_AUDIT;
 *	KRSI_IOC_LOG: 1 (denials recorded) or 0 (quiet)
 */
struct krsi_setting {
	__u32 size;
	__u32 flags;
	__u32 prog_id;
	__u32 value;
};

/* Free in Documentation/userspace-api/ioctl/ioctl-number.rst of 6.12. */
#define KRSI_IOC_MAGIC 0xb9
#define KRSI_IOC_ATTACH _IOW(KRSI_IOC_MAGIC, 1, struct krsi_attach)
#define KRSI_IOC_DETACH _IOW(KRSI_IOC_MAGIC, 2, struct krsi_detach)
#define KRSI_IOC_REPLACE _IOW(KRSI_IOC_MAGIC, 3, struct krsi_replace)
/* Detach every program of the hook; returns how many. */
#define KRSI_IOC_RESET _IO(KRSI_IOC_MAGIC, 4)
/* Seal the hook until reboot. */
#define KRSI_IOC_SEAL _IO(KRSI_IOC_MAGIC, 5)
/* On the control file: seal every hook and refuse every attach until reboot. */
#define KRSI_IOC_LOCK _IO(KRSI_IOC_MAGIC, 6)
/* Switch an attachment between enforce and audit-only; set its logging. */
#define KRSI_IOC_MODE _IOW(KRSI_IOC_MAGIC, 7, struct krsi_setting)
#define KRSI_IOC_LOG _IOW(KRSI_IOC_MAGIC, 8, struct krsi_setting)
/* Stop running an attachment, keeping its place; run it again. */
#define KRSI_IOC_DISABLE _IOW(KRSI_IOC_MAGIC, 9, struct krsi_detach)
#define KRSI_IOC_ENABLE _IOW(KRSI_IOC_MAGIC, 10, struct krsi_detach)
/* On the control file: check every attachment again; returns how many changed. */
#define KRSI_IOC_REVALIDATE _IO(KRSI_IOC_MAGIC, 11)

/*
 * krsi's audit record types, in the LSM range 1400-1499 (6.12 uses up to 1422,
 * 7.2 up to 1426): a program's denial (or an audit-only program's non-zero
 * result), and a change to krsi's configuration or a refused attempt.
 */
#define AUDIT_KRSI_ACCESS 1460
#define AUDIT_KRSI_CONFIG_CHANGE 1461

/* Most programs one hook runs. */
#define KRSI_MAX_PROGS 256

#endif /* _UAPI_LINUX_KRSI_H */
