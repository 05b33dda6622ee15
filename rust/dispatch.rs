// SPDX-License-Identifier: GPL-2.0

//! krsi - dispatch: run a hook's programs from its callback.
//!
//! This is the hot path. It takes no lock, allocates nothing and touches no string: it reads the
//! hook's published program array in the hook path's RCU read side ([`HookGuard`]) and runs the
//! programs, a chain of non-sleepable ones in that section (see [`Entered`]), a chain with a
//! sleepable program under RCU Tasks Trace through the trampoline enter/exit functions resolved
//! at attach time.
//!
//! A callback builds the frame the BPF trampoline builds: one slot holding the number of argument
//! slots (read by `bpf_get_func_arg_cnt()`, `bpf_get_func_arg()` and `bpf_get_func_ret()` at
//! `ctx[-1]`), then the context the programs see: the arguments, then the result so far. The
//! verifier lets an LSM program store into its context, as it does for the trampoline, which
//! hands every program the same context: a later program sees arguments an earlier one changed,
//! and on an int hook the result slot holds the previous program's result, 0, since the chain
//! stopped otherwise. krsi does the same: it stores 0 there after each program of an int hook,
//! when the array holds a program that the verifier let access the slot (only such a program can
//! have written it); other chains, nearly all, run a loop without the store.
//!
//! The callback of a hook keeps inline what the common chains need: one test of the chain's kind
//! (`Kind`), then for a chain of one program that is not sleepable, scoped or resetting the result
//! slot (or is scoped only) the section entered ([`Entered`]) and the program called. A plain
//! chain of several programs runs in `run_many`, called straight from the callback, any other
//! chain in `run_other`; each is one function shared by all hooks, with the loop: what a callback
//! keeps live across a program's call decides how many registers it saves and restores on every
//! call, whatever its chain.
//!
//! A program of an audit-only attachment that returns non-zero does not stop the chain: the next
//! program runs as after a 0 (see `audit`). A scoped attachment whose cgroup does not hold the
//! hook's subject is skipped (see `scope`); an array without one runs the loop without the test.

use core::cell::UnsafeCell;
use core::mem::size_of;
use core::ptr;

use kernel::{bindings, ffi};

use crate::audit;
use crate::compat;
use crate::hooks::HookId;
use crate::progs::{state, Attachment, Kind, ProgArray, RunItem};
use crate::rcu::{HookGuard, ReadGuard};
use crate::scope::{Subject, SubjectCgroup};

/// The number of u64 context slots a hook argument of type `T` takes: one per 8 bytes, as in the
/// BPF trampoline (a struct passed by value, such as `sockptr_t`, may take two).
pub(crate) const fn slots<T>() -> usize {
    size_of::<T>().div_ceil(8)
}

/// Stores `v` at slot `i` of `ctx`, zero-extended; returns the next free slot.
#[inline(always)]
pub(crate) fn pack<T: Copy>(ctx: &mut [u64], i: usize, v: T) -> usize {
    let dst = &mut ctx[i..i + slots::<T>()];
    // SAFETY: `dst` is `slots::<T>() * 8 >= size_of::<T>()` bytes of valid, writable memory.
    unsafe { ptr::write_unaligned(dst.as_mut_ptr().cast::<T>(), v) };
    i + slots::<T>()
}

/// Whether BPF run-time statistics are on (`sysctl kernel.bpf_stats_enabled`); they are kept by
/// the trampoline enter/exit functions, so the fast path is not taken while they are. On x86-64
/// with jump labels, C's `static_branch_unlikely(&bpf_stats_enabled_key)`: a 5-byte no-op while
/// they are off.
#[inline(always)]
fn bpf_stats_enabled() -> bool {
    #[cfg(all(CONFIG_X86_64, CONFIG_JUMP_LABEL))]
    // SAFETY: the jump label x86's `arch_static_branch()` emits without objtool's help (without
    // `CONFIG_HAVE_JUMP_LABEL_HACK`): a 5-byte NOP that the kernel patches into a jump to `yes`
    // while the key is enabled, and its `__jump_table` entry (the code, the target, and the key
    // with the branch bit clear for a key that is off by default, each relative to its field).
    // It reads and writes nothing.
    unsafe {
        core::arch::asm!(
            "2: .byte 0x0f, 0x1f, 0x44, 0x00, 0x00",
            ".pushsection __jump_table, \"aw\"",
            ".balign 8",
            ".long 2b - .",
            ".long {yes} - .",
            ".quad {key} - .",
            ".popsection",
            key = sym bindings::bpf_stats_enabled_key,
            yes = label { return true },
            options(att_syntax, nomem, nostack, preserves_flags),
        );
        false
    }
    #[cfg(not(all(CONFIG_X86_64, CONFIG_JUMP_LABEL)))]
    // SAFETY: the key is a static of the kernel.
    unsafe {
        crate::progs::static_key_enabled(&raw const bindings::bpf_stats_enabled_key.key)
    }
}

/// The running task's `current->bpf_ctx`, at C's offset (`layout.h`).
#[inline(always)]
fn bpf_ctx(task: *mut bindings::task_struct) -> *mut *mut bindings::bpf_run_ctx {
    // SAFETY: `task` is the running task; the offset is that of its `bpf_ctx` member, a
    // `struct bpf_run_ctx *`.
    unsafe {
        task.cast::<u8>()
            .add(bindings::KRSI_TASK_BPF_CTX as usize)
            .cast::<*mut bindings::bpf_run_ctx>()
    }
}

/// The run context of every chain of non-sleepable programs: a trampoline run context without a
/// cookie, as the trampoline sets up for a program attached without one. Programs and helpers
/// only read it (`bpf_get_attach_cookie()` reads `bpf_cookie`; `saved_run_ctx` is written by the
/// trampoline's enter function into its own context, which krsi's chains do not use), so one
/// zeroed context serves every CPU and nesting level, and entering a chain only points
/// `current->bpf_ctx` at it.
struct RunCtx(UnsafeCell<bindings::bpf_tramp_run_ctx>);

// SAFETY: the context is never written after its zeroed initialisation (see above).
unsafe impl Sync for RunCtx {}

static RUN_CTX: RunCtx = RunCtx(UnsafeCell::new(
    // SAFETY: all zero is a run context's initial state (no cookie, nothing saved).
    unsafe { core::mem::zeroed() },
));

/// What `bpf_trampoline_enter()` sets up around a non-sleepable `BPF_LSM_MAC` program
/// (`__bpf_prog_enter()` in kernel/bpf/trampoline.c: `rcu_read_lock()`, no migration,
/// `current->bpf_ctx` set to a run context), set up once for a whole chain; dropping it undoes
/// it. The RCU section and the task's pinning to its CPU are the caller's ([`HookGuard`]). `KEEP`: the task is kept for the drop rather than read
/// again (one load), whichever the compiler makes cheaper for the caller.
struct Entered<const KEEP: bool> {
    task: *mut bindings::task_struct,
    saved: *mut bindings::bpf_run_ctx,
}

impl<const KEEP: bool> Entered<KEEP> {
    /// Enters; the caller holds `rcu_read_lock()` until the value is dropped.
    #[inline(always)]
    fn new() -> Self {
        let task = compat::current();
        // SAFETY: `task` is the running task; its `bpf_ctx` is saved here and restored on drop,
        // as `bpf_set_run_ctx()`/`bpf_reset_run_ctx()` do; only this task writes it.
        let saved = unsafe { bpf_ctx(task).replace(RUN_CTX.0.get().cast()) };
        Self { task, saved }
    }
}

impl<const KEEP: bool> Drop for Entered<KEEP> {
    #[inline(always)]
    fn drop(&mut self) {
        let task = if KEEP { self.task } else { compat::current() };
        // SAFETY: restores what `new` saved, in the same task.
        unsafe { bpf_ctx(task).write(self.saved) };
    }
}

/// Runs the common chain, one program that does not reset the result slot, is not scoped or
/// sleepable, on `frame`; returns its result (if `stop`) or 0. The caller is in the hook path's
/// read side and BPF statistics are off.
#[inline(always)]
fn run_one(progs: &ProgArray, frame: &mut [u64], stop: bool) -> ffi::c_int {
    // SAFETY: the caller's chain is one program.
    let item = unsafe { progs.only() };
    // Its runs are the chain's calls (see `runs`): a stop at the only program stops none.
    progs.count_call();
    let _entered = Entered::<false>::new();
    // SAFETY: the section just entered and the caller's read side are what `enter` sets up for
    // a non-sleepable program, and statistics are off.
    let ret = unsafe { item.call_entered(frame) };
    result(ret, stop, || item.att())
}

/// Runs a chain of one scoped program (that does not reset the result slot or sleep), as
/// [`run_one`] does, if the subject's cgroup is in its scope.
#[inline(always)]
fn run_one_scoped(
    progs: &ProgArray,
    frame: &mut [u64],
    stop: bool,
    subject: Subject,
) -> ffi::c_int {
    // SAFETY: the caller's chain is one program.
    let item = unsafe { progs.only() };
    // SAFETY: the running task, and the caller's read side keeps its cgroup valid while the
    // chain runs.
    let cgroup = unsafe { subject.cgroup(compat::current()) };
    if !item.runs_for(&cgroup) {
        return 0;
    }
    let _entered = Entered::<false>::new();
    // SAFETY: as in `run_one`.
    let ret = unsafe { item.run_entered(frame) };
    result(ret, stop, || item.att())
}

/// Runs a chain of several programs, none of them sleepable, scoped or resetting the result
/// slot, in the caller's section ([`Entered`]), until one returns non-zero (if `STOP`); returns
/// that result or 0. Not inlined: one copy serves every hook, with only what its loop needs kept
/// across the calls. The chain's call is counted, and a stop at the program that stopped it
/// (see `runs`).
///
/// # Safety
///
/// The caller is in the hook path's read side and in an [`Entered`] section, BPF statistics are
/// off, `progs` holds at least two programs, plain ones, `ODD` says whether their number is odd,
/// and `ctx` is the context of the hook's frame (its second slot).
#[inline(never)]
unsafe fn run_many<const STOP: bool, const ODD: bool>(
    progs: &ProgArray,
    ctx: *mut u64,
) -> ffi::c_int {
    progs.count_call();
    let items = progs.runs();
    let run = |item: &RunItem| {
        // SAFETY: as in `run_one`, for every program of the chain, on the frame's context.
        let ret = unsafe { item.call_entered_ctx(ctx) };
        if STOP && ret != 0 {
            stop_at(item, ret)
        } else {
            0
        }
    };
    // Two programs per turn of the loop, which tests its end once for both, after them; the
    // first program of a chain of odd length runs before it.
    let mut p = items.as_ptr();
    let end = progs.end();
    // SAFETY: `end` is one past the last of `items` (type invariant of `ProgArray`), which are
    // at least two (the caller's promise), and `p` starts at the first item (or one past it if
    // the length is odd), so `end - p` is even and at least two in the loop: `p` and `p + 1`
    // are items of `items` in every turn.
    unsafe {
        if ODD {
            let ret = run(&*p);
            if ret != 0 {
                return ret;
            }
            p = p.add(1);
        }
        loop {
            let ret = run(&*p);
            if ret != 0 {
                return ret;
            }
            let ret = run(&*p.add(1));
            if ret != 0 {
                return ret;
            }
            p = p.add(2);
            if p == end {
                return 0;
            }
        }
    }
}

/// Runs [`run_many`] on `frame`'s context.
///
/// # Safety
///
/// As for [`run_many`].
#[inline(always)]
unsafe fn run_many_on<const ODD: bool>(
    progs: &ProgArray,
    frame: &mut [u64],
    stop: bool,
) -> ffi::c_int {
    let ctx = frame[1..].as_mut_ptr();
    // Entered here, in the hook's callback, which keeps what it saved in a register that it
    // saves for the one-program chain anyway: the loop then keeps one register fewer.
    let _entered = Entered::<false>::new();
    // SAFETY: the caller's promise; `ctx` is the frame's context, and the section entered is
    // what `enter` sets up for a non-sleepable program.
    unsafe {
        if stop {
            run_many::<true, ODD>(progs, ctx)
        } else {
            run_many::<false, ODD>(progs, ctx)
        }
    }
}

/// What a non-zero result `ret` of `item`'s program makes of a chain counted per call (see
/// [`result`]); counts the stop if it stops the chain. Off the hot path, with the item only: the
/// loop keeps nothing else for it.
#[cold]
#[inline(never)]
fn stop_at(item: &RunItem, ret: u32) -> ffi::c_int {
    let ret = verdict(ret, item.att());
    if ret != 0 {
        item.stopped();
    }
    ret
}

/// Runs any other chain of non-sleepable programs (several, some scoped or resetting the result
/// slot), or any chain while BPF statistics are on (the enter/exit functions
/// keep them), then program by program ([`run_each`]). Not inlined: one copy serves every hook,
/// and the hooks' callbacks keep only the common paths.
///
/// The caller is in the hook path's read side and no program of `progs` is sleepable.
#[inline(never)]
fn run_other(progs: &ProgArray, frame: &mut [u64], stop: bool, subject: Subject) -> ffi::c_int {
    if bpf_stats_enabled() {
        return run_each(progs, frame, stop, subject);
    }
    let entered = Entered::<true>::new();
    // SAFETY: the running task, and the caller's read side for its cgroup.
    let cgroup =
        (progs.kind() & Kind::SCOPED != 0).then(|| unsafe { subject.cgroup(entered.task) });
    let reset = stop && progs.resets();
    let items = progs.runs();
    // SAFETY: the section just entered and the caller's read side are what `enter` sets up for
    // a non-sleepable program, and statistics are off.
    unsafe {
        match (reset, stop, cgroup.as_ref()) {
            (true, _, None) => chain_loop::<true, false, true>(items, frame, None),
            (true, _, c @ Some(_)) => chain_loop::<true, true, true>(items, frame, c),
            (false, true, None) => chain_loop::<false, false, true>(items, frame, None),
            (false, true, c @ Some(_)) => chain_loop::<false, true, true>(items, frame, c),
            (false, false, None) => chain_loop::<false, false, false>(items, frame, None),
            (false, false, c @ Some(_)) => chain_loop::<false, true, false>(items, frame, c),
        }
    }
}

/// The loop of the chains run in one [`Entered`] section, for a chain of any length; `RESET`
/// stores 0 into the result slot after each program; with `cgroup` (`SCOPED`), the attachments
/// whose scope does not hold it are skipped.
///
/// # Safety
///
/// As for [`RunItem::run_entered`], for every program of `items`; `cgroup` is `Some` if
/// `SCOPED`.
#[inline(always)]
unsafe fn chain_loop<const RESET: bool, const SCOPED: bool, const STOP: bool>(
    items: &[RunItem],
    frame: &mut [u64],
    cgroup: Option<&SubjectCgroup>,
) -> ffi::c_int {
    for item in items {
        if SCOPED && cgroup.is_some_and(|c| !item.runs_for(c)) {
            continue;
        }
        // SAFETY: the caller's promise.
        let ret = result(unsafe { item.run_entered(frame) }, STOP, || item.att());
        if ret != 0 {
            return ret;
        }
        next_result::<RESET>(frame);
    }
    0
}

/// What a program's result `ret` makes of the chain (if `stop`, an int hook): a non-zero result
/// ends it and is the hook's result, unless the attachment is audit-only, then the next program
/// runs as after a 0. Returns the hook's result, or 0 for the chain to go on. A zero result costs
/// the test and nothing else; a non-zero one is counted and recorded off the hot path
/// ([`verdict`]).
#[inline(always)]
fn result<'a>(ret: u32, stop: bool, att: impl FnOnce() -> &'a Attachment) -> ffi::c_int {
    if stop && ret != 0 {
        verdict(ret, att())
    } else {
        0
    }
}

/// The hook's result for a program's non-zero result `ret` (see [`result`]). Off the hot path:
/// `audit::nonzero` counts and records it. `ret` comes first, where the program left it.
#[cold]
#[inline(never)]
fn verdict(ret: u32, att: &Attachment) -> ffi::c_int {
    if audit::nonzero(att, ret) {
        ret as ffi::c_int
    } else {
        0
    }
}

/// Runs `progs` on `frame` through the enter/exit functions program by program, as the BPF
/// trampoline does; returns the first non-zero result (if `stop`) or 0. Not the fast path: the
/// result slot is reset whenever the chain may need it, and the scope of a scoped attachment is
/// checked in an RCU section of its own (a sleepable chain runs under RCU Tasks Trace only).
fn run_each(progs: &ProgArray, frame: &mut [u64], stop: bool, subject: Subject) -> ffi::c_int {
    let reset = stop && progs.resets();
    for att in progs.iter() {
        if att.scoped() {
            let _rcu = ReadGuard::<false>::lock();
            // SAFETY: the running task, and an RCU section for its cgroup.
            let cgroup = unsafe { subject.cgroup(compat::current()) };
            if !att.runs_for(&cgroup) {
                continue;
            }
        }
        let ret = result(att.run(frame), stop, || att);
        if ret != 0 {
            return ret;
        }
        if reset {
            next_result::<true>(frame);
        }
    }
    0
}

/// After a program of an int hook returned 0, puts that result into the frame's result slot for
/// the next program (if `RESET`), as the trampoline stores each program's result: a program that
/// may access the slot may have written it.
#[inline(always)]
fn next_result<const RESET: bool>(frame: &mut [u64]) {
    if RESET {
        if let Some(slot) = frame.last_mut() {
            *slot = 0;
        }
    }
}

/// Runs a hook's programs on `frame` (the argument count, the arguments, then the result slot);
/// returns the first non-zero result (if `stop`), or 0.
///
/// The array is read under plain RCU, and a chain of non-sleepable programs, the common case,
/// runs there ([`Entered`]). Only a chain with a sleepable program, which only a `SLEEPABLE`
/// hook can have (the verifier admits sleepable programs on those hooks only), leaves it for
/// RCU Tasks Trace, reads the array again and runs program by program.
#[inline(always)]
fn run<const SLEEPABLE: bool>(
    hook: HookId,
    subject: Subject,
    frame: &mut [u64],
    stop: bool,
) -> ffi::c_int {
    let st = state(hook);
    {
        let _hot = HookGuard::lock();
        let Some(progs) = st.progs() else {
            return 0;
        };
        // The common chain (one program, not sleepable, scoped or resetting the result slot)
        // inline, then several plain programs in one shared function, then the one-program
        // scoped chain inline, each with one test of the chain's kind; the others in another
        // shared function.
        // (Only a sleepable hook can have a sleepable program, only an int hook one that
        // resets the result slot.)
        let kind = progs.kind();
        if !bpf_stats_enabled() {
            if kind == 0 {
                return run_one(progs, frame, stop);
            }
            // (`kind != 0` here: a test of the other bits, which keeps the compiler from
            // merging the tests into a switch that tests another case first.)
            if kind & !Kind::MULTI == 0 {
                // SAFETY: `kind` is `MULTI` alone: an even number of plain programs, at least
                // two; the caller's read side is held while they run.
                return unsafe { run_many_on::<false>(progs, frame, stop) };
            }
            if kind == Kind::MULTI | Kind::ODD {
                // SAFETY: an odd number of plain programs, at least three; as above.
                return unsafe { run_many_on::<true>(progs, frame, stop) };
            }
            if kind == Kind::SCOPED {
                return run_one_scoped(progs, frame, stop, subject);
            }
        }
        if !SLEEPABLE || progs.fast() {
            return run_other(progs, frame, stop, subject);
        }
    }
    let _trace = ReadGuard::<true>::lock();
    st.progs()
        .map_or(0, |progs| run_each(progs, frame, stop, subject))
}

/// Runs an int hook's programs in order on `frame`. The first non-zero result stops the chain and
/// is the hook's result; otherwise the hook's default.
#[inline(always)]
pub(crate) fn run_int<const SLEEPABLE: bool>(
    hook: HookId,
    subject: Subject,
    frame: &mut [u64],
    default: ffi::c_int,
) -> ffi::c_int {
    match run::<SLEEPABLE>(hook, subject, frame, true) {
        0 => default,
        ret => ret,
    }
}

/// Runs every program of a void hook on `frame`; their results are ignored.
#[inline(always)]
pub(crate) fn run_void<const SLEEPABLE: bool>(hook: HookId, subject: Subject, frame: &mut [u64]) {
    run::<SLEEPABLE>(hook, subject, frame, false);
}
