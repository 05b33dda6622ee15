// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - selftest of the global lock: /sys/kernel/security/bpf/control
 *
 * Locking cannot be undone until reboot, so run_selftests.sh runs this test
 * after every other one. It locks through krsictl, as an administrator
 * would, then checks every refused change with its errno (EROFS) and that
 * nothing changed.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/krsi.h>

#include "kselftest_harness.h"
#include "common.h"

#define CONTROL HOOK_DIR "control"
#define OBJ "/krsi/selftests/krsi_control.bpf.o"
#define PIN_BE7 PIN_DIR "krsi_lock_be7"
#define PIN_ALLOW PIN_DIR "krsi_lock_allow"
/* ioprio_set(2)'s value for class best-effort, level 7; ioprio_be7 denies it. */
#define IOPRIO_BE_7 ((2 << 13) | 7)

static int set_ioprio(int ioprio)
{
	return syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, ioprio) ? errno : 0;
}

static int ioctl_errno(const char *hook, unsigned long cmd, void *arg)
{
	return hook_ioctl(hook, cmd, arg) < 0 ? errno : 0;
}

/* Runs a shell command; returns its exit status, its first line of output in @out. */
static int run(const char *cmd, char *out, size_t size)
{
	FILE *f = popen(cmd, "r");

	out[0] = '\0';
	if (!f)
		return -1;
	if (!fgets(out, size, f))
		out[0] = '\0';
	return WEXITSTATUS(pclose(f));
}

TEST(lock_refuses_every_change_until_reboot)
{
	char buf[8192], before[4096], after[4096], out[4096];
	struct prog be7, allow;
	struct krsi_attach att;
	struct krsi_replace rep;
	struct stat st;
	int checked = 0;

	ASSERT_EQ(0, stat(CONTROL, &st));
	EXPECT_EQ(0100600, st.st_mode);
	EXPECT_EQ(0, st.st_uid);
	ASSERT_LT(0, read_file(CONTROL, buf, sizeof(buf)));
	if (strcmp(buf, "locked=0\n"))
		TH_LOG("krsi is locked already: the lock test needs a fresh boot");
	ASSERT_STREQ("locked=0\n", buf);

	ASSERT_EQ(0, detach_all("task_setioprio"));
	ASSERT_EQ(0, load_prog(OBJ, "ioprio_be7", &be7));
	ASSERT_EQ(0, load_prog(OBJ, "ioprio_allow", &allow));
	ASSERT_EQ(0, pin_attach("task_setioprio", &be7, "krsi_lock_be7"));
	unlink(PIN_ALLOW);
	ASSERT_EQ(0, bpf_obj_pin(allow.fd, PIN_ALLOW));
	EXPECT_EQ(EPERM, set_ioprio(IOPRIO_BE_7));

	/* Bad writes to the control file change nothing. */
	EXPECT_EQ(EINVAL, write_at(CONTROL, "unlock\n", 7, 0));
	EXPECT_EQ(EINVAL, write_at(CONTROL, "lock 1\n", 7, 0));
	EXPECT_EQ(ENOTTY, ioctl_errno("control", KRSI_IOC_RESET, NULL));
	ASSERT_LT(0, read_file(CONTROL, buf, sizeof(buf)));
	EXPECT_STREQ("locked=0\n", buf);

	/* Lock, as an administrator does. */
	ASSERT_EQ(0, run("krsictl --json lock", out, sizeof(out)));
	TH_LOG("krsictl --json lock: %s", out);
	ASSERT_LT(0, read_file(CONTROL, buf, sizeof(buf)));
	EXPECT_STREQ("locked=1\n", buf);
	ASSERT_LT(0, read_file(HOOK_DIR "status", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "task_setioprio progs=1 key=on sealed\n"));
	EXPECT_NE(NULL, strstr(buf, "\nlocked=1\n"));
	/* Every hook says sealed, with or without programs. */
	ASSERT_LT(0, listing("task_setioprio", buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(buf, "sealed\n", 7));
	ASSERT_LT(0, listing("file_open", buf, sizeof(buf)));
	EXPECT_STREQ("sealed\n", buf);
	EXPECT_EQ(0, run("krsictl --json list task_setioprio", out, sizeof(out)));
	TH_LOG("krsictl --json list task_setioprio: %s", out);
	EXPECT_NE(NULL, strstr(out, "\"sealed\":true"));
	EXPECT_NE(NULL, strstr(out, "\"locked\":true"));
	ASSERT_LT(0, attachments("task_setioprio", before, sizeof(before)));

#define CHECK(expected, call) do {						\
		EXPECT_EQ(expected, call);					\
		ASSERT_LE(0, attachments("task_setioprio", after, sizeof(after)));	\
		EXPECT_STREQ(before, after);					\
		EXPECT_EQ(EPERM, set_ioprio(IOPRIO_BE_7));			\
		checked++;							\
	} while (0)

	/* Even appending is refused now, on every hook. */
	CHECK(EROFS, attach_path("task_setioprio", PIN_ALLOW));
	CHECK(EROFS, attach_fd("task_setioprio", allow.fd) ? 0 : errno);
	CHECK(EROFS, attach_path("file_open", PIN_ALLOW));
	CHECK(EROFS, hook_printf("task_setioprio", "%s first\n", PIN_ALLOW));
	CHECK(EROFS, hook_printf("task_setioprio", "detach %u\n", be7.id));
	CHECK(EROFS, hook_printf("task_setioprio", "replace %u %s\n", be7.id, PIN_ALLOW));
	CHECK(EROFS, hook_write("task_setioprio", "reset\n"));
	CHECK(EROFS, hook_write("file_open", "reset\n"));
	CHECK(EROFS, detach_ioctl("task_setioprio", be7.id));
	rep = (struct krsi_replace){ .size = sizeof(rep), .prog_id = be7.id, .prog_fd = allow.fd };
	CHECK(EROFS, ioctl_errno("task_setioprio", KRSI_IOC_REPLACE, &rep));
	CHECK(EROFS, ioctl_errno("task_setioprio", KRSI_IOC_RESET, NULL));
	att = (struct krsi_attach){ .size = sizeof(att), .prog_fd = allow.fd,
				    .flags = KRSI_ATTACH_AFTER, .rel_id = be7.id };
	CHECK(EROFS, ioctl_errno("task_setioprio", KRSI_IOC_ATTACH, &att));
	/* Sealing and locking again are allowed and change nothing. */
	CHECK(0, hook_write("task_setioprio", "seal\n"));
	CHECK(0, ioctl_errno("control", KRSI_IOC_LOCK, NULL));
	CHECK(0, write_at(CONTROL, "lock\n", 5, 0));
	/* And krsictl says why it cannot. */
	CHECK(1, run("krsictl detach task_setioprio 1 2>&1", out, sizeof(out)));
	TH_LOG("krsictl detach: %s", out);
	EXPECT_NE(NULL, strstr(out, "sealed"));
#undef CHECK
	TH_LOG("%d changes after the lock, each refused or a no-op", checked);

	unlink(PIN_BE7);
	unlink(PIN_ALLOW);
	unload(&be7);
	unload(&allow);
	EXPECT_EQ(EPERM, set_ioprio(IOPRIO_BE_7));
	EXPECT_EQ(0, set_ioprio((2 << 13) | 4));
}

TEST_HARNESS_MAIN
