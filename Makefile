# SPDX-License-Identifier: GPL-2.0
# krsi - out-of-tree driver: toolchain, kernel fetch, graft, build, boot, test.
#
#   make            provision, build the kernel with krsi, boot it and show krsi at work
#   make check      host unit tests plus the selftests in QEMU; ends "N passed, N failed"
#   make deps       install what is missing (Debian packages, bindgen, pahole)
#   make kernel     fetch (or use KDIR=), graft, configure and build the selftest
#                   kernel (a debug kernel: KASAN, lockdep, kmemleak, UBSAN...)
#   make selftests  build the selftests for the guest (the kselftest target krsi)
#                   after the kernel (selftests-only: for the kernel built last)
#   make vm         boot the kernel and run the selftests (scripts/vm-run)
#   make bench      hook overhead of krsi against mainline BPF LSM (scripts/bench)
#   make lint       rustfmt and clippy on the host-side Rust (the kernel build
#                   itself always runs krsi's Rust through clippy)
#   make install    krsictl (release), its man pages (section 8) and its bash,
#                   zsh and fish completions into DESTDIR/PREFIX (PREFIX=/usr/local
#                   by default); needs cargo only, not the kernel
#
#   make check-all  make check on every supported kernel (what CI runs)
#
# KERNEL=6.12 (the default) or KERNEL=7.2 picks Debian's kernel source to
# build against; KDIR=<kernel tree> builds against your own tree instead. The
# cache lives in KRSI_CACHE (default ~/.cache/krsi): tools and kernel sources
# at its top, the builds of KERNEL=6.12 too, those of another kernel in
# KRSI_CACHE/kernel-<version>.

KERNEL ?= 6.12
SUPPORTED_KERNELS := 6.12 7.2
ifeq ($(filter $(KERNEL),$(SUPPORTED_KERNELS)),)
$(error KERNEL=$(KERNEL) is not supported: one of $(SUPPORTED_KERNELS))
endif
KRSI_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/krsi
KRSI_HOME := $(KRSI_CACHE)
ifneq ($(KERNEL),6.12)
override KRSI_CACHE := $(KRSI_HOME)/kernel-$(KERNEL)
endif
KRSI_KERNEL := $(KERNEL)
export KRSI_CACHE KRSI_HOME KRSI_KERNEL
ifneq ($(KDIR),)
export KDIR
endif

# The kernel tree scripts/build-kernel uses when KDIR is not given.
KTREE = $(or $(KDIR),$(KRSI_HOME)/linux-source-$(KERNEL))

# Where make install puts krsictl, under $(DESTDIR).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d

.PHONY: all demo deps kernel selftests selftests-only vm bench check check-all lint hostcheck install

all: demo

deps:
	@scripts/deps

# The selftest kernel is a debug kernel (selftests/config-guest and config-debug).
kernel: deps
	@KRSI_FRAGMENTS="$(CURDIR)/selftests/config-guest $(CURDIR)/selftests/config-debug" \
		scripts/build-kernel >/dev/null

lint:
	@scripts/check --lint-only

# The selftests are the grafted tree's kselftest target "krsi" (selftests/Makefile),
# built into the kernel's build directory and installed with the kernel's runner
# (run_kselftest.sh) into KRSI_CACHE/kselftest.
# selftests-only builds them for the kernel built last, without building it
# again (make check builds the kernel first, then this).
selftests: kernel
	@$(MAKE) -s --no-print-directory selftests-only

selftests-only:
	@$(MAKE) -s -C $(KTREE)/tools/testing/selftests TARGETS=krsi LLVM=-19 \
		O=$(realpath $(KRSI_CACHE)/current) VMLINUX=$(KRSI_CACHE)/current/vmlinux \
		CARGO_TARGET_DIR=$(KRSI_HOME)/userspace-target \
		INSTALL_PATH=$(KRSI_CACHE)/kselftest install >/dev/null
	@$(MAKE) -s -C bench KDIR=$(KTREE) VMLINUX=$(KRSI_CACHE)/current/vmlinux \
		OUTPUT=$(KRSI_CACHE)/bench-build INSTALL_PATH=$(KRSI_CACHE)/bench install
	@mkdir -p $(KRSI_CACHE)/bin && cp $(KRSI_CACHE)/kselftest/krsi/krsictl $(KRSI_CACHE)/bin/

vm: selftests
	@scripts/vm-run

demo: selftests
	@scripts/vm-run --add scripts/demo.sh:/krsi/demo.sh -- sh /krsi/demo.sh

bench: selftests
	@scripts/bench

hostcheck:
	@scripts/check --host-only

check:
	@scripts/check $(CHECK_FLAGS)

check-all:
	@scripts/check-all $(SUPPORTED_KERNELS)

# krsictl's build script generates its man pages and completions (from its
# clap definitions) into its OUT_DIR; cargo's messages say where that is, and
# where the binary is.
install:
	@set -e; cd userspace; \
	msgs=$$(cargo build --quiet --release -p krsictl --message-format=json-render-diagnostics); \
	bin=$$(printf '%s\n' "$$msgs" | sed -n 's/^{"reason":"compiler-artifact","package_id":"[^"]*\/krsictl#.*"executable":"\([^"]*\)".*/\1/p'); \
	out=$$(printf '%s\n' "$$msgs" | sed -n 's/^{"reason":"build-script-executed","package_id":"[^"]*\/krsictl#.*"out_dir":"\([^"]*\)".*/\1/p'); \
	if [ -z "$$bin" ] || [ -z "$$out" ]; then \
		echo "make install: cargo's messages do not say where krsictl or its man pages are" >&2; exit 1; \
	fi; \
	install -D -m 0755 "$$bin" "$(DESTDIR)$(BINDIR)/krsictl"; \
	install -d "$(DESTDIR)$(MANDIR)/man8"; \
	install -m 0644 "$$out"/man/krsictl*.8 "$(DESTDIR)$(MANDIR)/man8/"; \
	install -D -m 0644 "$$out/completions/krsictl.bash" "$(DESTDIR)$(BASHCOMPDIR)/krsictl"; \
	install -D -m 0644 "$$out/completions/_krsictl" "$(DESTDIR)$(ZSHCOMPDIR)/_krsictl"; \
	install -D -m 0644 "$$out/completions/krsictl.fish" "$(DESTDIR)$(FISHCOMPDIR)/krsictl.fish"; \
	echo "installed krsictl, its man pages and completions under $(DESTDIR)$(PREFIX)"
