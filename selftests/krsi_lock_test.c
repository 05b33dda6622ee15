// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - selftest of the global lock: /sys/kernel/security/bpf/control
 *
 * Locking cannot be undone until reboot, so the runner runs this test after
 * every other one (as krsi_lock_test.sh, the last of the target's list). It
 * locks through krsictl, as an administrator would, then checks every
 * refused change with its errno (EROFS) and that nothing changed.
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
#define OBJ test_file("krsi_control.bpf.o")
#define PIN_DENY PIN_DIR "krsi_lock_deny"
#define PIN_ALLOW PIN_DIR "krsi_lock_allow"
#define HOOK "task_getsid"

/* getsid(2) of @pid (0: this process, by its pid: getsid(0) asks no LSM); returns 0 or errno. */
static int get_sid(pid_t pid)
{
	return getsid(pid ? pid : getpid()) < 0 ? errno : 0;
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
	struct prog deny, allow;
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

	ASSERT_EQ(0, detach_all(HOOK));
	ASSERT_EQ(0, load_prog(OBJ, "getsid_deny", &deny));
	ASSERT_EQ(0, load_prog(OBJ, "getsid_allow", &allow));
	ASSERT_EQ(0, pin_attach(HOOK, &deny, "krsi_lock_deny"));
	unlink(PIN_ALLOW);
	ASSERT_EQ(0, bpf_obj_pin(allow.fd, PIN_ALLOW));
	EXPECT_EQ(EPERM, get_sid(0));

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
	EXPECT_NE(NULL, strstr(buf, "" HOOK " progs=1 key=on sealed\n"));
	EXPECT_NE(NULL, strstr(buf, "\nlocked=1\n"));
	/* Every hook says sealed, with or without programs. */
	ASSERT_LT(0, listing(HOOK, buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(buf, "sealed\n", 7));
	ASSERT_LT(0, listing("file_open", buf, sizeof(buf)));
	EXPECT_STREQ("sealed\n", buf);
	EXPECT_EQ(0, run("krsictl --json list " HOOK, out, sizeof(out)));
	TH_LOG("krsictl --json list " HOOK ": %s", out);
	EXPECT_NE(NULL, strstr(out, "\"sealed\":true"));
	EXPECT_NE(NULL, strstr(out, "\"locked\":true"));
	ASSERT_LT(0, attachments(HOOK, before, sizeof(before)));

#define CHECK(expected, call) do {						\
		CHECK_UNCHANGED(HOOK, expected, call);				\
		EXPECT_EQ(EPERM, get_sid(0));					\
	} while (0)

	/* Even appending is refused now, on every hook. */
	CHECK(EROFS, attach_path(HOOK, PIN_ALLOW));
	CHECK(EROFS, attach_fd(HOOK, allow.fd) ? 0 : errno);
	CHECK(EROFS, attach_path("file_open", PIN_ALLOW));
	CHECK(EROFS, hook_printf(HOOK, "%s first\n", PIN_ALLOW));
	CHECK(EROFS, hook_printf(HOOK, "detach %u\n", deny.id));
	CHECK(EROFS, hook_printf(HOOK, "replace %u %s\n", deny.id, PIN_ALLOW));
	CHECK(EROFS, hook_write(HOOK, "reset\n"));
	CHECK(EROFS, hook_write("file_open", "reset\n"));
	CHECK(EROFS, detach_ioctl(HOOK, deny.id));
	rep = (struct krsi_replace){ .size = sizeof(rep), .prog_id = deny.id, .prog_fd = allow.fd };
	CHECK(EROFS, ioctl_errno(HOOK, KRSI_IOC_REPLACE, &rep));
	CHECK(EROFS, ioctl_errno(HOOK, KRSI_IOC_RESET, NULL));
	att = (struct krsi_attach){ .size = sizeof(att), .prog_fd = allow.fd,
				    .flags = KRSI_ATTACH_AFTER, .rel_id = deny.id };
	CHECK(EROFS, ioctl_errno(HOOK, KRSI_IOC_ATTACH, &att));
	/* Sealing and locking again are allowed and change nothing. */
	CHECK(0, hook_write(HOOK, "seal\n"));
	CHECK(0, ioctl_errno("control", KRSI_IOC_LOCK, NULL));
	CHECK(0, write_at(CONTROL, "lock\n", 5, 0));
	/* And krsictl says why it cannot. */
	CHECK(1, run("krsictl detach " HOOK " 1 2>&1", out, sizeof(out)));
	TH_LOG("krsictl detach: %s", out);
	EXPECT_NE(NULL, strstr(out, "sealed"));
#undef CHECK
	TH_LOG("%d changes after the lock, each refused or a no-op", checked);

	unlink(PIN_DENY);
	unlink(PIN_ALLOW);
	unload(&deny);
	unload(&allow);
	EXPECT_EQ(EPERM, get_sid(0));
	EXPECT_EQ(0, get_sid(1));
}

TEST_HARNESS_MAIN
