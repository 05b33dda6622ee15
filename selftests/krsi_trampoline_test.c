// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - selftests of what krsi promises a program, as the BPF trampoline does
 *
 * The argument count before the context, context writes, the CPU state a
 * chain runs in, a blocked sleepable program, hook classes, what the verifier
 * allows on every hook, and the ioctl ABI from 32-bit userspace.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/krsi.h>

#include "kselftest_harness.h"
#include "common.h"
#include "progs/krsi_trampoline.h"

#define OBJ test_file("krsi_trampoline.bpf.o")
#define HOOK_LIST "/krsi/hooks.list"
#define COMPAT32 test_file("krsi_compat32")

static const char *const used_hooks[] = {
	"file_open", "file_mprotect", "task_prctl", "inode_setxattr",
	"socket_getpeersec_stream", "inode_xattr_skipcap", "task_kill",
	"bprm_check_security", "file_free_security",
};

/* The object with every program loaded, so that all share its maps. */
struct objs {
	struct bpf_object *obj;
	int cfg_fd, seen_fd;
};

static int open_all(struct objs *o, __u64 uaddr)
{
	struct cfg c = { .tgid = getpid(), .uaddr = uaddr };
	struct bpf_program *p;
	__u32 key = 0;

	o->obj = bpf_object__open_file(OBJ, NULL);
	if (!o->obj)
		return -1;
	/* The hook of a kernel without it (first-wins hooks) is loaded on its own. */
	bpf_object__for_each_program(p, o->obj)
		if (!strcmp(bpf_program__name(p), "flow_match"))
			bpf_program__set_autoload(p, false);
	if (bpf_object__load(o->obj))
		return -1;
	o->cfg_fd = bpf_object__find_map_fd_by_name(o->obj, "cfg_map");
	o->seen_fd = bpf_object__find_map_fd_by_name(o->obj, "seen_map");
	if (o->cfg_fd < 0 || o->seen_fd < 0)
		return -1;
	return bpf_map_update_elem(o->cfg_fd, &key, &c, BPF_ANY);
}

static int prog_fd(struct objs *o, const char *name)
{
	return bpf_program__fd(bpf_object__find_program_by_name(o->obj, name));
}

static __u32 fd_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

static __u32 attach_prog(struct objs *o, const char *hook, const char *name)
{
	return attach_fd(hook, prog_fd(o, name));
}

/* Forgets what program @which saw, right before the call the test checks. */
static int reset_seen(struct objs *o, __u32 which)
{
	struct seen zero = {};

	return bpf_map_update_elem(o->seen_fd, &which, &zero, BPF_ANY);
}

static int get_seen(struct objs *o, __u32 which, struct seen *s)
{
	return bpf_map_lookup_elem(o->seen_fd, &which, s);
}

FIXTURE(tramp) {
	struct objs o;
};

FIXTURE_SETUP(tramp)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(used_hooks); i++)
		ASSERT_EQ(0, detach_all(used_hooks[i]));
	ASSERT_EQ(0, open_all(&self->o, 0));
}

FIXTURE_TEARDOWN(tramp)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(used_hooks); i++)
		detach_all(used_hooks[i]);
	bpf_object__close(self->o.obj);
}

/* Checks that @s saw @n argument slots equal to @want, and the result 0. */
static void expect_args(struct __test_metadata *_metadata, const struct seen *s, int n,
			const __u64 *want, const bool *check)
{
	int i;

	EXPECT_EQ(1, s->hits);
	EXPECT_EQ(n, s->cnt);
	for (i = 0; i < MAX_SLOTS; i++) {
		if (i < n) {
			EXPECT_EQ(0, s->arg_err[i]) TH_LOG("slot %d", i);
			if (check[i])
				EXPECT_EQ(want[i], s->args[i]) TH_LOG("slot %d", i);
		} else {
			EXPECT_EQ(-EINVAL, s->arg_err[i]) TH_LOG("slot %d", i);
		}
	}
	/* The result so far, from the slot after the arguments. */
	EXPECT_EQ(0, s->ret_err);
	EXPECT_EQ(0, s->ret);
}

/*
 * bpf_get_func_arg_cnt(), bpf_get_func_arg() and bpf_get_func_ret() read the
 * argument count the trampoline stores before the context: on hooks with 1,
 * 3, 5 and 6 arguments, and 4 arguments in 6 slots (two sockptr_t by value).
 */
TEST_F_TIMEOUT(tramp, func_arg_helpers, 120)
{
	struct seen s;
	char *page;
	int fd, sv[2];
	char buf[64];
	socklen_t len = 7;

	ASSERT_NE(0, attach_prog(&self->o, "file_open", "args_file_open"));
	ASSERT_NE(0, attach_prog(&self->o, "file_mprotect", "args_mprotect"));
	ASSERT_NE(0, attach_prog(&self->o, "task_prctl", "args_prctl"));
	ASSERT_NE(0, attach_prog(&self->o, "inode_setxattr", "args_setxattr"));
	ASSERT_NE(0, attach_prog(&self->o, "socket_getpeersec_stream", "args_peersec"));

	/* 1 argument: the file (its address is not known here). */
	ASSERT_EQ(0, reset_seen(&self->o, SEEN_FILE_OPEN));
	fd = open("/tmp/krsi-args", O_RDWR | O_CREAT, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, get_seen(&self->o, SEEN_FILE_OPEN, &s));
	expect_args(_metadata, &s, 1, (__u64[]){ 0 }, (bool[]){ false });
	EXPECT_NE(0, s.args[0]);

	/* 3: vma, reqprot, prot. */
	page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, reset_seen(&self->o, SEEN_MPROTECT));
	ASSERT_EQ(0, mprotect(page, 4096, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, get_seen(&self->o, SEEN_MPROTECT, &s));
	expect_args(_metadata, &s, 3, (__u64[]){ 0, PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE },
		    (bool[]){ false, true, true });
	munmap(page, 4096);

	/* 5: all of them ours. */
	ASSERT_EQ(0, reset_seen(&self->o, SEEN_PRCTL));
	prctl(0x4b525349, 11UL, 22UL, 33UL, 44UL);
	ASSERT_EQ(0, get_seen(&self->o, SEEN_PRCTL, &s));
	expect_args(_metadata, &s, 5, (__u64[]){ 0x4b525349, 11, 22, 33, 44 },
		    (bool[]){ true, true, true, true, true });

	/* 6, the most any hook has: idmap, dentry, name, value, size, flags. */
	ASSERT_EQ(0, reset_seen(&self->o, SEEN_SETXATTR));
	ASSERT_EQ(0, fsetxattr(fd, "user.krsi", "abc", 3, XATTR_CREATE));
	ASSERT_EQ(0, get_seen(&self->o, SEEN_SETXATTR, &s));
	expect_args(_metadata, &s, 6, (__u64[]){ 0, 0, 0, 0, 3, XATTR_CREATE },
		    (bool[]){ false, false, false, false, true, true });
	close(fd);
	unlink("/tmp/krsi-args");

	/*
	 * 4 arguments, 6 slots: sock, optval {ptr, is_kernel}, optlen {ptr,
	 * is_kernel}, len. The slot of is_kernel holds a bool and the struct's
	 * padding, which is whatever the caller left there, as in a register.
	 */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, reset_seen(&self->o, SEEN_PEERSEC));
	EXPECT_EQ(-1, getsockopt(sv[0], SOL_SOCKET, SO_PEERSEC, buf, &len));
	ASSERT_EQ(0, get_seen(&self->o, SEEN_PEERSEC, &s));
	expect_args(_metadata, &s, 6,
		    (__u64[]){ 0, (unsigned long)buf, 0, (unsigned long)&len, 0, 7 },
		    (bool[]){ false, true, false, true, false, true });
	EXPECT_EQ(0, s.args[2] & 0xff);
	EXPECT_EQ(0, s.args[4] & 0xff);
	close(sv[0]);
	close(sv[1]);
}

/*
 * The verifier lets an LSM program store into its context, and the
 * trampoline hands every program of a hook the same context: a later program
 * sees the arguments an earlier one wrote, and the result slot holds the
 * previous program's result (0), whatever was written there. krsi does the
 * same; the hook's caller is not affected.
 */
TEST_F(tramp, context_writes)
{
	struct seen s;

	ASSERT_NE(0, attach_prog(&self->o, "file_open", "ctx_writer"));
	ASSERT_NE(0, attach_prog(&self->o, "file_open", "ctx_reader"));
	ASSERT_EQ(0, reset_seen(&self->o, SEEN_WRITER));
	ASSERT_EQ(0, reset_seen(&self->o, SEEN_READER));
	EXPECT_EQ(0, try_open("/tmp/krsi-ctx"));
	ASSERT_EQ(0, get_seen(&self->o, SEEN_WRITER, &s));
	EXPECT_EQ(1, s.hits);
	ASSERT_EQ(0, get_seen(&self->o, SEEN_READER, &s));
	EXPECT_EQ(1, s.hits);
	EXPECT_EQ(0x4b525349, s.arg0);
	EXPECT_EQ(0, s.ret_slot);
	EXPECT_EQ(0, s.ret_err);
	EXPECT_EQ(0, s.ret);
}

/*
 * Runs the cpu_state program once on file_open and checks how its chain was
 * kept on its CPU: by disabling preemption (@preempt) or migration.
 */
static void expect_pinned(struct __test_metadata *_metadata, struct objs *o, bool preempt)
{
	struct seen s;

	ASSERT_EQ(0, reset_seen(o, SEEN_CPU));
	EXPECT_EQ(0, try_open("/tmp/krsi-cpu"));
	ASSERT_EQ(0, get_seen(o, SEEN_CPU, &s));
	EXPECT_EQ(1, s.hits);
	EXPECT_EQ((__u64)preempt, s.preempt);
	EXPECT_EQ(!preempt, s.migration_disabled != 0);
}

#define SCHED_PREEMPT "/sys/kernel/debug/sched/preempt"

/* Sets PREEMPT_DYNAMIC's mode; 0 or errno. */
static int preempt_mode(const char *mode)
{
	int err = mount_debugfs();

	return err ? err : write_str(SCHED_PREEMPT, mode);
}

/*
 * What a chain may assume, as __bpf_prog_enter() guarantees it: it stays on
 * its CPU. Where the kernel preempts kernel code (PREEMPT, PREEMPT_RT,
 * PREEMPT_DYNAMIC in full or lazy mode), the chain is preemptible, with
 * migration disabled, as under the trampoline. Where it does not
 * (PREEMPT_DYNAMIC in none or voluntary mode), krsi disables preemption
 * instead, which keeps the task on its CPU and changes nothing a program can
 * tell but the count. The selftest kernel is PREEMPT_DYNAMIC: both modes are
 * tried, switched at run time.
 */
TEST_F(tramp, chain_stays_on_its_cpu_preemptible_as_the_kernel)
{
	struct utsname u;
	int err;

	ASSERT_NE(0, attach_prog(&self->o, "file_open", "cpu_state"));
	ASSERT_EQ(0, uname(&u));
	if (strstr(u.version, "PREEMPT_DYNAMIC")) {
		/* 7.x offers only full and lazy where the architecture has lazy. */
		err = preempt_mode("voluntary");
		if (err != EINVAL) {
			ASSERT_EQ(0, err);
			expect_pinned(_metadata, &self->o, true);
			ASSERT_EQ(0, preempt_mode("none"));
			expect_pinned(_metadata, &self->o, true);
		}
		err = preempt_mode("lazy");
		if (err != EINVAL) {
			ASSERT_EQ(0, err);
			expect_pinned(_metadata, &self->o, false);
		}
		ASSERT_EQ(0, preempt_mode("full"));
	} else {
		ASSERT_NE(NULL, strstr(u.version, "PREEMPT")) TH_LOG("%s", u.version);
	}
	expect_pinned(_metadata, &self->o, false);
}

struct blocked {
	int err;
	bool done;
};

static void *open_blocked(void *arg)
{
	struct blocked *b = arg;

	b->err = try_open("/tmp/krsi-block");
	__atomic_store_n(&b->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A sleepable program blocked for as long as userspace likes (it reads user
 * memory a userfaultfd leaves missing) holds RCU Tasks Trace readers; no
 * control operation may wait for it: attach, detach and listing on other
 * hooks, atomic and sleepable, listing its own hook, and its own detach.
 */
TEST_F_TIMEOUT(tramp, blocked_sleepable_program_blocks_no_control_operation, 60)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {};
	struct uffdio_zeropage zero = {};
	struct uffd_msg msg;
	struct pollfd pfd;
	struct blocked b = {};
	struct objs o;
	pthread_t th;
	__u32 block_id, id;
	char buf[4096];
	double start;
	int uffd;
	void *page;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	ASSERT_LE(0, uffd);
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	reg.range.start = (unsigned long)page;
	reg.range.len = 4096;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	/* A second copy of the object whose program reads the missing page. */
	ASSERT_EQ(0, open_all(&o, (unsigned long)page));
	block_id = attach_prog(&o, "file_open", "block_open");
	ASSERT_NE(0, block_id);

	ASSERT_EQ(0, pthread_create(&th, NULL, open_blocked, &b));
	pfd = (struct pollfd){ .fd = uffd, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 10000));
	ASSERT_EQ(sizeof(msg), read(uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);

	/* The program is blocked inside its hook now. */
	start = now();
	id = attach_prog(&self->o, "task_kill", "args_file_open");
	EXPECT_EQ(0, id) TH_LOG("a file_open program on task_kill");
	EXPECT_EQ(EINVAL, errno);
	id = attach_prog(&self->o, "file_mprotect", "args_mprotect");
	ASSERT_NE(0, id);
	EXPECT_LT(0, listing("file_mprotect", buf, sizeof(buf)));
	EXPECT_EQ(0, detach("file_mprotect", id));
	id = attach_prog(&self->o, "task_prctl", "args_prctl");
	ASSERT_NE(0, id);
	EXPECT_EQ(0, detach("task_prctl", id));
	EXPECT_LT(0, listing("file_open", buf, sizeof(buf)));
	EXPECT_LE(0, read_file(HOOK_DIR "status", buf, sizeof(buf)));
	EXPECT_EQ(0, detach("file_open", block_id));
	EXPECT_FALSE(__atomic_load_n(&b.done, __ATOMIC_ACQUIRE));
	EXPECT_GT(5.0, now() - start) TH_LOG("control operations took %.1f s", now() - start);
	/* The detached program no longer runs for new calls. */
	EXPECT_EQ(0, try_open("/tmp/krsi-block"));

	/* Unblock it: the open completes and the reference goes once it is done. */
	zero.range.start = (unsigned long)page;
	zero.range.len = 4096;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_ZEROPAGE, &zero));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(0, b.err);
	bpf_object__close(o.obj);
	EXPECT_TRUE(released(block_id));
	close(uffd);
	munmap(page, 4096);
}

/* Loads "r0 = 0; exit" for hook @hook, sleepable or not; returns the fd or -errno. */
static int load_trivial(struct btf *vmlinux, const char *hook, bool sleepable)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_LSM_MAC,
		    .prog_flags = sleepable ? BPF_F_SLEEPABLE : 0);
	char func[128];
	int id, fd;

	snprintf(func, sizeof(func), "bpf_lsm_%s", hook);
	id = btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC);
	if (id < 0)
		return id;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_LSM, "trivial", "GPL", insns, 2, &opts);
	return fd < 0 ? -errno : fd;
}

/* Sets the effective capabilities to @keep only; returns 0 or errno. */
static int keep_caps(__u64 keep)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return errno;
	data[0].effective = keep & 0xffffffff;
	data[1].effective = keep >> 32;
	return syscall(SYS_capset, &hdr, data) ? errno : 0;
}

/* Without CAP_SYS_ADMIN, sets the xattr security.krsi on @arg; exits with 0 or errno. */
static int setxattr_without_sys_admin(void *arg)
{
	if (keep_caps(1ULL << CAP_MAC_ADMIN))
		return 100;
	return setxattr(arg, "security.krsi", "x", 1, 0) ? errno : 0;
}

/*
 * Hook classes: inode_xattr_skipcap's programs answer 0 or 1 and 1 skips the
 * capability check, so it grants and is counted as true=, not denied=;
 * xfrm_state_pol_flow_match asks only the first LSM registered (bpf is
 * registered too), so krsi refuses programs there; setselfattr only asks the
 * LSM a caller names, so krsi offers no file for it.
 */
TEST_F(tramp, hook_classes)
{
	struct btf *vmlinux;
	char buf[4096], before[4096];
	struct prog p;
	struct stat st;
	__u32 id;
	int fd;

	fd = open("/tmp/krsi-xattr", O_RDWR | O_CREAT, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(EPERM, in_child(setxattr_without_sys_admin, "/tmp/krsi-xattr"));
	id = attach_prog(&self->o, "inode_xattr_skipcap", "skipcap");
	ASSERT_NE(0, id);
	EXPECT_EQ(0, in_child(setxattr_without_sys_admin, "/tmp/krsi-xattr"));
	ASSERT_LT(0, listing("inode_xattr_skipcap", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, " true=1 ")) TH_LOG("%s", buf);
	EXPECT_EQ(NULL, strstr(buf, "denied=")) TH_LOG("%s", buf);
	EXPECT_EQ(0, detach("inode_xattr_skipcap", id));
	unlink("/tmp/krsi-xattr");

	/* An errno hook counts denials; a void hook has no result counter. */
	id = attach_prog(&self->o, "file_open", "args_file_open");
	ASSERT_NE(0, id);
	ASSERT_LT(0, listing("file_open", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, " denied=0 ")) TH_LOG("%s", buf);
	EXPECT_EQ(0, detach("file_open", id));
	vmlinux = btf__load_vmlinux_btf();
	ASSERT_NE(NULL, vmlinux);
	fd = load_trivial(vmlinux, "file_free_security", false);
	ASSERT_LE(0, fd);
	id = attach_fd("file_free_security", fd);
	ASSERT_NE(0, id);
	ASSERT_LT(0, listing("file_free_security", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, " runs=")) TH_LOG("%s", buf);
	EXPECT_EQ(NULL, strstr(buf, "denied=")) TH_LOG("%s", buf);
	EXPECT_EQ(NULL, strstr(buf, "true=")) TH_LOG("%s", buf);
	EXPECT_EQ(0, detach("file_free_security", id));
	close(fd);
	btf__free(vmlinux);

	EXPECT_EQ(-1, stat(HOOK_DIR "setselfattr", &st));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, stat(HOOK_DIR "xfrm_state_pol_flow_match", &st));
	ASSERT_EQ(0, load_prog(OBJ, "flow_match", &p));
	ASSERT_LE(0, listing("xfrm_state_pol_flow_match", before, sizeof(before)));
	EXPECT_EQ(0, attach_fd("xfrm_state_pol_flow_match", p.fd));
	EXPECT_EQ(EOPNOTSUPP, errno);
	ASSERT_LE(0, listing("xfrm_state_pol_flow_match", buf, sizeof(buf)));
	EXPECT_STREQ(before, buf);
	unload(&p);
}

/*
 * On every hook krsi offers, a program the verifier accepts attaches, runs
 * and detaches, and a sleepable one is accepted by krsi exactly where the
 * verifier accepts it: krsi's sleepable hooks are the kernel's, and a
 * sleepable program can never reach a hook that krsi runs under plain RCU.
 */
TEST_F_TIMEOUT(tramp, every_hook_takes_what_the_verifier_allows, 300)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	char names[16384], *hook, *save;
	int hooks = 0, sleepable = 0, fd;
	__u32 id;

	ASSERT_NE(NULL, vmlinux);
	ASSERT_LT(0, read_file(HOOK_LIST, names, sizeof(names)));
	for (hook = strtok_r(names, "\n", &save); hook; hook = strtok_r(NULL, "\n", &save)) {
		bool first_wins = !strcmp(hook, "xfrm_state_pol_flow_match");
		int kinds;

		for (kinds = 0; kinds < 2; kinds++) {
			fd = load_trivial(vmlinux, hook, kinds);
			if (!kinds)
				ASSERT_LE(0, fd) TH_LOG("%s: load: %d", hook, fd);
			if (fd < 0)
				continue;
			id = attach_fd(hook, fd);
			if (first_wins) {
				EXPECT_EQ(0, id) TH_LOG("%s", hook);
			} else {
				EXPECT_EQ(fd_id(fd), id) TH_LOG("%s sleepable=%d: %d", hook, kinds, errno);
				/*
				 * A hook sealed by krsi_control_test takes the
				 * append and keeps the program until reboot.
				 */
				EXPECT_EQ(hook_sealed(hook) ? EROFS : 0, detach(hook, id))
					TH_LOG("%s", hook);
			}
			sleepable += kinds;
			close(fd);
		}
		hooks++;
	}
	TH_LOG("%d hooks, %d of them sleepable", hooks, sleepable);
	EXPECT_LT(200, hooks);
	EXPECT_LT(0, sleepable);
	btf__free(vmlinux);
}

/*
 * A 32-bit task attaches and detaches through the same ioctls (compat_ioctl):
 * krsi_compat32 takes a program descriptor and prints the id it got.
 */
TEST_F(tramp, compat_ioctl_from_32_bit)
{
	int fd = prog_fd(&self->o, "args_file_open"), pipefd[2], status;
	char out[64] = "", arg[16];
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* BPF descriptors are close-on-exec; a dup() is not. */
		snprintf(arg, sizeof(arg), "%d", dup(fd));
		dup2(pipefd[1], 1);
		execl(COMPAT32, COMPAT32, "file_open", arg, NULL);
		_exit(127);
	}
	close(pipefd[1]);
	ASSERT_LT(0, read(pipefd[0], out, sizeof(out) - 1));
	close(pipefd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s", out);
	EXPECT_EQ(fd_id(fd), strtoul(out, NULL, 10)) TH_LOG("%s", out);
	/* It detached again. */
	EXPECT_EQ(0, listing("file_open", out, sizeof(out)));
}

TEST_HARNESS_MAIN
