// SPDX-License-Identifier: GPL-2.0

//! krsi - program arrays: which BPF programs each hook runs, attach and detach.
//!
//! Each hook has an immutable [`ProgArray`] published through an RCU pointer: the programs that
//! run, then every attached program in run order, enabled or disabled. A change (attach at a
//! place, detach, replace, reset, disable, enable, revalidation) builds a new array, sized to its
//! programs, and publishes it under one mutex, which serialises changes and the seal checks; the
//! old array and a detached program's attachment are freed by `rcu::retire` after the grace
//! period, in the order of the changes and without anyone waiting. The hook path takes no lock;
//! the listings take only the short lock of the hook's retiring arrays (see `runs`).

use core::cell::UnsafeCell;
use core::mem::{align_of, size_of};
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering};

use kernel::alloc::{flags::GFP_KERNEL, KBox, KVec};
use kernel::error::{code::*, Result};
use kernel::{bindings, ffi};

use crate::audit::{self, Settings};
use crate::compat;
use crate::hooks::{Class, HookId, HOOKS, HOOK_COUNT};
use crate::order::{Edit, Position};
use crate::percpu::{PerCpuCounters, PerCpuRef};
use crate::rcu::{retire, ReadGuard, RetireQueue, Retired};
use crate::revalidate::{Grant, State};
use crate::runs;
use crate::scope::{Scope, SubjectCgroup, Subtree};
use crate::seal::{self, Change};

/// The most programs one hook runs (`KRSI_MAX_PROGS` in the uapi header).
pub(crate) const MAX_PROGS: usize = bindings::KRSI_MAX_PROGS as usize;

/// The signature of a BPF program's entry point.
type BpfFunc = unsafe extern "C" fn(*const ffi::c_void, *const bindings::bpf_insn) -> ffi::c_uint;
/// A JITed program's entry point, as the BPF trampoline calls it: the context only.
type JitedFunc = unsafe extern "C" fn(*const ffi::c_void) -> ffi::c_uint;
/// What `bpf_trampoline_enter()` returns.
type EnterFn =
    unsafe extern "C" fn(*mut bindings::bpf_prog, *mut bindings::bpf_tramp_run_ctx) -> u64;
/// What `bpf_trampoline_exit()` returns.
type ExitFn = unsafe extern "C" fn(*mut bindings::bpf_prog, u64, *mut bindings::bpf_tramp_run_ctx);

/// Calls a program, entry point `func` and instructions `insnsi`, on the context, `frame` from its
/// second slot on; returns its result.
///
/// # Safety
///
/// `func` and `insnsi()` must be a program's; what `bpf_trampoline_enter()` sets up for it must
/// be in place; the frame must be laid out as the verifier checked the program's context
/// accesses, with the argument count before it.
#[inline(always)]
unsafe fn invoke(
    func: BpfFunc,
    insnsi: impl FnOnce() -> *const bindings::bpf_insn,
    frame: &mut [u64],
) -> u32 {
    // SAFETY: the caller's promise.
    unsafe { invoke_ctx(func, insnsi, frame[1..].as_mut_ptr()) }
}

/// Calls a program as [`invoke`] does, on the context at `ctx`.
///
/// # Safety
///
/// As for [`invoke`], with `ctx` the context of such a frame (its second slot).
#[inline(always)]
unsafe fn invoke_ctx(
    func: BpfFunc,
    insnsi: impl FnOnce() -> *const bindings::bpf_insn,
    ctx: *mut u64,
) -> u32 {
    // SAFETY: the caller's promise.
    unsafe {
        if cfg!(CONFIG_BPF_JIT_ALWAYS_ON) {
            // A JITed image reads its context from the first argument register and nothing
            // else (the verifier rejects a program that reads R2 before writing it); the
            // trampoline passes only the context to one (`invoke_bpf_prog()`).
            // `Attachment::new` refused a program that is not JITed.
            let jited: JitedFunc = core::mem::transmute(func);
            jited(ctx.cast_const().cast())
        } else {
            func(ctx.cast_const().cast(), insnsi())
        }
    }
}

/// A program attached to a hook, with what running it needs resolved at attach time.
///
/// # Invariants
///
/// `prog` is a valid program holding one reference owned by this attachment; `func`, `insnsi`,
/// `enter` and `exit` are its entry point, instructions and trampoline enter/exit functions;
/// `hook` is the hook it is attached to.
pub(crate) struct Attachment {
    prog: *mut bindings::bpf_prog,
    hook: HookId,
    func: BpfFunc,
    insnsi: *const bindings::bpf_insn,
    enter: EnterFn,
    exit: ExitFn,
    /// Times the program ran on this hook outside the chains counted per call (see `runs`),
    /// counted per CPU.
    pub(crate) runs: PerCpuCounters,
    /// Its runs in the chains counted per call of arrays freed since (see `runs::fold`):
    /// changed and read under the lock of the hook's retiring arrays.
    pub(crate) folded: AtomicU64,
    /// Times it returned non-zero (int hooks) in enforce mode: denials, or a bool hook's 1.
    pub(crate) nonzero: AtomicU64,
    /// Times it returned non-zero in audit mode (errno hooks): recorded, not denied.
    pub(crate) audited: AtomicU64,
    /// Its [`Settings`] (`Settings::bits`): changed under the write lock, read by `audit`.
    settings: AtomicU32,
    /// Its [`State`] (`State::bits`, 0 when enabled): changed under the write lock before the
    /// array that reflects it is built.
    state: AtomicU32,
    /// What it was allowed under, for revalidation.
    grant: Grant,
    /// A denial may be recorded (see `audit::may_record`).
    records: bool,
    /// Loaded from `SEC("lsm.s/<hook>")`.
    sleepable: bool,
    /// The verifier let the program access its context at or past the result slot, so it may
    /// store into it: the next program must find the slot reset (see `dispatch`).
    touches_result: bool,
    /// The cgroup subtree it runs for, if scoped (see `scope`); set before it is published.
    scope: Option<Scope>,
    /// The subtree the hot path tests: `scope`'s, or the whole hierarchy.
    subtree: Subtree,
}

impl Attachment {
    /// Takes over a program reference.
    ///
    /// # Safety
    ///
    /// `prog` must be a valid `BPF_PROG_TYPE_LSM` program whose reference the caller gives up if
    /// this returns `Ok` (on an error the reference stays the caller's).
    unsafe fn new(
        prog: *mut bindings::bpf_prog,
        hook: HookId,
        settings: Settings,
        scope: Option<Scope>,
    ) -> Result<Self> {
        // SAFETY: `prog` is valid by the safety requirements; the enter/exit functions only read
        // the program's type and flags.
        let (func, enter, exit) = unsafe {
            (
                (*prog).bpf_func,
                bindings::bpf_trampoline_enter(prog),
                bindings::bpf_trampoline_exit(prog),
            )
        };
        let (Some(func), Some(enter), Some(exit)) = (func, enter, exit) else {
            return Err(EINVAL);
        };
        // With `CONFIG_BPF_JIT_ALWAYS_ON` a loaded program is JITed (`bpf_prog_select_runtime()`
        // fails otherwise), which the hot path relies on (`call`).
        // SAFETY: `prog` is valid by the safety requirements.
        if cfg!(CONFIG_BPF_JIT_ALWAYS_ON) && unsafe { (*prog).jited() } == 0 {
            return Err(EINVAL);
        }
        // SAFETY: `prog` is valid; the helper takes the address of its trailing instructions.
        let insnsi = unsafe { bindings::krsi_prog_insnsi(prog) };
        // SAFETY: `prog` is valid by the safety requirements.
        let sleepable = unsafe { (*prog).sleepable() } != 0;
        // `max_ctx_offset` is one past the last context byte the verifier let the program read
        // or write; the result slot follows the hook's argument slots.
        // SAFETY: a valid program has a valid `aux`, final once the program is loaded.
        let max_ctx = unsafe { (*(*prog).aux).max_ctx_offset } as usize;
        // A void hook's chain never reads the slot back.
        let touches_result = hook.class() != Class::Void && max_ctx > hook.arg_slots() * 8;
        // SAFETY: `prog` is valid and loaded by the safety requirements.
        let grant = unsafe { Grant::new(prog) };
        Ok(Self {
            prog,
            hook,
            func,
            insnsi,
            enter,
            exit,
            runs: PerCpuCounters::new(1)?,
            folded: AtomicU64::new(0),
            nonzero: AtomicU64::new(0),
            audited: AtomicU64::new(0),
            settings: AtomicU32::new(settings.bits()),
            state: AtomicU32::new(State::ENABLED.bits()),
            grant,
            records: audit::may_record(hook),
            sleepable,
            touches_result,
            subtree: Self::subtree_of(scope.as_ref()),
            scope,
        })
    }

    /// The subtree an attachment of scope `scope` runs for.
    fn subtree_of(scope: Option<&Scope>) -> Subtree {
        scope.map_or_else(Subtree::all, Scope::subtree)
    }

    /// Scopes the attachment, before it is published.
    fn set_scope(&mut self, scope: Option<Scope>) {
        self.subtree = Self::subtree_of(scope.as_ref());
        self.scope = scope;
    }

    /// Whether the attachment is scoped to a cgroup.
    #[inline(always)]
    pub(crate) fn scoped(&self) -> bool {
        self.scope.is_some()
    }

    /// Whether the attachment runs for a subject of cgroup `subject`: always if it is not scoped.
    #[inline(always)]
    pub(crate) fn runs_for(&self, subject: &SubjectCgroup) -> bool {
        self.subtree.holds(subject)
    }

    /// Runs the program on `frame` (the argument count, then the context: the hook's arguments
    /// and the result slot) and returns its result; 0 if `enter` skipped it.
    #[inline(always)]
    pub(crate) fn run(&self, frame: &mut [u64]) -> u32 {
        // SAFETY: all-zero is the initial state of a run context, as in the BPF trampoline.
        let mut run_ctx: bindings::bpf_tramp_run_ctx = unsafe { core::mem::zeroed() };
        // The trampoline's protocol: `enter` (RCU or RCU Tasks Trace, migration, recursion
        // check), the program only if `enter` allowed it, then `exit` with the same run context.
        // The context is laid out as the verifier checked: the arguments of `bpf_lsm_<hook>`,
        // whose signature is the hook's, then the result.
        // SAFETY: by the type invariant, `enter` is the program's trampoline enter function.
        let start = unsafe { (self.enter)(self.prog, &mut run_ctx) };
        let ret = if start != 0 {
            // SAFETY: `enter` set up what the program needs, whatever its kind.
            unsafe { self.call(frame) }
        } else {
            0
        };
        // SAFETY: pairs with the `enter` above, with the same run context (type invariant).
        unsafe { (self.exit)(self.prog, start, &mut run_ctx) };
        ret
    }

    /// Counts a run and calls the program on the context, `frame` from its second slot on.
    ///
    /// # Safety
    ///
    /// What `bpf_trampoline_enter()` sets up for the program must be in place.
    #[inline(always)]
    unsafe fn call(&self, frame: &mut [u64]) -> u32 {
        self.runs.inc();
        // SAFETY: `func`/`insnsi` are the program's (type invariant); the caller's promise.
        unsafe { invoke(self.func, || self.insnsi, frame) }
    }

    fn prog(&self) -> &bindings::bpf_prog {
        // SAFETY: by the type invariant, `prog` is valid while `self` lives.
        unsafe { &*self.prog }
    }

    fn aux(&self) -> &bindings::bpf_prog_aux {
        // SAFETY: a valid program has a valid `aux`.
        unsafe { &*self.prog().aux }
    }

    /// The BPF program id, as `bpftool prog show` lists it.
    pub(crate) fn id(&self) -> u32 {
        self.aux().id
    }

    /// Whether the program is sleepable (loaded from `SEC("lsm.s/<hook>")`).
    pub(crate) fn sleepable(&self) -> bool {
        self.sleepable
    }

    /// The hook it is attached to.
    pub(crate) fn hook(&self) -> HookId {
        self.hook
    }

    /// Its mode and logging.
    pub(crate) fn settings(&self) -> Settings {
        Settings::from_bits(self.settings.load(Ordering::Relaxed))
    }

    /// Whether it runs, or why not.
    pub(crate) fn state(&self) -> State {
        State::from_bits(self.state.load(Ordering::Relaxed))
    }

    /// Sets its state; called with the write lock held, before the array is rebuilt.
    fn set_state(&self, state: State) {
        self.state.store(state.bits(), Ordering::Relaxed);
    }

    /// Whether a denial may be recorded.
    pub(crate) fn records(&self) -> bool {
        self.records
    }

    /// The program's id and name.
    pub(crate) fn ident(&self) -> Ident {
        Ident::of(self.aux())
    }
}

/// A program's id and name, copied out (for listings and records).
#[derive(Clone, Copy)]
pub(crate) struct Ident {
    pub(crate) id: u32,
    name: [u8; 16],
    /// The name's length, or `None` when the name is not known.
    name_len: Option<usize>,
}

impl Ident {
    fn new(id: u32, name: Option<&[u8]>) -> Self {
        let mut buf = [0u8; 16];
        let name_len = name.map(|src| {
            let n = src.len().min(buf.len());
            compat::copy_items(&mut buf[..n], &src[..n]);
            n
        });
        Ident {
            id,
            name: buf,
            name_len,
        }
    }

    /// A loaded program's id and name (at most 15 bytes, from its object file).
    fn of(aux: &bindings::bpf_prog_aux) -> Self {
        // SAFETY: `c_char` and `u8` have the same layout; `name` is a fixed-size array.
        let name: &[u8] =
            unsafe { core::slice::from_raw_parts(aux.name.as_ptr().cast(), aux.name.len()) };
        let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        Self::new(aux.id, Some(&name[..len]))
    }

    /// The program of id `id` (0 for none), whose name is not known.
    pub(crate) fn unknown(id: u32) -> Self {
        Self::new(id, None)
    }

    /// The program's name (at most 15 bytes, from its object file), empty if not known.
    pub(crate) fn name(&self) -> &[u8] {
        &self.name[..self.name_len.unwrap_or(0)]
    }

    /// The program's name, if known.
    pub(crate) fn known_name(&self) -> Option<&[u8]> {
        self.name_len.map(|n| &self.name[..n])
    }
}

impl Drop for Attachment {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the attachment owns one reference to `prog`.
        unsafe { bindings::bpf_prog_put(self.prog) };
    }
}

/// The programs of one hook, in one allocation sized to them: what the hot path needs of those
/// that run, then all of them in run order. Immutable once published.
///
/// # Invariants
///
/// The header is followed, in the same allocation of `cap` words made by [`ProgArray::alloc`],
/// by room for `all` [`RunItem`]s, of which the first `len` are those of the enabled attachments
/// in order and end at `end`, then by `all` pointers to all attachments in run order,
/// `1 <= all <= MAX_PROGS`; `counts` holds `1 + all` counters: the calls of the chain counted
/// per call (see `runs`), then the stops at each run item, which point at theirs;
/// `kind` has [`Kind::SLOW`] exactly when a program that runs is sleepable, [`Kind::RESETS`]
/// exactly when a program that runs may store into the result slot of an int hook,
/// [`Kind::SCOPED`] exactly when a program that runs is scoped to a cgroup, [`Kind::MULTI`]
/// exactly when `len != 1`, [`Kind::EMPTY`] exactly when `len == 0`, [`Kind::ODD`] exactly when
/// `len` is odd and above one.
#[repr(C)]
pub(crate) struct ProgArray {
    len: usize,
    all: usize,
    cap: usize,
    kind: u8,
    counts: PerCpuCounters,
    end: *const RunItem,
    items: [RunItem; 0],
}

/// What the hot path needs of a program that runs: its entry point, run counter and subtree
/// beside its attachment, so that the loop reads them without reading the attachment, and the
/// counter of the chain's stops at it.
///
/// # Invariants
///
/// `att` is a live attachment while the array holding the item is reachable; `func`, `runs` and
/// `subtree` are its entry point, run counter and subtree; `stops` is one of the array's
/// counters.
#[repr(C)]
pub(crate) struct RunItem {
    func: BpfFunc,
    stops: PerCpuRef,
    att: *const Attachment,
    subtree: Subtree,
    runs: PerCpuRef,
}

/// The words of a [`RunItem`].
const RUN_ITEM_WORDS: usize = size_of::<RunItem>() / size_of::<usize>();
const _: () = assert!(size_of::<RunItem>() % size_of::<usize>() == 0);
const _: () = assert!(align_of::<RunItem>() == align_of::<usize>());

impl RunItem {
    /// The item's attachment.
    #[inline(always)]
    pub(crate) fn att(&self) -> &Attachment {
        att(self.att)
    }

    /// Whether the program runs for a subject of cgroup `subject` (see [`Attachment::runs_for`]).
    #[inline(always)]
    pub(crate) fn runs_for(&self, subject: &SubjectCgroup) -> bool {
        self.subtree.holds(subject)
    }

    /// Runs the program inside a section that already did what `bpf_trampoline_enter()` does
    /// for it (see `dispatch::Entered`) and returns its result, without counting the run: the
    /// caller counted the chain's call ([`ProgArray::count_call`]).
    ///
    /// # Safety
    ///
    /// The caller must hold `rcu_read_lock()` (or have preemption disabled) with migration
    /// disabled and `current->bpf_ctx` pointing at a run context, and the program must not be
    /// sleepable; BPF statistics must be off (they are kept by the enter/exit functions).
    #[inline(always)]
    pub(crate) unsafe fn call_entered(&self, frame: &mut [u64]) -> u32 {
        // SAFETY: by the type invariant `func` is the attachment's entry point; the caller's
        // promise for the rest.
        unsafe { invoke(self.func, || self.att().insnsi, frame) }
    }

    /// Runs the program as [`RunItem::call_entered`] does, on the context at `ctx`.
    ///
    /// # Safety
    ///
    /// As for [`RunItem::call_entered`], with `ctx` the context of a frame (its second slot).
    #[inline(always)]
    pub(crate) unsafe fn call_entered_ctx(&self, ctx: *mut u64) -> u32 {
        // SAFETY: by the type invariant `func` is the attachment's entry point; the caller's
        // promise for the rest.
        unsafe { invoke_ctx(self.func, || self.att().insnsi, ctx) }
    }

    /// Counts a run on the attachment's own counter and runs the program as
    /// [`RunItem::call_entered`] does: for the chains not counted per call.
    ///
    /// # Safety
    ///
    /// As for [`RunItem::call_entered`].
    #[inline(always)]
    pub(crate) unsafe fn run_entered(&self, frame: &mut [u64]) -> u32 {
        self.runs.inc();
        // SAFETY: the caller's promise.
        unsafe { self.call_entered(frame) }
    }

    /// Counts a stop of a chain counted per call at this program.
    #[inline(always)]
    pub(crate) fn stopped(&self) {
        self.stops.inc();
    }

    /// The stops counted at this program (see `runs`).
    pub(crate) fn stops(&self) -> u64 {
        self.stops.sum()
    }
}

/// What a chain needs beyond running its programs in order, in one byte that the hot path tests
/// once: 0 for the common chain.
pub(crate) struct Kind;

impl Kind {
    /// A program is sleepable: the chain runs program by program under RCU Tasks Trace.
    pub(crate) const SLOW: u8 = 1;
    /// A program may store into the result slot, which must be reset after it.
    pub(crate) const RESETS: u8 = 2;
    /// A program is scoped to a cgroup: the subject's cgroup must be checked.
    pub(crate) const SCOPED: u8 = 4;
    /// The chain is not exactly one program: it needs the loop.
    pub(crate) const MULTI: u8 = 8;
    /// No program runs (all disabled), which the hook path may still see while the hook's
    /// static key is turned off: the loop of several programs (`dispatch::run_many`) need not
    /// test for it.
    pub(crate) const EMPTY: u8 = 16;
    /// An odd number of programs, at least three, run: the loop, which runs two programs per
    /// turn, runs the first before it.
    pub(crate) const ODD: u8 = 32;
}

/// The header of a [`ProgArray`] in words; the run items follow it.
const HEADER_WORDS: usize = size_of::<ProgArray>() / size_of::<usize>();
const _: () = assert!(size_of::<ProgArray>() % size_of::<usize>() == 0);
const _: () = assert!(align_of::<ProgArray>() == align_of::<usize>());
const _: () = assert!(size_of::<*const Attachment>() == size_of::<usize>());

impl ProgArray {
    /// Allocates an array of `all` programs, `1 <= all <= MAX_PROGS`, whose run order `fill`
    /// writes (live attachments, which must outlive the array); those whose state is enabled
    /// run.
    fn alloc(all: usize, fill: impl FnOnce(&mut [*const Attachment])) -> Result<*mut ProgArray> {
        let counts = PerCpuCounters::new(1 + all)?;
        let words = HEADER_WORDS + all * (1 + RUN_ITEM_WORDS);
        let words = KVec::<usize>::with_capacity(words, GFP_KERNEL)?;
        let (raw, _, cap) = words.into_raw_parts();
        let array = raw.cast::<ProgArray>();
        // SAFETY: `raw` is a fresh allocation of `cap >= HEADER_WORDS + all * (RUN_ITEM_WORDS +
        // 1)` words, aligned for a `ProgArray` and a `RunItem` (checked above): the header, room
        // for `all` run items, then the order's `all` words.
        let (run, order) = unsafe {
            let run = (&raw mut (*array).items).cast::<RunItem>();
            let order = run.add(all).cast::<*const Attachment>();
            (run, core::slice::from_raw_parts_mut(order, all))
        };
        order.fill(ptr::null());
        fill(order);
        let mut len = 0;
        for &a in order.iter() {
            // SAFETY: `fill` wrote live attachments.
            let att = unsafe { &*a };
            if att.state().enabled() {
                let item = RunItem {
                    func: att.func,
                    stops: counts.handle(1 + len),
                    att: a,
                    subtree: att.subtree,
                    runs: att.runs.handle(0),
                };
                // SAFETY: `len < all`, within the room for the run items.
                unsafe { run.add(len).write(item) };
                len += 1;
            }
        }
        // SAFETY: the first `len` items were just written.
        let run = unsafe { core::slice::from_raw_parts(run, len) };
        let end = run.as_ptr_range().end;
        let slow = run.iter().any(|r| r.att().sleepable);
        let resets = run.iter().any(|r| r.att().touches_result);
        let scoped = run.iter().any(|r| r.att().scoped());
        let bit = |on: bool, bit: u8| if on { bit } else { 0 };
        let kind = bit(slow, Kind::SLOW)
            | bit(resets, Kind::RESETS)
            | bit(scoped, Kind::SCOPED)
            | bit(len != 1, Kind::MULTI)
            | bit(len == 0, Kind::EMPTY)
            | bit(len > 1 && len % 2 == 1, Kind::ODD);
        // SAFETY: the header is within the allocation; `items` is zero-sized, so writing the
        // header leaves the items alone.
        unsafe {
            array.write(ProgArray {
                len,
                all,
                cap,
                kind,
                counts,
                end,
                items: [],
            })
        };
        Ok(array)
    }

    /// Frees an array made by [`ProgArray::alloc`] (not the attachments it points at).
    ///
    /// # Safety
    ///
    /// `array` must come from [`ProgArray::alloc`] and be unreachable by anyone else.
    pub(crate) unsafe fn free(array: *mut ProgArray) {
        // SAFETY: by the safety requirements `array` is ours, made from a `KVec<usize>` of
        // capacity `cap` (type invariant); of its words only the counters need a drop.
        unsafe {
            let cap = (*array).cap;
            ptr::drop_in_place(&raw mut (*array).counts);
            drop(KVec::<usize>::from_raw_parts(array.cast(), 0, cap));
        }
    }

    /// The pointers of all attachments, enabled or not, in run order.
    pub(crate) fn order(&self) -> &[*const Attachment] {
        // SAFETY: by the type invariant, `all` initialised pointers follow the room for `all` run
        // items in the same allocation, which lives as long as `self`.
        unsafe {
            let order = self.run_items().add(self.all).cast::<*const Attachment>();
            core::slice::from_raw_parts(order, self.all)
        }
    }

    /// Where the run items start, right after the header.
    #[inline(always)]
    fn run_items(&self) -> *const RunItem {
        self.items.as_ptr()
    }

    /// The attachments that run, in run order: the hook path's view.
    #[inline(always)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Attachment> {
        self.runs().iter().map(RunItem::att)
    }

    /// Where the run items end: one past the last.
    #[inline(always)]
    pub(crate) fn end(&self) -> *const RunItem {
        self.end
    }

    /// Counts a call of the chain whose programs run without counting their runs
    /// ([`RunItem::call_entered`]); a stop is counted at the program that stopped it
    /// ([`RunItem::stopped`]).
    #[inline(always)]
    pub(crate) fn count_call(&self) {
        self.counts.inc();
    }

    /// The chain's calls counted by [`ProgArray::count_call`].
    pub(crate) fn calls(&self) -> u64 {
        self.counts.sum()
    }

    /// The programs that run, in run order.
    #[inline(always)]
    pub(crate) fn runs(&self) -> &[RunItem] {
        // SAFETY: by the type invariant, `len` initialised run items follow the header in the
        // same allocation, which lives as long as `self`.
        unsafe { core::slice::from_raw_parts(self.run_items(), self.len) }
    }

    /// The program of a chain of one program (no [`Kind::MULTI`]).
    ///
    /// # Safety
    ///
    /// The array must hold one program that runs (`kind() & Kind::MULTI == 0`).
    #[inline(always)]
    pub(crate) unsafe fn only(&self) -> &RunItem {
        // SAFETY: by the caller's promise and the type invariant, the first run item is
        // initialised.
        unsafe { &*self.run_items() }
    }

    /// All attachments, enabled or not, in run order.
    fn iter_all(&self) -> impl Iterator<Item = &Attachment> {
        // SAFETY: as in `iter`.
        self.order().iter().map(|&a| unsafe { &*a })
    }

    /// Whether every program may run in one RCU section with migration disabled.
    #[inline(always)]
    pub(crate) fn fast(&self) -> bool {
        self.kind & Kind::SLOW == 0
    }

    /// Whether a program may store into the result slot, which must then be reset after it.
    #[inline(always)]
    pub(crate) fn resets(&self) -> bool {
        self.kind & Kind::RESETS != 0
    }

    /// The chain's [`Kind`] bits.
    #[inline(always)]
    pub(crate) fn kind(&self) -> u8 {
        self.kind
    }
}

/// The pointers of all attachments of `array` in run order, none for no array.
fn order_of(array: Option<&ProgArray>) -> &[*const Attachment] {
    array.map_or(&[], ProgArray::order)
}

/// The attachment at a published array's item.
#[inline(always)]
pub(crate) fn att(item: *const Attachment) -> &'static Attachment {
    // SAFETY: published items are live attachments (invariant of `HookState`), used only with the
    // write lock held or in a read-side section, before they can be freed.
    unsafe { &*item }
}

/// The index of the program of id `id` among `items`.
fn find(items: &[*const Attachment], id: u32) -> Result<usize> {
    items.iter().position(|&a| att(a).id() == id).ok_or(ENOENT)
}

/// The state of one hook.
///
/// # Invariants
///
/// `progs` is null or a published [`ProgArray`]; each attachment it
/// points at is a `KBox<Attachment>` that lives until it is removed from the published array and
/// a grace period has passed. `active` is krsi's static-call key for the hook, set once at init:
/// it is enabled exactly when `progs` has a program that runs.
pub(crate) struct HookState {
    progs: AtomicPtr<ProgArray>,
    active: AtomicPtr<bindings::static_key_false>,
    /// Another LSM registered the hook too (set once at init).
    shared: AtomicBool,
    /// What changes unpublished, waiting for their grace period.
    pub(crate) retiring: RetireQueue,
}

impl HookState {
    const fn new() -> Self {
        Self {
            progs: AtomicPtr::new(ptr::null_mut()),
            active: AtomicPtr::new(ptr::null_mut()),
            shared: AtomicBool::new(false),
            retiring: RetireQueue::new(),
        }
    }

    /// The published array, if any (`rcu_dereference`).
    ///
    /// The caller must be in the hook's RCU read-side section (`dispatch::ReadGuard`) or hold the
    /// write lock while using it.
    #[inline(always)]
    pub(crate) fn progs(&self) -> Option<&ProgArray> {
        // SAFETY: by the type invariant the pointer is null or a published array, which stays
        // valid until a grace period after it is replaced; the caller is in a read-side section.
        unsafe { self.progs.load(Ordering::Acquire).as_ref() }
    }

    /// Whether krsi's static-call key for the hook is enabled.
    pub(crate) fn key_enabled(&self) -> bool {
        let key = self.active.load(Ordering::Relaxed);
        // SAFETY: `key` is null or krsi's static key for the hook, which is static.
        !key.is_null() && unsafe { static_key_enabled(&raw const (*key).key) }
    }
}

/// Whether a static key is enabled, read as `static_key_enabled()` does (`atomic_read()`).
///
/// # Safety
///
/// `key` must point at a live static key.
#[inline(always)]
pub(crate) unsafe fn static_key_enabled(key: *const bindings::static_key) -> bool {
    // SAFETY: `key` is live by the safety requirements.
    unsafe { ptr::read_volatile(&raw const (*key).enabled.counter) > 0 }
}

/// The state of every hook, indexed by [`HookId`].
pub(crate) static STATES: [HookState; HOOK_COUNT] = [const { HookState::new() }; HOOK_COUNT];

/// The state of `hook`.
#[inline(always)]
pub(crate) fn state(hook: HookId) -> &'static HookState {
    &STATES[hook as usize]
}

/// The mutex that serialises every change to the program arrays.
///
/// # Invariants
///
/// Initialised by [`init`] before any securityfs file exists, so before any writer.
struct WriteLock(
    UnsafeCell<bindings::mutex>,
    UnsafeCell<bindings::lock_class_key>,
);

// SAFETY: the mutex is used only through the kernel's mutex functions, which synchronise.
unsafe impl Sync for WriteLock {}

// SAFETY: all-zero is the state `__mutex_init()` expects to initialise; same for the lock class.
static WRITE_LOCK: WriteLock = unsafe { core::mem::zeroed() };

/// Holds [`WRITE_LOCK`]; unlocks on drop.
struct WriteGuard(());

impl WriteGuard {
    pub(crate) fn lock() -> Self {
        // SAFETY: by the invariant of `WriteLock`, the mutex is initialised.
        unsafe { bindings::mutex_lock(WRITE_LOCK.0.get()) };
        WriteGuard(())
    }
}

impl Drop for WriteGuard {
    fn drop(&mut self) {
        // SAFETY: the guard exists only while this task holds the mutex.
        unsafe { bindings::mutex_unlock(WRITE_LOCK.0.get()) };
    }
}

/// Finds krsi's static-call key of every hook and turns it off: no hook has programs yet.
///
/// `list` is the hook list registered with `security_add_hooks()`.
pub(crate) fn init(list: &[bindings::security_hook_list; HOOK_COUNT]) -> Result {
    // SAFETY: called once from the initcall, before any writer can exist.
    unsafe {
        bindings::__mutex_init(
            WRITE_LOCK.0.get(),
            compat::const_char_ptr(c"krsi_write"),
            WRITE_LOCK.1.get(),
        )
    };
    crate::rcu::init();
    let slots = crate::hooks::lsm_slots();
    for (i, hl) in list.iter().enumerate() {
        let mut found = ptr::null_mut();
        let mut shared = false;
        for j in 0..slots {
            // SAFETY: `hl.scalls` points at the hook's `slots` static-call slots, which the LSM
            // framework filled during `security_add_hooks()` and no longer changes.
            let slot = unsafe { &*hl.scalls.add(j) };
            if ptr::eq(slot.hl, hl) {
                found = slot.active;
            } else if !slot.hl.is_null() {
                shared = true;
            }
        }
        STATES[i].shared.store(shared, Ordering::Relaxed);
        if found.is_null() {
            return Err(ENOENT);
        }
        // SAFETY: `found` is krsi's static key for the hook; changing it is what the key is for.
        unsafe { bindings::static_key_disable(&raw mut (*found).key) };
        STATES[i].active.store(found, Ordering::Relaxed);
    }
    Ok(())
}

/// Publishes `new` (null for none) as `hook`'s array, switching the static key on or off, and
/// hands the previous array to `retired`, to be freed after the grace period. Called with the
/// write lock held.
fn publish(hook: &HookState, new: *mut ProgArray, retired: &mut Retired) {
    let key = hook.active.load(Ordering::Relaxed);
    let old = hook.progs.swap(new, Ordering::AcqRel);
    // SAFETY: `old` and `new` are null or arrays made by `alloc`; `old` is not freed before
    // `retire` is called with `retired`.
    let runs = |array: *mut ProgArray| !array.is_null() && unsafe { (*array).len } > 0;
    // SAFETY: `key` is krsi's static key of the hook (set at init), changed only under the
    // write lock. The key is on exactly while the hook has programs that run.
    unsafe {
        match (runs(old), runs(new)) {
            (false, true) => bindings::static_key_enable(&raw mut (*key).key),
            (true, false) => bindings::static_key_disable(&raw mut (*key).key),
            _ => {}
        }
    }
    retired.set_array(old);
}

/// Builds the array `old` becomes after `edit`; null when no program is left.
fn edited(old: Option<&ProgArray>, edit: Edit<*const Attachment>) -> Result<*mut ProgArray> {
    let olds = order_of(old);
    match edit.len_after(olds.len()) {
        0 => Ok(ptr::null_mut()),
        len => ProgArray::alloc(len, |dst| edit.apply(olds, dst)),
    }
}

/// Checks that `prog` is an LSM program for `hook` that krsi can run there.
fn validate(hook: HookId, prog: &bindings::bpf_prog) -> Result {
    if prog.type_ != bindings::bpf_prog_type_BPF_PROG_TYPE_LSM
        || prog.expected_attach_type != bindings::bpf_attach_type_BPF_LSM_MAC
    {
        return Err(EINVAL);
    }
    // SAFETY: a valid program has a valid `aux`.
    let func = unsafe { (*prog.aux).attach_func_name };
    if func.is_null() {
        return Err(EINVAL);
    }
    // SAFETY: `attach_func_name` is a NUL-terminated BTF name that lives as long as the program.
    let func = unsafe { compat::cstr_from_char_ptr(func) };
    match compat::cstr_bytes(func).strip_prefix(b"bpf_lsm_") {
        Some(name) if name == compat::cstr_bytes(hook.name()) => {}
        _ => return Err(EINVAL),
    }
    // The hook path runs a hook that BPF does not allow sleepable programs on under plain RCU
    // with migration disabled: a sleepable program must never get there, whatever the hook table
    // says (the verifier refuses such a program at load; this does not rely on it).
    if prog.sleepable() != 0 && !hook.sleepable() {
        return Err(EINVAL);
    }
    // Only the first LSM registered for such a hook is asked: with another LSM there, krsi's
    // programs would either never run or decide for that LSM.
    if hook.class() == Class::FirstWins && state(hook).shared.load(Ordering::Relaxed) {
        return Err(eopnotsupp());
    }
    Ok(())
}

/// `EOPNOTSUPP`, which the kernel crate does not name.
pub(crate) fn eopnotsupp() -> kernel::error::Error {
    kernel::error::Error::from_errno(-(bindings::EOPNOTSUPP as ffi::c_int))
}

/// `EALREADY`, which the kernel crate does not name.
fn ealready() -> kernel::error::Error {
    kernel::error::Error::from_errno(-(bindings::EALREADY as ffi::c_int))
}

/// A program reference taken from a pin or a file descriptor; put on drop unless attached.
pub(crate) struct ProgRef(*mut bindings::bpf_prog);

impl ProgRef {
    /// Takes a reference to the LSM program pinned at `path` (NUL-terminated).
    pub(crate) fn from_path(path: &kernel::str::CStr) -> Result<Self> {
        // SAFETY: `path` is NUL-terminated; the function takes a reference or returns an error.
        let prog = unsafe {
            bindings::bpf_prog_get_type_path(
                compat::cstr_char_ptr(path),
                bindings::bpf_prog_type_BPF_PROG_TYPE_LSM,
            )
        };
        Ok(Self(kernel::error::from_err_ptr(prog)?))
    }

    /// Takes a reference to the LSM program of file descriptor `fd`.
    pub(crate) fn from_fd(fd: i32) -> Result<Self> {
        let fd = u32::try_from(fd).map_err(|_| EBADF)?;
        // SAFETY: the function takes a reference or returns an error.
        let prog = unsafe {
            bindings::bpf_prog_get_type_dev(fd, bindings::bpf_prog_type_BPF_PROG_TYPE_LSM, false)
        };
        Ok(Self(kernel::error::from_err_ptr(prog)?))
    }

    /// The program's id and name.
    pub(crate) fn ident(&self) -> Ident {
        // SAFETY: `ProgRef` holds a reference, so the program and its `aux` are valid.
        Ident::of(unsafe { &*(*self.0).aux })
    }
}

impl Drop for ProgRef {
    fn drop(&mut self) {
        // SAFETY: `ProgRef` owns one reference until it is handed over in `attach`.
        unsafe { bindings::bpf_prog_put(self.0) };
    }
}

/// Turns a program reference into an attachment for `hook` with `settings`, after checking the
/// program, and that what revalidation will check allows it now (`EPERM` if not); on an error
/// the reference is put.
fn prepare(
    hook: HookId,
    prog: ProgRef,
    settings: Settings,
    scope: Option<Scope>,
) -> Result<KBox<Attachment>> {
    // SAFETY: `prog` holds a reference, so the program is valid.
    validate(hook, unsafe { &*prog.0 })?;
    // SAFETY: `prog.0` is a valid LSM program whose reference moves into the attachment if this
    // succeeds; on an error it stays with `prog`, which puts it.
    let att = unsafe { Attachment::new(prog.0, hook, settings, scope) }?;
    core::mem::forget(prog);
    if att.grant.check(att.prog).is_some() {
        // Dropping `att` puts the reference.
        return Err(EPERM);
    }
    // On an error `att` is dropped, which puts the reference.
    Ok(KBox::new(att, GFP_KERNEL)?)
}

/// Publishes `new` for `hook` and frees what it unpublished (`retired`) after the grace period.
/// Retired under the write lock, so that the hook's retirements are queued in the order of its
/// changes (see `rcu::retire`).
fn commit(st: &HookState, new: *mut ProgArray, mut retired: KBox<Retired>, guard: WriteGuard) {
    publish(st, new, &mut retired);
    retire(retired);
    drop(guard);
}

/// Makes one change to `hook`'s programs under the write lock, if the seal allows `kind`:
/// `plan` picks the edit from the published items and `new` (the new attachment, if any, or
/// null), or refuses. `new` must not be attached already; it is owned by the published array
/// from then on, and what the edit removes is freed after the grace period. Returns the program
/// the edit removed or replaced, if any.
fn change(
    hook: HookId,
    kind: Change,
    new: Option<KBox<Attachment>>,
    plan: impl FnOnce(&[*const Attachment], *mut Attachment) -> Result<Edit<*const Attachment>>,
) -> Result<Option<Ident>> {
    let st = state(hook);
    let mut retired = Retired::new(&st.retiring, hook.sleepable(), 1)?;
    let guard = WriteGuard::lock();
    seal::check(hook, kind)?;
    let old = st.progs();
    let items = order_of(old);
    if let Some(new) = &new {
        if items.iter().any(|&a| ptr::eq(att(a).prog, new.prog)) {
            return Err(EEXIST);
        }
    }
    let mut new = new;
    let edit = plan(
        items,
        new.as_deref_mut().map_or(ptr::null_mut(), ptr::from_mut),
    )?;
    let gone = match edit {
        Edit::Replace(at, _) | Edit::Remove(at) => Some(items[at]),
        Edit::Insert(..) => None,
    };
    let array = edited(old, edit)?;
    let gone_ident = gone.map(|g| att(g).ident());
    if let Some(new) = new {
        // Owned by the published array from here on; freed by `retire` once unpublished.
        let _ = KBox::into_raw(new);
    }
    if let Some(gone) = gone {
        // Unpublished by the commit below; it was allocated as a `KBox` by `attach`.
        retired.push(gone.cast_mut());
    }
    commit(st, array, retired, guard);
    Ok(gone_ident)
}

/// Attaches `prog` to `hook` at `pos` in the run order, with `settings`, for the subjects of
/// `scope` (for every subject without one); returns the program id.
pub(crate) fn attach(
    hook: HookId,
    prog: ProgRef,
    pos: Position,
    settings: Settings,
    scope: Option<Scope>,
) -> Result<u32> {
    let new = prepare(hook, prog, settings, scope)?;
    let id = new.id();
    change(hook, pos.change(), Some(new), |items, new| {
        if items.len() >= MAX_PROGS {
            return Err(E2BIG);
        }
        let at = pos.index(items.iter().map(|&a| att(a).id()))?;
        Ok(Edit::Insert(at, new.cast_const()))
    })?;
    Ok(id)
}

/// Swaps the program of id `id` on `hook` for `prog`, in its place in the run order and in one
/// published array, with the old attachment's settings and scope; returns the new program's id. The old
/// program's reference is dropped after hook calls that may still run it are done.
pub(crate) fn replace(hook: HookId, id: u32, prog: ProgRef) -> Result<u32> {
    let new = prepare(hook, prog, Settings::DEFAULT, None)?;
    let new_id = new.id();
    change(hook, Change::Rewrite, Some(new), |items, new| {
        let at = find(items, id)?;
        let old = att(items[at]);
        // SAFETY: `new` is the unpublished attachment `change` owns; nothing else refers to it.
        unsafe { (*new).set_scope(old.scope.clone()) };
        // `new` is not published yet: the stores are seen by whoever the commit publishes it
        // to. A manual disable stays with the place; revalidation checked the new program.
        let new_att = att(new);
        new_att
            .settings
            .store(old.settings().bits(), Ordering::Relaxed);
        new_att.set_state(State {
            manual: old.state().manual,
            reason: None,
        });
        Ok(Edit::Replace(at, new.cast_const()))
    })?;
    Ok(new_id)
}

/// Detaches the program with BPF id `id` from `hook`; returns its id and name. The program stops
/// being called for new hook calls at once; its reference is dropped after calls already
/// running it are done.
pub(crate) fn detach(hook: HookId, id: u32) -> Result<Ident> {
    change(hook, Change::Rewrite, None, |items, _| {
        Ok(Edit::Remove(find(items, id)?))
    })?
    .ok_or(ENOENT)
}

/// Changes the settings of the program of id `id` on `hook` to what `f` makes of them, if the
/// seal allows it (see `Settings::change_to`); returns the program's id and name. Takes effect
/// for hook calls that start after it returns.
pub(crate) fn set(hook: HookId, id: u32, f: impl FnOnce(Settings) -> Settings) -> Result<Ident> {
    let _guard = WriteGuard::lock();
    seal::check(hook, Change::Tighten)?;
    let items = order_of(state(hook).progs());
    let a = att(items[find(items, id)?]);
    let old = a.settings();
    let new = f(old);
    seal::check(hook, old.change_to(new))?;
    a.settings.store(new.bits(), Ordering::Relaxed);
    Ok(a.ident())
}

/// Publishes a new array of `hook`'s programs in the same order (after a state change), frees
/// the old one after the grace period, and returns the new one, which stays published while
/// `_lock` is held; on an error nothing changed. On success `old` must not be read again: the
/// lock does not hold off its grace period (KASAN caught revalidation's report reading it), so
/// the caller reads the array returned, which holds the same attachments in the same order.
fn republish<'g>(
    _lock: &'g WriteGuard,
    st: &'static HookState,
    old: &ProgArray,
    trace: bool,
) -> Result<&'g ProgArray> {
    let mut retired = Retired::new(&st.retiring, trace, 0)?;
    let order = old.order();
    let array = ProgArray::alloc(order.len(), |dst| compat::copy_items(dst, order))?;
    publish(st, array, &mut retired);
    retire(retired);
    // SAFETY: `array` was just made by `alloc` and published; only a writer, under the lock
    // held for `'g`, unpublishes it.
    Ok(unsafe { &*array })
}

/// Disables (`enable` false) or enables the program of id `id` on `hook` by hand; returns its
/// id and name. A disabled program keeps its place, its counters and its reference, and is left
/// out of the array that runs. Disabling weakens the hook, so a sealed hook refuses it; enabling
/// only restores denials. `EALREADY` if it already is in that state by hand, `EACCES` to enable
/// a program that only revalidation disabled (it runs again when revalidation passes).
pub(crate) fn set_enabled(hook: HookId, id: u32, enable: bool) -> Result<Ident> {
    let guard = WriteGuard::lock();
    let kind = if enable {
        Change::Tighten
    } else {
        Change::Rewrite
    };
    seal::check(hook, kind)?;
    let st = state(hook);
    let old = st.progs().ok_or(ENOENT)?;
    let a = att(old.order()[find(old.order(), id)?]);
    let was = a.state();
    match (enable, was.manual, was.reason) {
        (false, true, _) | (true, false, None) => return Err(ealready()),
        (true, false, Some(_)) => return Err(EACCES),
        _ => {}
    }
    a.set_state(State {
        manual: !enable,
        ..was
    });
    republish(&guard, st, old, hook.sleepable()).inspect_err(|_| a.set_state(was))?;
    Ok(a.ident())
}

/// Checks every attachment's grant again (see `revalidate`) under the write lock: disables
/// those that fail, with the reason, and enables those that pass after revalidation disabled
/// them; seals do not apply (the kernel's policy is not an administrator's change). Calls
/// `report` for each attachment whose state changed, with the new state, and returns how many.
/// On an allocation failure the hook being changed keeps its old state and the error is
/// returned; hooks changed before it stay changed.
pub(crate) fn revalidate(mut report: impl FnMut(&Attachment, State)) -> Result<usize> {
    let guard = WriteGuard::lock();
    let mut changed = 0;
    for &hook in HOOKS {
        let st = state(hook);
        let Some(old) = st.progs() else { continue };
        let order = old.order();
        let mut was = KVec::with_capacity(order.len(), GFP_KERNEL)?;
        let mut any = false;
        for &a in order {
            let a = att(a);
            let state = a.state();
            was.push(state, GFP_KERNEL)?;
            let now = State {
                reason: a.grant.check(a.prog),
                ..state
            };
            if now != state {
                a.set_state(now);
                any = true;
            }
        }
        if !any {
            continue;
        }
        let new = match republish(&guard, st, old, hook.sleepable()) {
            Ok(new) => new,
            Err(e) => {
                for (&a, &state) in order.iter().zip(was.iter()) {
                    att(a).set_state(state);
                }
                return Err(e);
            }
        };
        for (&a, &state) in new.order().iter().zip(was.iter()) {
            let a = att(a);
            if a.state() != state {
                report(a, a.state());
                changed += 1;
            }
        }
    }
    Ok(changed)
}

/// Detaches every program of `hook` in one change, with one grace period for all of them;
/// returns how many.
pub(crate) fn reset(hook: HookId) -> Result<usize> {
    let guard = WriteGuard::lock();
    seal::check(hook, Change::Rewrite)?;
    let st = state(hook);
    let items = order_of(st.progs());
    let mut retired = Retired::new(&st.retiring, hook.sleepable(), items.len())?;
    for &gone in items {
        // Unpublished by the commit below; each was allocated as a `KBox` by `attach`.
        retired.push(gone.cast_mut());
    }
    let n = items.len();
    commit(st, ptr::null_mut(), retired, guard);
    Ok(n)
}

/// Seals `hook` until reboot (see `seal`).
pub(crate) fn seal(hook: HookId) {
    let _guard = WriteGuard::lock();
    seal::seal(hook);
}

/// Locks krsi until reboot: every hook sealed, no attach (see `seal`).
pub(crate) fn lock() {
    let _guard = WriteGuard::lock();
    seal::lock();
}

/// One attached program as a listing shows it, copied out of the published array.
pub(crate) struct Entry {
    pub(crate) prog: Ident,
    pub(crate) runs: u64,
    pub(crate) nonzero: u64,
    pub(crate) audited: u64,
    pub(crate) settings: Settings,
    pub(crate) state: State,
    pub(crate) sleepable: bool,
    /// A reference to its scope's cgroup, if scoped.
    pub(crate) scope: Option<Scope>,
}

/// The programs of `hook` in run order, read under RCU without the write lock.
pub(crate) fn snapshot(hook: HookId) -> Result<KVec<Entry>> {
    // Sized to the array read last time; tried again if it grew in between.
    let mut room = 0;
    loop {
        let mut out = KVec::with_capacity(room, GFP_KERNEL)?;
        let _rcu = ReadGuard::<false>::lock();
        let st = state(hook);
        let progs = st.progs();
        let len = progs.map_or(0, |p| p.all);
        if len > room {
            room = len;
            continue;
        }
        let runs = runs::of(st, progs);
        for (att, runs) in progs.iter().flat_map(|p| p.iter_all()).zip(runs) {
            // Within the capacity reserved above, so this does not allocate inside the
            // read-side section.
            out.push(
                Entry {
                    prog: att.ident(),
                    runs,
                    nonzero: att.nonzero.load(Ordering::Relaxed),
                    audited: att.audited.load(Ordering::Relaxed),
                    settings: att.settings(),
                    state: att.state(),
                    sleepable: att.sleepable(),
                    scope: att.scope.clone(),
                },
                kernel::alloc::flags::GFP_NOWAIT,
            )?;
        }
        return Ok(out);
    }
}

/// How many programs `hook` has, how many of them are disabled, and whether its static key is
/// on, read under RCU.
pub(crate) fn count(hook: HookId) -> (usize, usize, bool) {
    let st = state(hook);
    let _rcu = ReadGuard::<false>::lock();
    let (all, len) = st.progs().map_or((0, 0), |p| (p.all, p.len));
    (all, all - len, st.key_enabled())
}
