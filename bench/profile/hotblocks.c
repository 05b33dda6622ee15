// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - a QEMU TCG plugin: instructions executed per translation block
 *
 * For scripts/profile. Counts every block's executions inline and writes
 * "<vaddr> <instructions> <executions>" lines to <out> at exit and, each time
 * the guest runs the block at <snap> (krsi_bench's krsi_snap()), to
 * <out>.<n>, so that a window of a workload can be cut out. Arguments:
 * out=<path>, snap=<hex vaddr>. It declares the few plugin API functions it
 * uses (API version 1, as in QEMU 7.2), as Debian ships no qemu-plugin.h.
 * A block cut short (a fault, a rep string instruction) is counted whole.
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* From QEMU's include/qemu/qemu-plugin.h, API version 1. */
typedef uint64_t qemu_plugin_id_t;
typedef struct {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
} qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

struct block {
	uint64_t vaddr, insns, count;
	struct block *next;
};

#define BUCKETS (1 << 20)
static struct block *table[BUCKETS];
static const char *out = "hotblocks.out";
static uint64_t snap_vaddr;
static int snaps;

static void dump(const char *path)
{
	FILE *f = fopen(path, "w");
	struct block *b;
	unsigned int i;

	if (!f)
		return;
	for (i = 0; i < BUCKETS; i++)
		for (b = table[i]; b; b = b->next)
			if (b->count)
				fprintf(f, "%016" PRIx64 " %" PRIu64 " %" PRIu64 "\n",
					b->vaddr, b->insns, b->count);
	fclose(f);
}

static void snap(unsigned int vcpu, void *data)
{
	char path[512];

	snprintf(path, sizeof(path), "%s.%d", out, snaps++);
	dump(path);
}

static void translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb), insns = qemu_plugin_tb_n_insns(tb);
	unsigned int h = (vaddr ^ (vaddr >> 20) ^ insns * 0x9e37) & (BUCKETS - 1);
	struct block *b;

	/* A block translated again (flushed, or another length) keeps one counter. */
	for (b = table[h]; b; b = b->next)
		if (b->vaddr == vaddr && b->insns == insns)
			break;
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			abort();
		b->vaddr = vaddr;
		b->insns = insns;
		b->next = table[h];
		table[h] = b;
	}
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->count, 1);
	if (snap_vaddr && vaddr == snap_vaddr)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, snap, QEMU_PLUGIN_CB_NO_REGS, NULL);
}

static void at_exit(qemu_plugin_id_t id, void *data)
{
	dump(out);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			out = argv[i] + 4;
		else if (!strncmp(argv[i], "snap=", 5))
			snap_vaddr = strtoull(argv[i] + 5, NULL, 16);
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, translate);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
