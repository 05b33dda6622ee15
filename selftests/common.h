/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krsi - helpers the selftests share
 */

#ifndef KRSI_SELFTESTS_COMMON_H
#define KRSI_SELFTESTS_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/krsi.h>

/*
 * The selftest kernel is a debug kernel (KASAN, lockdep, kmemleak...) under
 * TCG, where an operation takes ten to twenty times as long as on a
 * production kernel: every test gets 120 s instead of the harness's 30.
 */
#ifdef TEST_TIMEOUT_DEFAULT
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 120
#endif

/* Mounts debugfs at /sys/kernel/debug if it is not yet; 0 or errno. */
static inline int mount_debugfs(void)
{
	if (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) && errno != EBUSY)
		return errno;
	return 0;
}

/*
 * A loop's count on this kernel: @full on a production kernel (the PREEMPT_RT
 * guest of make check runs every count in full), @debug on the debug kernel
 * (kmemleak present), where each round costs five to ten times as much; the
 * environment variable @env, if set, overrides both. kmemleak's file is in
 * debugfs, which this mounts if it is not yet: a test that ran before any
 * other mounted it took the debug kernel for a production one.
 */
static inline int rounds(const char *env, int full, int debug)
{
	const char *kmemleak = "/sys/kernel/debug/kmemleak";
	const char *n = getenv(env);

	if (n)
		return atoi(n);
	if (access(kmemleak, F_OK))
		mount_debugfs();
	return access(kmemleak, F_OK) ? full : debug;
}

#define HOOK_DIR "/sys/kernel/security/bpf/"
#define PIN_DIR "/sys/fs/bpf/"
/* Room for the listing of a full hook (KRSI_MAX_PROGS lines of at most ~80 bytes). */
#define LISTING_MAX (KRSI_MAX_PROGS * 128)

/*
 * The path of file @name installed beside the running test (the BPF objects,
 * the samples, krsi_compat32): the kselftest install puts them in the test's
 * directory, wherever that is. Each call returns one of a few static buffers.
 */
static inline const char *test_file(const char *name)
{
	static char bufs[4][4096];
	static unsigned int next;
	char *buf = bufs[next++ % 4];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(bufs[0]) - 1);
	char *slash;

	if (n < 0) {
		perror("readlink /proc/self/exe");
		exit(1);
	}
	buf[n] = 0;
	slash = strrchr(buf, '/');
	if (!slash || snprintf(slash + 1, sizeof(bufs[0]) - (slash + 1 - buf), "%s", name) >=
		      (int)(sizeof(bufs[0]) - (slash + 1 - buf))) {
		fprintf(stderr, "test_file: %s: path too long\n", name);
		exit(1);
	}
	return buf;
}

/* Opens @path read-only, creating it if needed, and closes it; returns 0 or errno. */
static inline int try_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CREAT, 0644);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* A loaded program and the object that owns it. */
struct prog {
	struct bpf_object *obj;
	int fd;
	__u32 id;
};

/* Loads program @name of the BPF object file @obj, and only that one. */
static inline int load_prog(const char *obj, const char *name, struct prog *p)
{
	struct bpf_program *it, *want = NULL;
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	p->obj = bpf_object__open_file(obj, NULL);
	if (!p->obj)
		return -1;
	bpf_object__for_each_program(it, p->obj) {
		if (!strcmp(bpf_program__name(it), name))
			want = it;
		else
			bpf_program__set_autoload(it, false);
	}
	if (!want || bpf_object__load(p->obj))
		return -1;
	p->fd = bpf_program__fd(want);
	if (bpf_obj_get_info_by_fd(p->fd, &info, &len))
		return -1;
	p->id = info.id;
	return 0;
}

/*
 * Loads another instance of program @name of @p's object: the same
 * instructions for the same hook, without opening and loading the object
 * again (much cheaper on the debug kernel). @out owns only its descriptor.
 */
static inline int clone_prog(const struct prog *p, const char *name, struct prog *out)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(p->obj, name);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_LSM_MAC);

	if (!prog || bpf_obj_get_info_by_fd(p->fd, &info, &len))
		return -1;
	opts.attach_btf_id = info.attach_btf_id;
	out->obj = NULL;
	out->fd = bpf_prog_load(BPF_PROG_TYPE_LSM, name, "GPL", bpf_program__insns(prog),
				bpf_program__insn_cnt(prog), &opts);
	if (out->fd < 0)
		return -1;
	len = sizeof(info);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(out->fd, &info, &len))
		return -1;
	out->id = info.id;
	return 0;
}

static inline void unload(struct prog *p)
{
	if (p->obj)
		bpf_object__close(p->obj);
	else if (p->fd >= 0)
		close(p->fd);
	p->obj = NULL;
	p->fd = -1;
}

/* Writes @len bytes of @data to @path at @offset; returns 0 or errno. */
static inline int write_at(const char *path, const void *data, size_t len, off_t offset)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return errno;
	if (pwrite(fd, data, len, offset) != (ssize_t)len)
		err = errno;
	close(fd);
	return err;
}

/*
 * Writes the string @val to @path in one write(), as echo does: debugfs
 * attributes cannot seek, so not pwrite(); returns 0 or errno.
 */
static inline int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		err = errno;
	close(fd);
	return err;
}

/* Writes a string command to the file of @hook, as echo does; returns 0 or errno. */
static inline int hook_write(const char *hook, const char *cmd)
{
	char path[256];

	snprintf(path, sizeof(path), HOOK_DIR "%s", hook);
	return write_at(path, cmd, strlen(cmd), 0);
}

static inline int attach_path(const char *hook, const char *pin)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "%s\n", pin);
	return hook_write(hook, cmd);
}

static inline int detach(const char *hook, __u32 id)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "detach %u\n", id);
	return hook_write(hook, cmd);
}

/* Pins @p at PIN_DIR@name (replacing a stale pin) and attaches it by path. */
static inline int pin_attach(const char *hook, struct prog *p, const char *name)
{
	char pin[128];

	snprintf(pin, sizeof(pin), PIN_DIR "%s", name);
	unlink(pin);
	if (bpf_obj_pin(p->fd, pin))
		return errno;
	return attach_path(hook, pin);
}

/* Issues ioctl @cmd on the file of @hook opened for writing; returns what it returns, errno kept. */
static inline int hook_ioctl(const char *hook, unsigned long cmd, void *arg)
{
	char path[256];
	int fd, ret, err;

	snprintf(path, sizeof(path), HOOK_DIR "%s", hook);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	ret = ioctl(fd, cmd, arg);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

/* Attaches the program of @prog_fd to @hook with KRSI_IOC_ATTACH; returns its id, or 0 and errno. */
static inline __u32 attach_fd(const char *hook, int prog_fd)
{
	struct krsi_attach att = { .size = sizeof(att), .prog_fd = prog_fd };
	int ret = hook_ioctl(hook, KRSI_IOC_ATTACH, &att);

	return ret > 0 ? ret : 0;
}

/* Detaches program @id from @hook with KRSI_IOC_DETACH; returns 0 or errno. */
static inline int detach_ioctl(const char *hook, __u32 id)
{
	struct krsi_detach det = { .size = sizeof(det), .prog_id = id };

	return hook_ioctl(hook, KRSI_IOC_DETACH, &det) ? errno : 0;
}

/* Reads a whole file into @buf; returns its length or -1. */
static inline ssize_t read_file(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + total, size - 1 - total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return n < 0 ? -1 : total;
}

static inline ssize_t listing(const char *hook, char *buf, size_t size)
{
	char path[256];

	snprintf(path, sizeof(path), HOOK_DIR "%s", hook);
	return read_file(path, buf, size);
}

/*
 * The listing of @hook without its counters: "<id> <name> <state>[ <reason>]
 * [ cgroup=<id>]" per line, in run order.
 */
static inline ssize_t attachments(const char *hook, char *buf, size_t size)
{
	static char raw[LISTING_MAX];
	char *line, *save;
	size_t len = 0;

	if (listing(hook, raw, sizeof(raw)) < 0)
		return -1;
	buf[0] = '\0';
	for (line = strtok_r(raw, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[32], state[16] = "", reason[16] = "", cgroup[32] = "";
		unsigned int id;
		const char *f;

		if (!strcmp(line, "sealed")) {
			len += snprintf(buf + len, size - len, "sealed\n");
			continue;
		}
		if (sscanf(line, "%u name=%31s", &id, name) != 2)
			return -1;
		f = strstr(line, " state=");
		if (!f || sscanf(f, " state=%15s", state) != 1)
			return -1;
		f = strstr(line, " reason=");
		if (f && sscanf(f, " reason=%15s", reason) != 1)
			return -1;
		f = strstr(line, " cgroup=");
		if (f && sscanf(f, " %31s", cgroup) != 1)
			return -1;
		len += snprintf(buf + len, size - len, "%u %s %s%s%s%s%s\n", id, name, state,
				*reason ? " " : "", reason, *cgroup ? " " : "", cgroup);
	}
	return len;
}

static inline int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Detaches every program listed on @hook, one by one; returns how many. */
static inline int detach_all(const char *hook)
{
	static char buf[LISTING_MAX];
	char *line, *save;
	int n = 0;

	if (listing(hook, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strcmp(line, "sealed") && !detach(hook, strtoul(line, NULL, 10)))
			n++;
	return n;
}

/*
 * In a test with char before[], after[] and int checked: expects @call to
 * return @expected and the listing of @hook (ids, names, order, states) to be
 * @before.
 */
#define CHECK_UNCHANGED(hook, expected, call) do {				\
		EXPECT_EQ(expected, call);					\
		ASSERT_LE(0, attachments(hook, after, sizeof(after)));		\
		EXPECT_STREQ(before, after);					\
		checked++;							\
	} while (0)

/* Writes a formatted command to the file of @hook; returns 0 or errno. */
static inline int hook_printf(const char *hook, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline int hook_printf(const char *hook, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return hook_write(hook, cmd);
}

/*
 * Whether status lists @hook: it has programs, its static key is on, or it is
 * sealed. Other hooks may be listed: a sealed hook stays until reboot.
 */
static inline bool status_lists(const char *hook)
{
	static char buf[LISTING_MAX];
	size_t len = strlen(hook);
	char *line;

	if (read_file(HOOK_DIR "status", buf, sizeof(buf)) < 0)
		return true;
	for (line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, hook, len) && line[len] == ' ')
			return true;
	return false;
}

/* Whether @hook is sealed: its listing starts with "sealed". */
static inline bool hook_sealed(const char *hook)
{
	static char buf[LISTING_MAX];

	return listing(hook, buf, sizeof(buf)) >= 0 && !strncmp(buf, "sealed\n", 7);
}

/* Whether the program with @id still exists. */
static inline bool prog_exists(__u32 id)
{
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * Waits up to 10 s for program @id to be freed: krsi drops its reference from
 * an RCU callback after a detach, as BPF does for a link.
 */
static inline bool released(__u32 id)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (!prog_exists(id))
			return true;
		usleep(10000);
	}
	return false;
}

/* Drops CAP_MAC_ADMIN from this task's effective set; returns 0 or -1. */
static inline int drop_cap_mac_admin(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_MAC_ADMIN / 32].effective &= ~(1u << (CAP_MAC_ADMIN % 32));
	return syscall(SYS_capset, &hdr, data) ? -1 : 0;
}

/* Runs @fn in a child; returns the child's exit status, or -1 if it did not exit. */
static inline int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * Reading krsi's audit records: the selftests listen on audit's read-log
 * multicast group, as krsictl events does, which gets every record kauditd
 * delivers, with or without auditd. Records arrive asynchronously (kauditd
 * sends them some milliseconds after the event, more on the debug kernel):
 * wait seconds, not milliseconds.
 */
#include <poll.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/audit.h>
#include <linux/netlink.h>

/* Room for one record's text (MAX_AUDIT_MESSAGE_LENGTH of kernel/audit.h is 8970). */
#define AUDIT_TEXT_MAX 9000
/* How long a test waits for a record that must come. */
#define AUDIT_WAIT_MS 10000

/*
 * Opens a netlink audit socket bound to the read-log multicast group (needs
 * CAP_AUDIT_READ); returns it, or -1 with errno.
 */
static inline int audit_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1),
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT), err;
	int size = 4 << 20;

	if (fd < 0)
		return -1;
	/* Room for bursts; root may go beyond net.core.rmem_max. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static inline long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Waits up to @timeout_ms for the next krsi record on @fd (AUDIT_KRSI_ACCESS
 * or AUDIT_KRSI_CONFIG_CHANGE; other types are skipped) and copies its text,
 * "audit(<sec>.<ms>:<serial>): <fields>", NUL-terminated and without a
 * trailing newline, to @text. Returns the record's type, 0 on timeout, -1 on
 * error. When the socket's queue overflowed (records were dropped for it:
 * ENOBUFS), *@overflows (if given) is incremented and reading goes on.
 */
static inline int audit_next(int fd, int timeout_ms, char *text, size_t size, int *overflows)
{
	static union {
		struct nlmsghdr nlh;
		char buf[AUDIT_TEXT_MAX + NLMSG_HDRLEN + 64];
	} u;
	long long deadline = monotonic_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - monotonic_ms();
		struct nlmsghdr *nlh;
		ssize_t len;
		int ret;

		if (left < 0)
			left = 0;
		ret = poll(&pfd, 1, left);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -1;
		if (ret == 0)
			return 0;
		len = recv(fd, u.buf, sizeof(u.buf), MSG_DONTWAIT);
		if (len < 0) {
			if (errno == ENOBUFS && overflows)
				(*overflows)++;
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		/* kauditd multicasts one record per message, with a standard nlmsg_len. */
		for (nlh = &u.nlh; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
			size_t n = nlh->nlmsg_len - NLMSG_HDRLEN;

			if (nlh->nlmsg_type != AUDIT_KRSI_ACCESS &&
			    nlh->nlmsg_type != AUDIT_KRSI_CONFIG_CHANGE)
				continue;
			if (n >= size)
				n = size - 1;
			memcpy(text, NLMSG_DATA(nlh), n);
			text[n] = '\0';
			n = strlen(text);
			while (n && text[n - 1] == '\n')
				text[--n] = '\0';
			return nlh->nlmsg_type;
		}
	}
}

/*
 * Copies the value of field @key of record text @text to @out: the text
 * between the quotes of a quoted value, else up to the next space. @key
 * matches only a whole key (" prog_id=" does not match in "old_prog_id=").
 * Returns 0, or -1 if the record has no such field or @out is too small.
 */
static inline int audit_field(const char *text, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key), n;
	const char *p, *v, *end;

	for (p = strstr(text, key); p; p = strstr(p + 1, key))
		if (p > text && p[-1] == ' ' && p[klen] == '=')
			break;
	if (!p)
		return -1;
	v = p + klen + 1;
	if (*v == '"') {
		end = strchr(++v, '"');
		if (!end)
			return -1;
	} else {
		end = v + strcspn(v, " ");
	}
	n = end - v;
	if (n >= size)
		return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

/*
 * Whether record text @text has every field of @match, a list of
 * "key=value" words (values unquoted) separated by single spaces.
 */
static inline bool audit_matches(const char *text, const char *match)
{
	char want[512], got[AUDIT_TEXT_MAX], *word, *save, *eq;

	snprintf(want, sizeof(want), "%s", match);
	for (word = strtok_r(want, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
		eq = strchr(word, '=');
		if (!eq)
			return false;
		*eq = '\0';
		if (audit_field(text, word, got, sizeof(got)) || strcmp(got, eq + 1))
			return false;
	}
	return true;
}

/*
 * Waits up to @timeout_ms for the next record of @type whose fields match
 * @match (see audit_matches()), skipping every other record; copies its text
 * to @text. Returns 0, or ETIMEDOUT or the errno of a failed read.
 */
static inline int audit_wait(int fd, int type, const char *match, int timeout_ms,
			     char *text, size_t size)
{
	long long deadline = monotonic_ms() + timeout_ms;

	for (;;) {
		long long left = deadline - monotonic_ms();
		int got = audit_next(fd, left > 0 ? left : 0, text, size, NULL);

		if (got < 0)
			return errno;
		if (!got)
			return ETIMEDOUT;
		if (got == type && audit_matches(text, match))
			return 0;
	}
}

/*
 * Waits for the configuration record of @op on program @id of @hook whose
 * other fields match @fields (see audit_matches()); copies it to @text, of
 * AUDIT_TEXT_MAX bytes. Returns 0, or ETIMEDOUT or the errno of a failed read.
 */
static inline int audit_config(int fd, const char *op, const char *hook, __u32 id,
			       const char *fields, char *text)
{
	char match[384];

	snprintf(match, sizeof(match), "op=%s hook=%s prog_id=%u %s", op, hook, id, fields);
	return audit_wait(fd, AUDIT_KRSI_CONFIG_CHANGE, match, AUDIT_WAIT_MS, text,
			  AUDIT_TEXT_MAX);
}

/*
 * Reads and drops krsi records until none came for @quiet_ms, or for at most
 * @max_ms; returns how many were dropped (the overflows in *@overflows).
 */
static inline int audit_drain(int fd, int quiet_ms, int max_ms, int *overflows)
{
	static char text[AUDIT_TEXT_MAX];
	long long deadline = monotonic_ms() + max_ms;
	int n = 0;

	while (monotonic_ms() < deadline &&
	       audit_next(fd, quiet_ms, text, sizeof(text), overflows) > 0)
		n++;
	return n;
}

#include "audit_status.h"

/* The listing line of program @id on @hook, in a static buffer; "" if none. */
static inline const char *listed_line(const char *hook, __u32 id)
{
	static char buf[LISTING_MAX], line[512];
	char prefix[16], *l;
	int n = snprintf(prefix, sizeof(prefix), "%u ", id);

	line[0] = '\0';
	if (listing(hook, buf, sizeof(buf)) < 0)
		return line;
	for (l = buf; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] ? 1 : 0)) {
		size_t len = strcspn(l, "\n");

		if (!strncmp(l, prefix, n) && len < sizeof(line)) {
			memcpy(line, l, len);
			line[len] = '\0';
			break;
		}
	}
	return line;
}

/* Field @key of program @id's listing line on @hook, in a static buffer; "" if none. */
static inline const char *listed(const char *hook, __u32 id, const char *key)
{
	static char val[64];

	if (audit_field(listed_line(hook, id), key, val, sizeof(val)))
		val[0] = '\0';
	return val;
}

/* A counter of program @id's listing line on @hook, or -1. */
static inline long count_of(const char *hook, __u32 id, const char *key)
{
	const char *v = listed(hook, id, key);

	return *v ? strtol(v, NULL, 10) : -1;
}

#endif /* KRSI_SELFTESTS_COMMON_H */
