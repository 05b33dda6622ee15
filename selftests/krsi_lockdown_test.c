// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - selftests of revalidation's triggers: an LSM's policy-change
 * notification, and lockdown rising
 *
 * Lockdown cannot be lowered until reboot, and at confidentiality it closes
 * debugfs, kprobes and BPF's kernel reads: scripts/check runs this test
 * last in a debug guest, after its other selftests and its kmemleak scan
 * (vm-run --then), never among the tests the kernel's runner runs (the
 * kselftest target installs it but does not list it). That guest boots with
 * SELinux in lsm= and enforcing=1, without a policy (which allows
 * everything): switching it to permissive sends the LSM policy-change
 * notification, as a policy load does.
 *
 * On task_setnice, setpriority(2) to nice 14, 15 and 16 is denied by ld_read
 * (bpf_probe_read_kernel_str: LOCKDOWN_BPF_READ_KERNEL, confidentiality),
 * ld_plain (no lockdown-checked helper) and ld_write (bpf_probe_write_user:
 * LOCKDOWN_BPF_WRITE_USER, integrity), with EPERM, EACCES and EXDEV.
 * Raising lockdown is a write to /sys/kernel/security/lockdown, which krsi
 * watches: the revalidation happens within that write.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/krsi.h>

#include "kselftest_harness.h"
#include "common.h"

#define OBJ test_file("krsi_revalidate.bpf.o")
#define HOOK "task_setnice"
#define LOCKDOWN "/sys/kernel/security/lockdown"
#define SELINUXFS "/sys/fs/selinux"

enum { READ, PLAIN, WRITE, NPROGS };
static const char *const names[NPROGS] = { "ld_read", "ld_plain", "ld_write" };

/* setpriority(2) of this process to @nice; returns 0 or errno. */
static int nice_to(int nice)
{
	return setpriority(PRIO_PROCESS, 0, nice) ? errno : 0;
}

/* The three denials: "PAX" for EPERM, EACCES, EXDEV, '-' where allowed. */
static void denials(char out[4])
{
	static const int want[3] = { EPERM, EACCES, EXDEV };
	int i;

	for (i = 0; i < 3; i++) {
		int err = nice_to(14 + i);

		out[i] = err == want[i] ? "PAX"[i] : err ? '?' : '-';
	}
	out[3] = '\0';
	nice_to(0);
}

/* The lockdown level in use: the bracketed word of the lockdown file. */
static const char *lockdown_level(void)
{
	static char buf[128], level[32];
	char *open, *close;

	level[0] = '\0';
	if (read_file(LOCKDOWN, buf, sizeof(buf)) < 0)
		return level;
	open = strchr(buf, '[');
	close = open ? strchr(open, ']') : NULL;
	if (close && close - open - 1 < (long)sizeof(level)) {
		memcpy(level, open + 1, close - open - 1);
		level[close - open - 1] = '\0';
	}
	return level;
}

/* Sets the guard of the rv_* programs (1: refuse the use of rv_a). */
static int set_guard(struct bpf_object *obj, int value)
{
	int fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "guard_map"));
	__u32 key = 0;

	return bpf_map_update_elem(fd, &key, &value, BPF_ANY);
}

/*
 * An LSM policy change revalidates: krsi's own program on the bpf_prog hook
 * plays the policy that now refuses rv_a, SELinux sends the notification.
 */
TEST(lsm_policy_change_revalidates)
{
	static char text[AUDIT_TEXT_MAX];
	struct prog guard, a;
	char match[128];
	int nl;

	ASSERT_EQ(0, mount("selinuxfs", SELINUXFS, "selinuxfs", 0, NULL));
	ASSERT_EQ(0, load_prog(OBJ, "rv_guard_prog", &guard));
	ASSERT_EQ(0, load_prog(OBJ, "rv_a", &a));
	ASSERT_EQ(guard.id, attach_fd("bpf_prog", guard.fd));
	ASSERT_EQ(a.id, attach_fd("task_setrlimit", a.fd));
	nl = audit_open();
	ASSERT_LE(0, nl);

	/* The policy changes, silently: nothing happens until something revalidates. */
	ASSERT_EQ(0, set_guard(guard.obj, 1));
	EXPECT_STREQ("enabled", listed("task_setrlimit", a.id, "state"));
	/* Enforcing to permissive: SELinux notifies the LSMs of a policy change. */
	ASSERT_EQ(0, write_at(SELINUXFS "/enforce", "0", 1, 0));
	EXPECT_STREQ("disabled", listed("task_setrlimit", a.id, "state"));
	EXPECT_STREQ("lsm", listed("task_setrlimit", a.id, "reason"));
	snprintf(match, sizeof(match), "op=disable hook=task_setrlimit prog_id=%u reason=lsm",
		 a.id);
	EXPECT_EQ(0, audit_wait(nl, AUDIT_KRSI_CONFIG_CHANGE, match, AUDIT_WAIT_MS, text,
				sizeof(text)));
	EXPECT_TRUE(audit_matches(text, "state=disabled trigger=lsm_policy res=1"));

	/* And back: the next notification enables it again. */
	ASSERT_EQ(0, set_guard(guard.obj, 0));
	ASSERT_EQ(0, write_at(SELINUXFS "/enforce", "1", 1, 0));
	ASSERT_EQ(0, write_at(SELINUXFS "/enforce", "0", 1, 0));
	EXPECT_STREQ("enabled", listed("task_setrlimit", a.id, "state"));

	EXPECT_EQ(0, detach("task_setrlimit", a.id));
	EXPECT_EQ(0, detach("bpf_prog", guard.id));
	unload(&a);
	unload(&guard);
	close(nl);
}

TEST(lockdown_disables_what_it_forbids)
{
	static char text[AUDIT_TEXT_MAX], buf[LISTING_MAX];
	struct prog p[NPROGS], again;
	long runs_read, runs_plain;
	char d[4];
	int i, nl;

	ASSERT_STREQ("none", lockdown_level());
	nl = audit_open();
	ASSERT_LE(0, nl);
	for (i = 0; i < NPROGS; i++) {
		ASSERT_EQ(0, load_prog(OBJ, names[i], &p[i]));
		ASSERT_EQ(p[i].id, attach_fd(HOOK, p[i].fd));
	}
	/* Loaded now: at confidentiality the verifier refuses bpf_probe_read_kernel_str. */
	ASSERT_EQ(0, clone_prog(&p[READ], "ld_read", &again));
	denials(d);
	ASSERT_STREQ("PAX", d);

	/* Integrity forbids writing user memory: ld_write stops, the others run on. */
	ASSERT_EQ(0, write_at(LOCKDOWN, "integrity\n", 10, 0));
	ASSERT_STREQ("integrity", lockdown_level());
	EXPECT_STREQ("disabled", listed(HOOK, p[WRITE].id, "state"));
	EXPECT_STREQ("lockdown", listed(HOOK, p[WRITE].id, "reason"));
	EXPECT_STREQ("enabled", listed(HOOK, p[READ].id, "state"));
	EXPECT_EQ(0, audit_config(nl, "disable", HOOK, p[WRITE].id,
				  "reason=lockdown state=disabled trigger=lockdown res=1", text));
	denials(d);
	EXPECT_STREQ("PA-", d);

	/* Confidentiality forbids reading kernel memory: ld_read stops too. */
	ASSERT_EQ(0, write_at(LOCKDOWN, "confidentiality\n", 16, 0));
	ASSERT_STREQ("confidentiality", lockdown_level());
	EXPECT_STREQ("disabled", listed(HOOK, p[READ].id, "state"));
	EXPECT_STREQ("lockdown", listed(HOOK, p[READ].id, "reason"));
	EXPECT_STREQ("enabled", listed(HOOK, p[PLAIN].id, "state"));
	EXPECT_EQ(0, audit_config(nl, "disable", HOOK, p[READ].id,
				  "reason=lockdown state=disabled trigger=lockdown res=1", text));
	runs_read = count_of(HOOK, p[READ].id, "runs");
	runs_plain = count_of(HOOK, p[PLAIN].id, "runs");
	denials(d);
	EXPECT_STREQ("-A-", d);
	/* Shown by the counters too: the disabled program did not run, the other did. */
	EXPECT_EQ(runs_read, count_of(HOOK, p[READ].id, "runs"));
	/* setpriority to nice 14, 15, 16, then back to 0. */
	EXPECT_EQ(runs_plain + 4, count_of(HOOK, p[PLAIN].id, "runs"));
	ASSERT_LT(0, read_file(HOOK_DIR "status", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, HOOK " progs=3 key=on disabled=2\n"));

	/* Asking again changes nothing; enable is refused while lockdown forbids it. */
	EXPECT_EQ(0, write_at(HOOK_DIR "control", "revalidate\n", 11, 0));
	EXPECT_STREQ("disabled", listed(HOOK, p[READ].id, "state"));
	EXPECT_EQ(EACCES, hook_printf(HOOK, "enable %u\n", p[READ].id));
	EXPECT_STREQ("disabled", listed(HOOK, p[READ].id, "state"));

	/* A program that needs what lockdown forbids is not attached. */
	EXPECT_EQ(0, attach_fd(HOOK, again.fd));
	EXPECT_EQ(EPERM, errno);
	ASSERT_LT(0, listing(HOOK, buf, sizeof(buf)));
	EXPECT_EQ(3, count_lines(buf));

	/* Lockdown cannot be lowered; the programs stay disabled, and detach as usual. */
	EXPECT_NE(0, write_at(LOCKDOWN, "none\n", 5, 0));
	EXPECT_STREQ("disabled", listed(HOOK, p[READ].id, "state"));
	for (i = 0; i < NPROGS; i++)
		EXPECT_EQ(0, detach(HOOK, p[i].id));
	unload(&again);
	for (i = 0; i < NPROGS; i++) {
		unload(&p[i]);
		EXPECT_TRUE(released(p[i].id));
	}
	close(nl);
}

TEST_HARNESS_MAIN
