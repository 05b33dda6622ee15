/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * krsi - ioctls on /sys/kernel/security/bpf/<hook> files and on
 * /sys/kernel/security/bpf/control
 *
 * Attach a BPF LSM program by file descriptor at a place in the run order,
 * detach or replace one by program id, detach all, seal a hook; lock krsi.
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

/**
 * struct krsi_attach - argument of KRSI_IOC_ATTACH, which returns the
 * attached program's id (as listed, and for detaching)
 * @size: sizeof(struct krsi_attach)
 * @flags: 0 (last), or one of KRSI_ATTACH_FIRST, _BEFORE, _AFTER
 * @prog_fd: file descriptor of a loaded BPF_PROG_TYPE_LSM program
 * @rel_id: with KRSI_ATTACH_BEFORE or _AFTER, the id of the program to go
 *	before or after; otherwise 0
 */
struct krsi_attach {
	__u32 size;
	__u32 flags;
	__s32 prog_fd;
	__u32 rel_id;
};

/**
 * struct krsi_detach - argument of KRSI_IOC_DETACH
 * @size: sizeof(struct krsi_detach)
 * @flags: must be 0
 * @prog_id: id of the program to detach
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

/* Most programs one hook runs. */
#define KRSI_MAX_PROGS 256

#endif /* _UAPI_LINUX_KRSI_H */
