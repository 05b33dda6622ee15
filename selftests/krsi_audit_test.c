// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - selftests of audit: denial records (AUDIT_KRSI_ACCESS), audit-only
 * and quiet attachments, switching an attachment's mode and logging, and the
 * records of configuration changes and refused attempts
 * (AUDIT_KRSI_CONFIG_CHANGE), read from audit's read-log multicast group as
 * krsictl events reads them (no auditd needed).
 *
 * The programs deny setrlimit(RLIMIT_CORE) to marker soft limits
 * (task_setrlimit, a hook no other test uses). seal_records leaves
 * task_getpgid sealed until reboot, with two programs that deny only
 * getpgid(2) of tasks named krsi-pgid-e and krsi-pgid-a: a second run needs a
 * fresh boot.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/netlink.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/krsi.h>

#include "kselftest_harness.h"
#include "common.h"

#define OBJ test_file("krsi_audit.bpf.o")
#define RL "task_setrlimit"
#define PGID "task_getpgid"
#define FOWNER "file_set_fowner"

/* Soft RLIMIT_CORE limits the programs deny (see progs/krsi_audit.bpf.c). */
#define MARK_BOTH 4200		/* rl_eperm and rl_eacces */
#define MARK_EPERM 4201		/* rl_eperm */
#define MARK_EACCES 4202	/* rl_eacces */
#define MARK_EXDEV 4203		/* rl_exdev */

/* An id no program has. */
#define NO_ID 999999

enum { RL_EPERM, RL_EACCES, RL_EXDEV, PGID_E, PGID_A, FOWNER_V, NPROGS };
static const char *const names[NPROGS] = {
	"rl_eperm", "rl_eacces", "rl_exdev", "pgid_enforce", "pgid_audit", "fowner_void",
};

FIXTURE(audit) {
	struct bpf_object *obj;
	struct prog p[NPROGS];
	char pin[NPROGS][64];
	/* The smallest id of this test's programs: records of older ones are stale. */
	__u32 min_id;
	int nl;
	struct rlimit core;
	/* The task fields of a record from this process. */
	char subject[512];
	char text[AUDIT_TEXT_MAX];
};

/* setrlimit(RLIMIT_CORE) to the soft limit @cur; returns 0 or errno. */
static int set_core(rlim_t cur)
{
	struct rlimit r = { .rlim_cur = cur, .rlim_max = RLIM_INFINITY };

	return setrlimit(RLIMIT_CORE, &r) ? errno : 0;
}

static rlim_t core_limit(void)
{
	struct rlimit r = {};

	getrlimit(RLIMIT_CORE, &r);
	return r.rlim_cur;
}

/* Reads the first line of @path, without its newline; returns 0 or -1. */
static int read_line(const char *path, char *out, size_t size)
{
	if (read_file(path, out, size) < 0)
		return -1;
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

/*
 * The task fields of a record from process @pid named @comm (NULL: this
 * process's name), which shares this process's login uid, session and
 * executable: pid= auid= ses= comm="" exe="".
 */
static int subject(pid_t pid, const char *comm, char *out, size_t size)
{
	char auid[32], ses[32], own[32], exe[256];
	ssize_t n;

	if (read_line("/proc/self/loginuid", auid, sizeof(auid)) ||
	    read_line("/proc/self/sessionid", ses, sizeof(ses)) ||
	    read_line("/proc/self/comm", own, sizeof(own)))
		return -1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	snprintf(out, size, "pid=%d auid=%s ses=%s comm=\"%s\" exe=\"%s\"", pid, auid, ses,
		 comm ? comm : own, exe);
	return 0;
}

/* The fields of record text @text, after "audit(<stamp>): ". */
static const char *body(const char *text)
{
	const char *p = strstr(text, "): ");

	return p ? p + 3 : "";
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

/*
 * Waits for the next record of @type on @hook (records on other hooks are
 * skipped, and so are stale ones: of programs older than this test's),
 * copied to self->text; returns 0 or ETIMEDOUT.
 */
static int next_record(FIXTURE_DATA(audit) *self, int type, const char *hook)
{
	long long deadline = monotonic_ms() + AUDIT_WAIT_MS;
	char match[128], id[16];

	snprintf(match, sizeof(match), "hook=%s", hook);
	self->text[0] = '\0';
	for (;;) {
		long long left = deadline - monotonic_ms();
		int err = audit_wait(self->nl, type, match, left > 0 ? left : 0, self->text,
				     sizeof(self->text));

		if (err) {
			ksft_print_msg("no record of type %d on %s (last read: '%s')\n", type, hook,
				       self->text);
			return err;
		}
		if (audit_field(self->text, "prog_id", id, sizeof(id)) ||
		    !strtoul(id, NULL, 10) || strtoul(id, NULL, 10) >= self->min_id)
			return 0;
	}
}

/* The listing of @hook without counters: "<id> <name> <mode> <log>" per line ('-' if none). */
static ssize_t settings(const char *hook, char *out, size_t size)
{
	static char buf[LISTING_MAX];
	char *line, *save, name[32], mode[16], log[4];
	size_t len = 0;

	if (listing(hook, buf, sizeof(buf)) < 0)
		return -1;
	out[0] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(line, "sealed")) {
			len += snprintf(out + len, size - len, "sealed\n");
			continue;
		}
		if (audit_field(line, "name", name, sizeof(name)))
			return -1;
		if (audit_field(line, "mode", mode, sizeof(mode)))
			snprintf(mode, sizeof(mode), "-");
		if (audit_field(line, "log", log, sizeof(log)))
			snprintf(log, sizeof(log), "-");
		len += snprintf(out + len, size - len, "%lu %s %s %s\n", strtoul(line, NULL, 10),
				name, mode, log);
	}
	return len;
}

/* KRSI_IOC_ATTACH of @fd with @flags on @hook; returns the id or -errno. */
static int attach_flags(const char *hook, int fd, __u32 flags)
{
	struct krsi_attach att = { .size = sizeof(att), .flags = flags, .prog_fd = fd };
	int ret = hook_ioctl(hook, KRSI_IOC_ATTACH, &att);

	return ret < 0 ? -errno : ret;
}

/* KRSI_IOC_MODE or KRSI_IOC_LOG (@cmd) of program @id to @value; returns 0 or errno. */
static int setting(const char *hook, unsigned long cmd, __u32 id, __u32 value)
{
	struct krsi_setting s = { .size = sizeof(s), .prog_id = id, .value = value };

	return hook_ioctl(hook, cmd, &s) < 0 ? errno : 0;
}

static int setting_raw(const char *hook, unsigned long cmd, struct krsi_setting s)
{
	return hook_ioctl(hook, cmd, &s) < 0 ? errno : 0;
}

/* KRSI_IOC_REPLACE of program @id by @fd on @hook; returns the new id or -errno. */
static int replace_ioctl(const char *hook, __u32 id, int fd)
{
	struct krsi_replace rep = { .size = sizeof(rep), .prog_id = id, .prog_fd = fd };
	int ret = hook_ioctl(hook, KRSI_IOC_REPLACE, &rep);

	return ret < 0 ? -errno : ret;
}

/*
 * In a child named krsi-unpriv, without CAP_MAC_ADMIN: writes @cmd to @hook,
 * or issues ioctl @ioc (no argument) if @cmd is NULL. Returns the errno, the
 * child's pid in *@pid.
 */
static int unprivileged(const char *hook, const char *cmd, unsigned long ioc, pid_t *pid)
{
	int status;

	*pid = fork();
	if (*pid == 0) {
		if (prctl(PR_SET_NAME, "krsi-unpriv") || drop_cap_mac_admin())
			_exit(255);
		if (cmd)
			_exit(hook_write(hook, cmd));
		_exit(hook_ioctl(hook, ioc, NULL) < 0 ? errno : 0);
	}
	if (*pid < 0 || waitpid(*pid, &status, 0) != *pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* getpgid(2) of itself by a child named @comm; returns the errno, the child's pid in *@pid. */
static int pgid_as(const char *comm, pid_t *pid)
{
	int status;

	*pid = fork();
	if (*pid == 0) {
		if (prctl(PR_SET_NAME, comm))
			_exit(255);
		_exit(getpgid(getpid()) < 0 ? errno : 0);
	}
	if (*pid < 0 || waitpid(*pid, &status, 0) != *pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* audit's count of lost records (AUDIT_GET), or -1. */
static long audit_lost(void)
{
	struct audit_status s = {};

	return audit_status(AUDIT_GET, &s) ? -1 : (long)s.lost;
}

FIXTURE_SETUP(audit)
{
	int i;

	self->nl = -1;
	ASSERT_EQ(0, detach_all(RL));
	ASSERT_EQ(0, detach_all(FOWNER));
	ASSERT_EQ(0, getrlimit(RLIMIT_CORE, &self->core));
	self->obj = bpf_object__open_file(OBJ, NULL);
	ASSERT_NE(NULL, self->obj);
	ASSERT_EQ(0, bpf_object__load(self->obj));
	self->min_id = ~0u;
	for (i = 0; i < NPROGS; i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(self->obj, names[i]);
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		struct prog *p = &self->p[i];

		ASSERT_NE(NULL, prog) TH_LOG("%s", names[i]);
		p->obj = NULL;
		p->fd = bpf_program__fd(prog);
		ASSERT_EQ(0, bpf_obj_get_info_by_fd(p->fd, &info, &len));
		p->id = info.id;
		if (p->id < self->min_id)
			self->min_id = p->id;
		snprintf(self->pin[i], sizeof(self->pin[i]), PIN_DIR "krsi_aud_%s", names[i]);
		unlink(self->pin[i]);
		ASSERT_EQ(0, bpf_obj_pin(p->fd, self->pin[i]));
	}
	ASSERT_EQ(0, subject(getpid(), NULL, self->subject, sizeof(self->subject)));
	self->nl = audit_open();
	ASSERT_LE(0, self->nl) TH_LOG("audit netlink socket: %s", strerror(errno));
	/* What kauditd still delivers from an earlier test is not this test's. */
	audit_drain(self->nl, 500, 5000, NULL);
}

FIXTURE_TEARDOWN(audit)
{
	int i;

	detach_all(RL);
	detach_all(FOWNER);
	/* seal_records leaves task_getpgid sealed with its programs. */
	if (!hook_sealed(PGID))
		detach_all(PGID);
	setrlimit(RLIMIT_CORE, &self->core);
	for (i = 0; i < NPROGS; i++)
		unlink(self->pin[i]);
	bpf_object__close(self->obj);
	close(self->nl);
}

/* Waits for the next record of @type on @hook into self->text, or fails the test. */
#define NEXT(type, hook) ASSERT_EQ(0, next_record(self, type, hook))

/* Expects the fields of self->text to be exactly the formatted string. */
#define EXPECT_BODY(fmt, ...) do {						\
		char __want[2048];						\
										\
		snprintf(__want, sizeof(__want), fmt, ##__VA_ARGS__);		\
		EXPECT_STREQ(__want, body(self->text));				\
	} while (0)

/* Expects the fields of self->text to end with the formatted string. */
#define EXPECT_TAIL(fmt, ...) do {						\
		char __want[2048];						\
										\
		snprintf(__want, sizeof(__want), " " fmt, ##__VA_ARGS__);	\
		EXPECT_TRUE(ends_with(self->text, __want))			\
			TH_LOG("'%s' does not end with '%s'", self->text, __want); \
	} while (0)

/* Expects field @key of self->text to be the formatted string. */
#define EXPECT_FIELD(key, fmt, ...) do {					\
		char __want[1024], __got[1024] = "";				\
										\
		snprintf(__want, sizeof(__want), fmt, ##__VA_ARGS__);		\
		EXPECT_EQ(0, audit_field(self->text, key, __got, sizeof(__got))) \
			TH_LOG("no %s= in '%s'", key, self->text);		\
		EXPECT_STREQ(__want, __got) TH_LOG("%s= in '%s'", key, self->text); \
	} while (0)

TEST_F(audit, denial_record_fields)
{
	struct prog *e = &self->p[RL_EPERM];
	char auid[32], ses[32], comm[32], exe[256], want[512];
	unsigned long long sec;
	unsigned int ms, serial;
	int fields;
	ssize_t n;
	long runs;

	ASSERT_EQ(0, attach_path(RL, self->pin[RL_EPERM]));
	/* Other limits are allowed, and make no record. */
	EXPECT_EQ(0, set_core(MARK_EACCES));
	EXPECT_EQ(EPERM, set_core(MARK_EPERM));
	EXPECT_EQ(MARK_EACCES, core_limit());
	NEXT(AUDIT_KRSI_ACCESS, RL);
	TH_LOG("%s", self->text);
	fields = sscanf(self->text, "audit(%llu.%3u:%u): ", &sec, &ms, &serial);
	ASSERT_EQ(3, fields);
	EXPECT_LT(0, sec);
	EXPECT_LT(0, serial);
	EXPECT_FIELD("hook", RL);
	EXPECT_FIELD("prog_id", "%u", e->id);
	EXPECT_FIELD("prog_name", "rl_eperm");
	EXPECT_FIELD("result", "-1");
	EXPECT_FIELD("mode", "enforce");
	EXPECT_FIELD("pid", "%d", getpid());
	ASSERT_EQ(0, read_line("/proc/self/loginuid", auid, sizeof(auid)));
	ASSERT_EQ(0, read_line("/proc/self/sessionid", ses, sizeof(ses)));
	ASSERT_EQ(0, read_line("/proc/self/comm", comm, sizeof(comm)));
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_LT(0, n);
	exe[n] = '\0';
	EXPECT_FIELD("auid", "%s", auid);
	EXPECT_FIELD("ses", "%s", ses);
	EXPECT_FIELD("comm", "%s", comm);
	EXPECT_FIELD("exe", "%s", exe);
	/* The whole record, in order, quoted as audit quotes untrusted strings. */
	EXPECT_BODY("hook=" RL " prog_id=%u prog_name=\"rl_eperm\" result=-1 mode=enforce %s",
		    e->id, self->subject);

	runs = count_of(RL, e->id, "runs");
	EXPECT_LE(2, runs);
	snprintf(want, sizeof(want),
		 "%u name=rl_eperm runs=%ld denied=1 sleepable=0 audited=0 mode=enforce log=1 state=enabled",
		 e->id, runs);
	EXPECT_STREQ(want, listed_line(RL, e->id));
}

TEST_F(audit, audit_only_allows_and_records)
{
	struct prog *a = &self->p[RL_EPERM], *b = &self->p[RL_EACCES];
	char buf[256];

	ASSERT_EQ(0, hook_printf(RL, "%s mode=audit\n", self->pin[RL_EPERM]));
	EXPECT_STREQ("audit", listed(RL, a->id, "mode"));
	EXPECT_STREQ("1", listed(RL, a->id, "log"));
	/* The action goes ahead, recorded and counted. */
	EXPECT_EQ(0, set_core(MARK_EPERM));
	EXPECT_EQ(MARK_EPERM, core_limit());
	NEXT(AUDIT_KRSI_ACCESS, RL);
	EXPECT_BODY("hook=" RL " prog_id=%u prog_name=\"rl_eperm\" result=-1 mode=audit %s",
		    a->id, self->subject);
	EXPECT_EQ(1, count_of(RL, a->id, "audited"));
	EXPECT_EQ(0, count_of(RL, a->id, "denied"));

	/* By ioctl, in front: both audit-only, both run and record, in run order. */
	EXPECT_EQ((int)b->id, attach_flags(RL, b->fd, KRSI_ATTACH_AUDIT | KRSI_ATTACH_FIRST));
	ASSERT_LT(0, attachments(RL, buf, sizeof(buf)));
	EXPECT_EQ(b->id, strtoul(buf, NULL, 10));
	EXPECT_STREQ("audit", listed(RL, b->id, "mode"));
	EXPECT_STREQ("1", listed(RL, b->id, "log"));
	EXPECT_EQ(0, set_core(MARK_BOTH));
	EXPECT_EQ(MARK_BOTH, core_limit());
	NEXT(AUDIT_KRSI_ACCESS, RL);
	EXPECT_BODY("hook=" RL " prog_id=%u prog_name=\"rl_eacces\" result=-13 mode=audit %s",
		    b->id, self->subject);
	NEXT(AUDIT_KRSI_ACCESS, RL);
	EXPECT_BODY("hook=" RL " prog_id=%u prog_name=\"rl_eperm\" result=-1 mode=audit %s",
		    a->id, self->subject);
	EXPECT_EQ(2, count_of(RL, a->id, "audited"));
	EXPECT_EQ(1, count_of(RL, b->id, "audited"));
	EXPECT_EQ(0, count_of(RL, a->id, "denied"));
	EXPECT_EQ(0, count_of(RL, b->id, "denied"));
}

/*
 * A quiet attachment's denial makes no record: the first record after it is
 * the one of a later denial by a logging program (the sentinel).
 */
TEST_F(audit, quiet_denials_are_counted_not_recorded)
{
	struct prog *q = &self->p[RL_EPERM], *s = &self->p[RL_EACCES], *x = &self->p[RL_EXDEV];

	ASSERT_EQ(0, hook_printf(RL, "%s log=0\n", self->pin[RL_EPERM]));
	ASSERT_EQ(0, attach_path(RL, self->pin[RL_EACCES]));
	EXPECT_STREQ("0", listed(RL, q->id, "log"));
	EXPECT_STREQ("enforce", listed(RL, q->id, "mode"));
	EXPECT_EQ(EPERM, set_core(MARK_EPERM));
	/* q denies first and stops the chain: s does not run, nothing is recorded. */
	EXPECT_EQ(EPERM, set_core(MARK_BOTH));
	EXPECT_EQ(EACCES, set_core(MARK_EACCES));
	NEXT(AUDIT_KRSI_ACCESS, RL);
	EXPECT_BODY("hook=" RL " prog_id=%u prog_name=\"rl_eacces\" result=-13 mode=enforce %s",
		    s->id, self->subject);
	EXPECT_EQ(2, count_of(RL, q->id, "denied"));
	EXPECT_EQ(1, count_of(RL, s->id, "denied"));

	/* Logging again: q's denials are recorded. */
	ASSERT_EQ(0, hook_printf(RL, "log %u 1\n", q->id));
	EXPECT_STREQ("1", listed(RL, q->id, "log"));
	EXPECT_EQ(EPERM, set_core(MARK_EPERM));
	NEXT(AUDIT_KRSI_ACCESS, RL);
	EXPECT_BODY("hook=" RL " prog_id=%u prog_name=\"rl_eperm\" result=-1 mode=enforce %s",
		    q->id, self->subject);
	EXPECT_EQ(3, count_of(RL, q->id, "denied"));

	/* Quiet by ioctl. */
	EXPECT_EQ((int)x->id, attach_flags(RL, x->fd, KRSI_ATTACH_QUIET));
	EXPECT_STREQ("0", listed(RL, x->id, "log"));
	EXPECT_STREQ("enforce", listed(RL, x->id, "mode"));
	EXPECT_EQ(EXDEV, set_core(MARK_EXDEV));
	EXPECT_EQ(EACCES, set_core(MARK_EACCES));
	NEXT(AUDIT_KRSI_ACCESS, RL);
	EXPECT_FIELD("prog_id", "%u", s->id);
	EXPECT_EQ(1, count_of(RL, x->id, "denied"));

	/* Audit-only and quiet, first (words in any order): counted, allowed, not recorded. */
	ASSERT_EQ(0, detach(RL, x->id));
	ASSERT_EQ(0, hook_printf(RL, "%s log=0 first mode=audit\n", self->pin[RL_EXDEV]));
	EXPECT_STREQ("0", listed(RL, x->id, "log"));
	EXPECT_STREQ("audit", listed(RL, x->id, "mode"));
	EXPECT_EQ(0, set_core(MARK_EXDEV));
	EXPECT_EQ(MARK_EXDEV, core_limit());
	EXPECT_EQ(EACCES, set_core(MARK_EACCES));
	NEXT(AUDIT_KRSI_ACCESS, RL);
	EXPECT_FIELD("prog_id", "%u", s->id);
	EXPECT_EQ(1, count_of(RL, x->id, "audited"));
	EXPECT_EQ(0, count_of(RL, x->id, "denied"));
}

TEST_F(audit, mode_and_log_by_write_and_ioctl)
{
	struct prog *e = &self->p[RL_EPERM];

	ASSERT_EQ(0, attach_path(RL, self->pin[RL_EPERM]));
	EXPECT_STREQ("enforce", listed(RL, e->id, "mode"));
	EXPECT_STREQ("1", listed(RL, e->id, "log"));

	ASSERT_EQ(0, hook_printf(RL, "mode %u audit\n", e->id));
	EXPECT_STREQ("audit", listed(RL, e->id, "mode"));
	EXPECT_EQ(0, set_core(MARK_EPERM));
	EXPECT_EQ(1, count_of(RL, e->id, "audited"));
	EXPECT_EQ(0, count_of(RL, e->id, "denied"));
	ASSERT_EQ(0, hook_printf(RL, "mode %u enforce", e->id));
	EXPECT_STREQ("enforce", listed(RL, e->id, "mode"));
	EXPECT_EQ(EPERM, set_core(MARK_EPERM));
	EXPECT_EQ(1, count_of(RL, e->id, "audited"));
	EXPECT_EQ(1, count_of(RL, e->id, "denied"));

	EXPECT_EQ(0, setting(RL, KRSI_IOC_MODE, e->id, KRSI_MODE_AUDIT));
	EXPECT_STREQ("audit", listed(RL, e->id, "mode"));
	EXPECT_EQ(0, set_core(MARK_EPERM));
	EXPECT_EQ(2, count_of(RL, e->id, "audited"));
	EXPECT_EQ(0, setting(RL, KRSI_IOC_MODE, e->id, KRSI_MODE_ENFORCE));
	EXPECT_STREQ("enforce", listed(RL, e->id, "mode"));
	EXPECT_EQ(EPERM, set_core(MARK_EPERM));
	EXPECT_EQ(2, count_of(RL, e->id, "denied"));

	EXPECT_EQ(0, setting(RL, KRSI_IOC_LOG, e->id, 0));
	EXPECT_STREQ("0", listed(RL, e->id, "log"));
	EXPECT_EQ(0, setting(RL, KRSI_IOC_LOG, e->id, 1));
	EXPECT_STREQ("1", listed(RL, e->id, "log"));
	EXPECT_EQ(0, hook_printf(RL, "log %u 0\n", e->id));
	EXPECT_STREQ("0", listed(RL, e->id, "log"));
	/* Mode and logging are independent. */
	EXPECT_STREQ("enforce", listed(RL, e->id, "mode"));
	EXPECT_EQ(0, hook_printf(RL, "mode %u audit\n", e->id));
	EXPECT_STREQ("0", listed(RL, e->id, "log"));
}

TEST_F(audit, bad_settings_change_nothing)
{
	struct prog *e = &self->p[RL_EPERM], *s = &self->p[RL_EACCES], *f = &self->p[FOWNER_V];
	const char *pin_s = self->pin[RL_EACCES], *pin_f = self->pin[FOWNER_V];
	char before[1024], after[1024];
	int checked = 0;

	ASSERT_EQ(0, hook_printf(RL, "%s log=0\n", self->pin[RL_EPERM]));
	ASSERT_EQ(0, attach_path(FOWNER, pin_f));
	ASSERT_LT(0, settings(RL, before, sizeof(before)));

#define CHECK(expected, call) do {						\
		EXPECT_EQ(expected, call);					\
		ASSERT_LE(0, settings(RL, after, sizeof(after)));		\
		EXPECT_STREQ(before, after);					\
		checked++;							\
	} while (0)

	/* Malformed mode and log commands. */
	CHECK(EINVAL, hook_printf(RL, "mode %u on\n", e->id));
	CHECK(EINVAL, hook_printf(RL, "mode %u Audit\n", e->id));
	CHECK(EINVAL, hook_printf(RL, "mode %u\n", e->id));
	CHECK(EINVAL, hook_printf(RL, "mode %u audit audit\n", e->id));
	CHECK(EINVAL, hook_printf(RL, "mode %u audit \n", e->id));
	CHECK(EINVAL, hook_printf(RL, "mode  %u audit\n", e->id));
	CHECK(EINVAL, hook_printf(RL, "mode audit %u\n", e->id));
	CHECK(EINVAL, hook_printf(RL, "mode +%u audit\n", e->id));
	CHECK(EINVAL, hook_printf(RL, "mode 0%u audit\n", e->id));
	CHECK(EINVAL, hook_printf(RL, "mode x audit\n"));
	CHECK(EINVAL, hook_printf(RL, "mode=audit %u\n", e->id));
	CHECK(EINVAL, hook_printf(RL, "log %u 2\n", e->id));
	CHECK(EINVAL, hook_printf(RL, "log %u yes\n", e->id));
	CHECK(EINVAL, hook_printf(RL, "log %u\n", e->id));
	CHECK(EINVAL, hook_printf(RL, "log %u 1 1\n", e->id));
	CHECK(EINVAL, hook_printf(RL, "log %u 01\n", e->id));
	/* Malformed attach words: each at most once, known values only. */
	CHECK(EINVAL, hook_printf(RL, "%s mode=audit mode=enforce\n", pin_s));
	CHECK(EINVAL, hook_printf(RL, "%s mode=audit mode=audit\n", pin_s));
	CHECK(EINVAL, hook_printf(RL, "%s log=0 log=1\n", pin_s));
	CHECK(EINVAL, hook_printf(RL, "%s mode=\n", pin_s));
	CHECK(EINVAL, hook_printf(RL, "%s log=\n", pin_s));
	CHECK(EINVAL, hook_printf(RL, "%s mode=both\n", pin_s));
	CHECK(EINVAL, hook_printf(RL, "%s log=2\n", pin_s));
	CHECK(EINVAL, hook_printf(RL, "%s mode audit\n", pin_s));
	CHECK(EINVAL, hook_printf(RL, "%s first mode=audit first\n", pin_s));
	CHECK(EINVAL, hook_printf(RL, "%s mode=audit first after=%u\n", pin_s, e->id));
	CHECK(EINVAL, hook_printf(RL, "mode=audit %s\n", pin_s));
	/* No such attachment on this hook. */
	CHECK(ENOENT, hook_printf(RL, "mode %u audit\n", NO_ID));
	CHECK(ENOENT, hook_printf(RL, "log %u 1\n", NO_ID));
	CHECK(ENOENT, hook_printf(RL, "mode %u audit\n", s->id));
	CHECK(ENOENT, hook_printf(RL, "mode %u audit\n", f->id));
	CHECK(ENOENT, setting(RL, KRSI_IOC_MODE, NO_ID, KRSI_MODE_AUDIT));
	CHECK(ENOENT, setting(RL, KRSI_IOC_LOG, f->id, 1));
	/* Bad ioctl arguments. */
	CHECK(EINVAL, setting(RL, KRSI_IOC_MODE, e->id, 2));
	CHECK(EINVAL, setting(RL, KRSI_IOC_LOG, e->id, 2));
	CHECK(EINVAL, setting(RL, KRSI_IOC_LOG, e->id, ~0u));
	CHECK(EINVAL, setting_raw(RL, KRSI_IOC_MODE, (struct krsi_setting){
		.size = sizeof(struct krsi_setting), .flags = 1, .prog_id = e->id,
		.value = KRSI_MODE_AUDIT }));
	CHECK(EINVAL, setting_raw(RL, KRSI_IOC_LOG, (struct krsi_setting){
		.size = sizeof(struct krsi_setting) + 1, .prog_id = e->id, .value = 1 }));
	CHECK(EINVAL, setting_raw(RL, KRSI_IOC_MODE, (struct krsi_setting){
		.size = 0, .prog_id = e->id, .value = KRSI_MODE_AUDIT }));
	CHECK(-EINVAL, attach_flags(RL, s->fd, KRSI_ATTACH_AUDIT | 0x40));
	CHECK(-EINVAL, attach_flags(RL, s->fd, KRSI_ATTACH_QUIET | KRSI_ATTACH_FIRST |
					       KRSI_ATTACH_AFTER));
#undef CHECK

	/* A void hook has no mode and no logging. */
	EXPECT_STREQ("", listed(FOWNER, f->id, "mode"));
	EXPECT_STREQ("", listed(FOWNER, f->id, "log"));
	EXPECT_STREQ("", listed(FOWNER, f->id, "audited"));
	ASSERT_LT(0, settings(FOWNER, before, sizeof(before)));

#define CHECK(expected, call) do {						\
		EXPECT_EQ(expected, call);					\
		ASSERT_LE(0, settings(FOWNER, after, sizeof(after)));		\
		EXPECT_STREQ(before, after);					\
		checked++;							\
	} while (0)

	CHECK(EOPNOTSUPP, hook_printf(FOWNER, "mode %u audit\n", f->id));
	CHECK(EOPNOTSUPP, hook_printf(FOWNER, "log %u 0\n", f->id));
	CHECK(EOPNOTSUPP, setting(FOWNER, KRSI_IOC_MODE, f->id, KRSI_MODE_AUDIT));
	CHECK(EOPNOTSUPP, setting(FOWNER, KRSI_IOC_LOG, f->id, 0));
	ASSERT_EQ(0, detach(FOWNER, f->id));
	ASSERT_LE(0, settings(FOWNER, before, sizeof(before)));
	CHECK(EOPNOTSUPP, hook_printf(FOWNER, "%s mode=audit\n", pin_f));
	CHECK(EOPNOTSUPP, hook_printf(FOWNER, "%s log=0\n", pin_f));
	CHECK(-EOPNOTSUPP, attach_flags(FOWNER, f->fd, KRSI_ATTACH_AUDIT));
	CHECK(-EOPNOTSUPP, attach_flags(FOWNER, f->fd, KRSI_ATTACH_QUIET));
#undef CHECK
	TH_LOG("%d refused settings, each with the settings unchanged", checked);

	/* e still denies, quietly, as set at attach. */
	EXPECT_EQ(EPERM, set_core(MARK_EPERM));
	EXPECT_EQ(1, count_of(RL, e->id, "denied"));
}

TEST_F(audit, replace_keeps_mode_and_log)
{
	struct prog *e = &self->p[RL_EPERM], *s = &self->p[RL_EACCES];

	ASSERT_EQ(0, hook_printf(RL, "%s mode=audit log=0\n", self->pin[RL_EPERM]));
	ASSERT_EQ(0, hook_printf(RL, "replace %u %s\n", e->id, self->pin[RL_EACCES]));
	EXPECT_STREQ("audit", listed(RL, s->id, "mode"));
	EXPECT_STREQ("0", listed(RL, s->id, "log"));
	EXPECT_EQ(0, set_core(MARK_EACCES));
	EXPECT_EQ(1, count_of(RL, s->id, "audited"));
	EXPECT_EQ(0, count_of(RL, s->id, "denied"));

	/* And back by ioctl, from an enforcing, logging attachment. */
	ASSERT_EQ(0, setting(RL, KRSI_IOC_MODE, s->id, KRSI_MODE_ENFORCE));
	ASSERT_EQ(0, setting(RL, KRSI_IOC_LOG, s->id, 1));
	EXPECT_EQ((int)e->id, replace_ioctl(RL, s->id, e->fd));
	EXPECT_STREQ("enforce", listed(RL, e->id, "mode"));
	EXPECT_STREQ("1", listed(RL, e->id, "log"));
	EXPECT_EQ(EPERM, set_core(MARK_EPERM));
	NEXT(AUDIT_KRSI_ACCESS, RL);
	EXPECT_BODY("hook=" RL " prog_id=%u prog_name=\"rl_eperm\" result=-1 mode=enforce %s",
		    e->id, self->subject);
}

TEST_F(audit, audit_and_enforce_on_one_hook)
{
	struct prog *a = &self->p[RL_EPERM], *b = &self->p[RL_EACCES];
	long ra, rb, aa;

	/* Audit-only first: it runs and records, the chain goes on to the enforcer. */
	ASSERT_EQ(0, hook_printf(RL, "%s mode=audit\n", self->pin[RL_EPERM]));
	ASSERT_EQ(0, attach_path(RL, self->pin[RL_EACCES]));
	ra = count_of(RL, a->id, "runs");
	rb = count_of(RL, b->id, "runs");
	EXPECT_EQ(EACCES, set_core(MARK_BOTH));
	EXPECT_EQ(ra + 1, count_of(RL, a->id, "runs"));
	EXPECT_EQ(rb + 1, count_of(RL, b->id, "runs"));
	EXPECT_EQ(1, count_of(RL, a->id, "audited"));
	EXPECT_EQ(0, count_of(RL, a->id, "denied"));
	EXPECT_EQ(1, count_of(RL, b->id, "denied"));
	EXPECT_EQ(0, count_of(RL, b->id, "audited"));
	NEXT(AUDIT_KRSI_ACCESS, RL);
	EXPECT_BODY("hook=" RL " prog_id=%u prog_name=\"rl_eperm\" result=-1 mode=audit %s",
		    a->id, self->subject);
	NEXT(AUDIT_KRSI_ACCESS, RL);
	EXPECT_BODY("hook=" RL " prog_id=%u prog_name=\"rl_eacces\" result=-13 mode=enforce %s",
		    b->id, self->subject);

	/* Enforcer first: it stops the chain, the audit-only program does not run. */
	ASSERT_EQ(0, detach(RL, a->id));
	ASSERT_EQ(0, hook_printf(RL, "%s mode=audit\n", self->pin[RL_EPERM]));
	ra = count_of(RL, a->id, "runs");
	rb = count_of(RL, b->id, "runs");
	aa = count_of(RL, a->id, "audited");
	EXPECT_EQ(EACCES, set_core(MARK_BOTH));
	EXPECT_EQ(ra, count_of(RL, a->id, "runs"));
	EXPECT_EQ(rb + 1, count_of(RL, b->id, "runs"));
	EXPECT_EQ(aa, count_of(RL, a->id, "audited"));
	EXPECT_EQ(2, count_of(RL, b->id, "denied"));
	/* The sentinel: only b denies; no record of a comes between. */
	EXPECT_EQ(EACCES, set_core(MARK_EACCES));
	NEXT(AUDIT_KRSI_ACCESS, RL);
	EXPECT_FIELD("prog_id", "%u", b->id);
	NEXT(AUDIT_KRSI_ACCESS, RL);
	EXPECT_FIELD("prog_id", "%u", b->id);
	EXPECT_EQ(3, count_of(RL, b->id, "denied"));
	/* When b allows, a runs after it and records. */
	EXPECT_EQ(0, set_core(MARK_EPERM));
	EXPECT_EQ(ra + 1, count_of(RL, a->id, "runs"));
	NEXT(AUDIT_KRSI_ACCESS, RL);
	EXPECT_BODY("hook=" RL " prog_id=%u prog_name=\"rl_eperm\" result=-1 mode=audit %s",
		    a->id, self->subject);
	EXPECT_EQ(aa + 1, count_of(RL, a->id, "audited"));
}

TEST_F(audit, config_change_records)
{
	struct prog *e = &self->p[RL_EPERM], *s = &self->p[RL_EACCES], *x = &self->p[RL_EXDEV];
	struct prog *f = &self->p[FOWNER_V];
	char child[512];
	pid_t pid;

	/* Attach by write, with settings; by ioctl, with the defaults. */
	ASSERT_EQ(0, hook_printf(RL, "%s mode=audit log=0\n", self->pin[RL_EPERM]));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, RL);
	TH_LOG("%s", self->text);
	EXPECT_BODY("op=attach hook=" RL " prog_id=%u prog_name=\"rl_eperm\" mode=audit log=0 %s res=1",
		    e->id, self->subject);
	ASSERT_EQ((int)s->id, attach_flags(RL, s->fd, 0));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, RL);
	EXPECT_BODY("op=attach hook=" RL " prog_id=%u prog_name=\"rl_eacces\" mode=enforce log=1 %s res=1",
		    s->id, self->subject);
	/* Mode by write, logging by ioctl. */
	ASSERT_EQ(0, hook_printf(RL, "mode %u enforce\n", e->id));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, RL);
	EXPECT_BODY("op=mode hook=" RL " prog_id=%u prog_name=\"rl_eperm\" mode=enforce %s res=1",
		    e->id, self->subject);
	ASSERT_EQ(0, setting(RL, KRSI_IOC_LOG, e->id, 1));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, RL);
	EXPECT_BODY("op=log hook=" RL " prog_id=%u prog_name=\"rl_eperm\" log=1 %s res=1",
		    e->id, self->subject);
	/* Replace: the new program, and the one it replaced. */
	ASSERT_EQ(0, hook_printf(RL, "replace %u %s\n", s->id, self->pin[RL_EXDEV]));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, RL);
	EXPECT_BODY("op=replace hook=" RL " prog_id=%u prog_name=\"rl_exdev\" old_prog_id=%u %s res=1",
		    x->id, s->id, self->subject);
	ASSERT_EQ(0, detach_ioctl(RL, x->id));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, RL);
	EXPECT_BODY("op=detach hook=" RL " prog_id=%u prog_name=\"rl_exdev\" %s res=1",
		    x->id, self->subject);
	/* Reset: how many it detached. */
	ASSERT_EQ(0, attach_path(RL, self->pin[RL_EACCES]));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, RL);
	EXPECT_FIELD("op", "attach");
	EXPECT_FIELD("prog_id", "%u", s->id);
	ASSERT_EQ(2, hook_ioctl(RL, KRSI_IOC_RESET, NULL));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, RL);
	EXPECT_BODY("op=reset hook=" RL " prog_id=0 prog_name=? count=2 %s res=1", self->subject);
	ASSERT_EQ(0, hook_write(RL, "reset\n"));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, RL);
	EXPECT_BODY("op=reset hook=" RL " prog_id=0 prog_name=? count=0 %s res=1", self->subject);

	/* Refused: unknown id, malformed, bad ioctl value. */
	ASSERT_EQ(0, attach_path(RL, self->pin[RL_EPERM]));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, RL);
	EXPECT_FIELD("prog_id", "%u", e->id);
	EXPECT_EQ(ENOENT, hook_printf(RL, "detach %u\n", NO_ID));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, RL);
	EXPECT_BODY("op=detach hook=" RL " prog_id=%u prog_name=? %s errno=2 res=0", NO_ID,
		    self->subject);
	EXPECT_EQ(EINVAL, hook_write(RL, "detach x\n"));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, RL);
	EXPECT_BODY("op=? hook=" RL " prog_id=0 prog_name=? %s errno=22 res=0", self->subject);
	EXPECT_EQ(EINVAL, setting(RL, KRSI_IOC_MODE, e->id, 2));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, RL);
	EXPECT_FIELD("op", "mode");
	EXPECT_FIELD("prog_id", "%u", e->id);
	EXPECT_TAIL("%s errno=22 res=0", self->subject);
	/* Refused on a void hook: no mode. */
	ASSERT_EQ(0, attach_path(FOWNER, self->pin[FOWNER_V]));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, FOWNER);
	EXPECT_FIELD("op", "attach");
	EXPECT_FIELD("prog_id", "%u", f->id);
	EXPECT_FIELD("res", "1");
	EXPECT_EQ(EOPNOTSUPP, hook_printf(FOWNER, "mode %u audit\n", f->id));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, FOWNER);
	EXPECT_FIELD("op", "mode");
	EXPECT_FIELD("prog_id", "%u", f->id);
	EXPECT_FIELD("mode", "audit");
	EXPECT_TAIL("%s errno=%d res=0", self->subject, EOPNOTSUPP);

	/* Refused for want of privilege: the record names the writer. */
	EXPECT_EQ(EPERM, unprivileged(RL, "detach 999999\n", 0, &pid));
	ASSERT_EQ(0, subject(pid, "krsi-unpriv", child, sizeof(child)));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, RL);
	TH_LOG("%s", self->text);
	EXPECT_FIELD("pid", "%d", pid);
	EXPECT_FIELD("comm", "krsi-unpriv");
	EXPECT_BODY("op=detach hook=" RL " prog_id=%u prog_name=? %s errno=1 res=0", NO_ID, child);
	EXPECT_EQ(EPERM, unprivileged(RL, NULL, KRSI_IOC_RESET, &pid));
	ASSERT_EQ(0, subject(pid, "krsi-unpriv", child, sizeof(child)));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, RL);
	EXPECT_FIELD("op", "reset");
	EXPECT_FIELD("prog_id", "0");
	EXPECT_TAIL("%s errno=1 res=0", child);
	/* And nothing changed. */
	EXPECT_STREQ("enforce", listed(RL, e->id, "mode"));
	EXPECT_EQ(0, count_of(RL, e->id, "denied"));
}

/* task_getpgid stays sealed until reboot, with pgid_enforce and pgid_audit. */
TEST_F(audit, seal_records)
{
	struct prog *e = &self->p[PGID_E], *a = &self->p[PGID_A];
	char before[1024], after[1024], child[512];
	pid_t pid;

	if (hook_sealed(PGID))
		TH_LOG(PGID " is sealed already: the seal test needs a fresh boot");
	ASSERT_FALSE(hook_sealed(PGID));
	ASSERT_EQ(0, detach_all(PGID));
	EXPECT_EQ(0, pgid_as("krsi-pgid-e", &pid));
	EXPECT_EQ(0, pgid_as("krsi-pgid-a", &pid));

	ASSERT_EQ(0, attach_path(PGID, self->pin[PGID_E]));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, PGID);
	EXPECT_BODY("op=attach hook=" PGID " prog_id=%u prog_name=\"pgid_enforce\" mode=enforce log=1 %s res=1",
		    e->id, self->subject);
	/* A denial of another process: the record names it. */
	EXPECT_EQ(EPERM, pgid_as("krsi-pgid-e", &pid));
	ASSERT_EQ(0, subject(pid, "krsi-pgid-e", child, sizeof(child)));
	NEXT(AUDIT_KRSI_ACCESS, PGID);
	EXPECT_BODY("hook=" PGID " prog_id=%u prog_name=\"pgid_enforce\" result=-1 mode=enforce %s",
		    e->id, child);

	ASSERT_EQ(0, hook_write(PGID, "seal\n"));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, PGID);
	EXPECT_BODY("op=seal hook=" PGID " prog_id=0 prog_name=? %s res=1", self->subject);
	/* Appending an audit-only, quiet program is allowed. */
	ASSERT_EQ(0, hook_printf(PGID, "%s log=0 mode=audit\n", self->pin[PGID_A]));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, PGID);
	EXPECT_BODY("op=attach hook=" PGID " prog_id=%u prog_name=\"pgid_audit\" mode=audit log=0 %s res=1",
		    a->id, self->subject);
	EXPECT_EQ(0, pgid_as("krsi-pgid-a", &pid));
	EXPECT_EQ(1, count_of(PGID, a->id, "audited"));

	/* Weakening is refused: enforce to audit, log 1 to 0. */
	ASSERT_LT(0, settings(PGID, before, sizeof(before)));
	EXPECT_EQ(EROFS, hook_printf(PGID, "mode %u audit\n", e->id));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, PGID);
	TH_LOG("%s", self->text);
	EXPECT_FIELD("op", "mode");
	EXPECT_FIELD("prog_id", "%u", e->id);
	EXPECT_FIELD("mode", "audit");
	EXPECT_TAIL("%s errno=30 res=0", self->subject);
	EXPECT_EQ(EROFS, setting(PGID, KRSI_IOC_MODE, e->id, KRSI_MODE_AUDIT));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, PGID);
	EXPECT_FIELD("op", "mode");
	EXPECT_TAIL("%s errno=30 res=0", self->subject);
	EXPECT_EQ(EROFS, hook_printf(PGID, "log %u 0\n", e->id));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, PGID);
	EXPECT_FIELD("op", "log");
	EXPECT_FIELD("prog_id", "%u", e->id);
	EXPECT_FIELD("log", "0");
	EXPECT_TAIL("%s errno=30 res=0", self->subject);
	EXPECT_EQ(EROFS, setting(PGID, KRSI_IOC_LOG, e->id, 0));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, PGID);
	EXPECT_FIELD("op", "log");
	EXPECT_TAIL("%s errno=30 res=0", self->subject);
	EXPECT_EQ(EROFS, detach(PGID, a->id));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, PGID);
	EXPECT_BODY("op=detach hook=" PGID " prog_id=%u prog_name=? %s errno=30 res=0",
		    a->id, self->subject);
	ASSERT_LT(0, settings(PGID, after, sizeof(after)));
	EXPECT_STREQ(before, after);
	EXPECT_EQ(EPERM, pgid_as("krsi-pgid-e", &pid));

	/* Strengthening is allowed: audit to enforce, log 0 to 1. */
	ASSERT_EQ(0, hook_printf(PGID, "mode %u enforce\n", a->id));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, PGID);
	EXPECT_BODY("op=mode hook=" PGID " prog_id=%u prog_name=\"pgid_audit\" mode=enforce %s res=1",
		    a->id, self->subject);
	ASSERT_EQ(0, setting(PGID, KRSI_IOC_LOG, a->id, 1));
	NEXT(AUDIT_KRSI_CONFIG_CHANGE, PGID);
	EXPECT_BODY("op=log hook=" PGID " prog_id=%u prog_name=\"pgid_audit\" log=1 %s res=1",
		    a->id, self->subject);
	EXPECT_STREQ("enforce", listed(PGID, a->id, "mode"));
	EXPECT_STREQ("1", listed(PGID, a->id, "log"));
	EXPECT_EQ(EACCES, pgid_as("krsi-pgid-a", &pid));
	ASSERT_EQ(0, subject(pid, "krsi-pgid-a", child, sizeof(child)));
	NEXT(AUDIT_KRSI_ACCESS, PGID);
	EXPECT_BODY("hook=" PGID " prog_id=%u prog_name=\"pgid_audit\" result=-13 mode=enforce %s",
		    a->id, child);
	EXPECT_EQ(1, count_of(PGID, a->id, "denied"));
	ASSERT_LT(0, listing(PGID, before, sizeof(before)));
	EXPECT_EQ(0, strncmp(before, "sealed\n", 7));
}

/*
 * 100000 denials, as the audit issue asks; 1000 on the debug kernel, where
 * KASAN and lockdep under TCG make each recorded denial cost about 5 ms.
 * KRSI_FLOOD overrides the count.
 */
static int flood_count(void)
{
	return rounds("KRSI_FLOOD", 100000, 1000);
}

/*
 * Denials at the highest rate one task makes, each recorded, without auditd:
 * audit drops what its backlog cannot hold, the hook's answer does not
 * change, and audit still records afterwards.
 */
TEST_F_TIMEOUT(audit, flood_of_denials, 600)
{
	struct prog *e = &self->p[RL_EPERM], *s = &self->p[RL_EACCES];
	long lost0, lost1, bad = 0;
	char match[64];
	long long t0, t;
	int i, drained, overflows = 0, flood = flood_count();

	ASSERT_EQ(0, attach_path(RL, self->pin[RL_EPERM]));
	ASSERT_EQ(0, attach_path(RL, self->pin[RL_EACCES]));
	lost0 = audit_lost();
	t0 = monotonic_ms();
	for (i = 0; i < flood; i++)
		bad += set_core(MARK_EPERM) != EPERM;
	t = monotonic_ms() - t0;
	EXPECT_EQ(0, bad);
	EXPECT_EQ(flood, count_of(RL, e->id, "denied"));
	EXPECT_LE(flood, count_of(RL, e->id, "runs"));
	/* Whatever kauditd still delivers, until it has been quiet for 2 s. */
	drained = audit_drain(self->nl, 2000, 120000, &overflows);
	lost1 = audit_lost();
	TH_LOG("%d denials: %lld ms, %lld us each; then read %d records, %d overflows; lost %ld",
	       flood, t, t * 1000 / flood, drained, overflows,
	       lost0 >= 0 && lost1 >= 0 ? lost1 - lost0 : -1);

	/* A fresh denial, by the other program, is recorded. */
	EXPECT_EQ(EACCES, set_core(MARK_EACCES));
	snprintf(match, sizeof(match), "hook=" RL " prog_id=%u", s->id);
	ASSERT_EQ(0, audit_wait(self->nl, AUDIT_KRSI_ACCESS, match, AUDIT_WAIT_MS, self->text,
				sizeof(self->text)));
	EXPECT_BODY("hook=" RL " prog_id=%u prog_name=\"rl_eacces\" result=-13 mode=enforce %s",
		    s->id, self->subject);
}

TEST_HARNESS_MAIN
