// SPDX-License-Identifier: GPL-2.0

//! krsi - what differs between the kernels krsi builds against, in one place.
//!
//! krsi supports Linux 6.12 (LTS) and 7.2. `Kbuild` probes the target tree and passes one
//! `--cfg krsi_*` per difference found, so the same source builds against either, and against
//! any tree in between that has either form:
//!
//! - `krsi_lsm_info_id`: `struct lsm_info` names the LSM through `const struct lsm_id *id`
//!   (7.2), not `const char *name` (6.12).
//! - `krsi_user_ptr_struct`: `kernel::uaccess::UserPtr` is a newtype (7.2), not `usize`.
//! - `krsi_cstr_ext`: the kernel's `CStr` is `core::ffi::CStr` with the `CStrExt` trait (7.2),
//!   not a type of its own; 7.2's clippy configuration forbids `CStr::as_ptr`/`from_ptr`.
//! - `krsi_transmute`: `FromBytes` lives in `kernel::transmute` (7.2), not `kernel::types`.
//! - `krsi_compat_ptr_ioctl_option`: the bindings crate defines `compat_ptr_ioctl` as an
//!   `Option` of the function (7.2), not the function itself.
//! - `krsi_securityfs_recursive_remove`: `securityfs_recursive_remove()` exists (6.12); in 7.2
//!   `securityfs_remove()` is recursive.
//! - `krsi_lookup_noperm`: a kernel-internal lookup of a name in a directory is
//!   `lookup_noperm_unlocked()`, which takes a `qstr` (7.2), not `lookup_one_len_unlocked()`.
//! - `krsi_pcpu_hot`: on x86, the running task and the preemption count are members of the
//!   per-CPU `pcpu_hot` (6.12), not the per-CPU variables `current_task` and `__preempt_count`
//!   (7.2).
//!
//! Everything else krsi uses has one form in both, through `rust/helpers.c` where a kernel made a
//! function static inline (`migrate_disable()`, `call_rcu_tasks_trace()` and `override_creds()` in 7.2).
//!
//! One difference is the toolchain's: `<[T]>::copy_from_slice` panics through
//! `core::slice::copy_from_slice_impl::len_mismatch_fail` with rustc 1.95, a function that never
//! returns but is missing from objtool's list of them (6.12 and 7.2 know the name older rustc
//! gave it). Where objtool checks each object (x86 without `X86_KERNEL_IBT`), a copy the compiler
//! left out of line then "falls through to next function", so krsi copies with [`copy_items`].

use kernel::bindings;
use kernel::ffi::{c_char, c_int};
#[cfg(CONFIG_COMPAT)]
use kernel::ffi::{c_long, c_uint, c_ulong};
use kernel::str::CStr;
#[cfg(krsi_cstr_ext)]
use kernel::str::CStrExt;
use kernel::uaccess::UserSlice;

/// Copies `src` into `dst`, as long: `dst.copy_from_slice(src)` without the panic objtool does not
/// know (see the module's documentation).
pub(crate) fn copy_items<T: Copy>(dst: &mut [T], src: &[T]) {
    debug_assert_eq!(dst.len(), src.len());
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}

/// Types any bytes are a valid value of, for reading them from user memory.
#[cfg(krsi_transmute)]
pub(crate) use kernel::transmute::FromBytes;
#[cfg(not(krsi_transmute))]
pub(crate) use kernel::types::FromBytes;

/// The `lsm_info` of an LSM called `name`, with id `id`, initialised by `init`.
pub(crate) const fn lsm_info(
    name: &'static core::ffi::CStr,
    id: &'static bindings::lsm_id,
    init: unsafe extern "C" fn() -> c_int,
) -> bindings::lsm_info {
    #[cfg(krsi_lsm_info_id)]
    let _ = name;
    #[cfg(not(krsi_lsm_info_id))]
    let _ = id;
    bindings::lsm_info {
        #[cfg(krsi_lsm_info_id)]
        id,
        #[cfg(not(krsi_lsm_info_id))]
        name: const_char_ptr(name),
        order: bindings::lsm_order_LSM_ORDER_MUTABLE,
        init: Some(init),
        // SAFETY: all-zero is a valid `lsm_info` tail: no flags, blobs, enable flag or initcalls.
        ..unsafe { core::mem::zeroed() }
    }
}

/// A C string literal's characters, in a constant.
pub(crate) const fn const_char_ptr(s: &'static core::ffi::CStr) -> *const c_char {
    #[cfg(krsi_cstr_ext)]
    return kernel::str::as_char_ptr_in_const_context(s);
    #[cfg(not(krsi_cstr_ext))]
    return s.as_ptr().cast();
}

/// The bytes of `s`, without the NUL.
pub(crate) fn cstr_bytes(s: &CStr) -> &[u8] {
    #[cfg(krsi_cstr_ext)]
    return s.to_bytes();
    #[cfg(not(krsi_cstr_ext))]
    return s.as_bytes();
}

/// The characters of `s`, for C.
pub(crate) fn cstr_char_ptr(s: &CStr) -> *const c_char {
    s.as_char_ptr()
}

/// The C string at `ptr`.
///
/// # Safety
///
/// `ptr` must point at a NUL-terminated string that lives, unchanged, for `'a`.
pub(crate) unsafe fn cstr_from_char_ptr<'a>(ptr: *const c_char) -> &'a CStr {
    // SAFETY: the caller's promise.
    unsafe { CStr::from_char_ptr(ptr) }
}

/// A `file_operations` table's `compat_ioctl`.
#[cfg(CONFIG_COMPAT)]
type CompatIoctl = Option<unsafe extern "C" fn(*mut bindings::file, c_uint, c_ulong) -> c_long>;

/// `compat_ptr_ioctl()`, for a `file_operations` table's `compat_ioctl`.
#[cfg(all(CONFIG_COMPAT, krsi_compat_ptr_ioctl_option))]
pub(crate) const COMPAT_PTR_IOCTL: CompatIoctl = bindings::compat_ptr_ioctl;
#[cfg(all(CONFIG_COMPAT, not(krsi_compat_ptr_ioctl_option)))]
pub(crate) const COMPAT_PTR_IOCTL: CompatIoctl = Some(bindings::compat_ptr_ioctl);

/// The user memory of `len` bytes at address `addr`.
pub(crate) fn user_slice(addr: usize, len: usize) -> UserSlice {
    #[cfg(krsi_user_ptr_struct)]
    return UserSlice::new(kernel::uaccess::UserPtr::from_addr(addr), len);
    #[cfg(not(krsi_user_ptr_struct))]
    return UserSlice::new(addr, len);
}

/// Removes a securityfs directory and everything in it.
///
/// # Safety
///
/// `dir` must be a live securityfs dentry that nobody else removes.
pub(crate) unsafe fn securityfs_remove_tree(dir: *mut bindings::dentry) {
    // SAFETY: the caller's promise.
    unsafe {
        #[cfg(krsi_securityfs_recursive_remove)]
        bindings::securityfs_recursive_remove(dir);
        #[cfg(not(krsi_securityfs_recursive_remove))]
        bindings::securityfs_remove(dir);
    }
}

/// The child `name` of the directory `dir`, with a reference (`dput()` it), looked up without
/// permission checks; `None` if there is none.
///
/// # Safety
///
/// `dir` must be a live directory dentry.
pub(crate) unsafe fn lookup_child(
    dir: *mut bindings::dentry,
    name: &'static core::ffi::CStr,
) -> Option<*mut bindings::dentry> {
    // SAFETY: `dir` is live by the safety requirements; `name` is NUL-terminated and static.
    #[cfg(krsi_lookup_noperm)]
    let found = unsafe {
        let mut qstr = bindings::krsi_qstr(const_char_ptr(name));
        bindings::lookup_noperm_unlocked(&mut qstr, dir)
    };
    // SAFETY: as above.
    #[cfg(not(krsi_lookup_noperm))]
    let found = unsafe {
        bindings::lookup_one_len_unlocked(const_char_ptr(name), dir, name.to_bytes().len() as c_int)
    };
    let found = kernel::error::from_err_ptr(found).ok()?;
    // SAFETY: a successful lookup returns a live dentry, negative if the name does not exist.
    if unsafe { (*found).d_inode }.is_null() {
        // SAFETY: the lookup's reference is ours.
        unsafe { bindings::dput(found) };
        return None;
    }
    Some(found)
}

/// The running task (`current`). On x86-64 one load from this CPU's segment, the instruction C's
/// `get_current()` compiles to (`this_cpu_read_stable()`: the task pointer cannot change under
/// the task that reads it), where the pointer is the first member of `pcpu_hot` (6.12,
/// `krsi_pcpu_hot`) or the per-CPU variable `current_task` (7.2); elsewhere a call of the C
/// helper.
#[inline(always)]
pub(crate) fn current() -> *mut bindings::task_struct {
    #[cfg(CONFIG_X86_64)]
    {
        let task: *mut bindings::task_struct;
        #[cfg(krsi_pcpu_hot)]
        // SAFETY: reads this CPU's current-task pointer, a per-CPU variable addressed through
        // %gs like every per-CPU access of the kernel; it reads no other memory and writes none.
        unsafe {
            core::arch::asm!(
                "movq %gs:{hot}, {task}",
                hot = sym bindings::pcpu_hot,
                task = out(reg) task,
                options(att_syntax, nostack, preserves_flags, readonly, pure),
            );
        }
        #[cfg(not(krsi_pcpu_hot))]
        // SAFETY: as above.
        unsafe {
            core::arch::asm!(
                "movq %gs:{cur}, {task}",
                cur = sym bindings::current_task,
                task = out(reg) task,
                options(att_syntax, nostack, preserves_flags, readonly, pure),
            );
        }
        task
    }
    #[cfg(not(CONFIG_X86_64))]
    // SAFETY: C's `current`, which any context has.
    unsafe {
        bindings::get_current()
    }
}

#[cfg(all(CONFIG_X86_64, CONFIG_PREEMPT_DYNAMIC, not(CONFIG_PREEMPT_RT)))]
pub(crate) use preempt::kernel_preempts;
#[cfg(all(CONFIG_X86_64, CONFIG_PREEMPT_COUNT, not(CONFIG_PREEMPT_RT)))]
pub(crate) use preempt::{preempt_disable, preempt_enable};

/// Preemption on x86-64 with a preemption count (not PREEMPT_RT), inline, for the hook path
/// (`rcu`): to pin its task to the CPU by disabling preemption when the kernel does not preempt
/// kernel code in its current mode (`CONFIG_PREEMPT_DYNAMIC`, `rcu::HookGuard`), and as
/// `rcu_read_lock()` itself with non-preemptible RCU (`rcu::rcu_lock`). This CPU's preemption
/// count is a member of `pcpu_hot` (6.12, `krsi_pcpu_hot`) or the per-CPU variable
/// `__preempt_count` (7.2).
#[cfg(all(CONFIG_X86_64, CONFIG_PREEMPT_COUNT, not(CONFIG_PREEMPT_RT)))]
mod preempt {
    use kernel::bindings;

    /// The count's offset in its per-CPU variable.
    #[cfg(krsi_pcpu_hot)]
    const OFFSET: usize = core::mem::offset_of!(
        bindings::pcpu_hot__bindgen_ty_1__bindgen_ty_1,
        preempt_count
    );
    #[cfg(not(krsi_pcpu_hot))]
    const OFFSET: usize = 0;

    /// Whether the kernel preempts kernel code in its current mode (full, lazy), not only where
    /// it calls `cond_resched()` and the like (none, voluntary): whether `preempt_enable()`
    /// reschedules, which is `static_call_query(preempt_schedule)` being set (x86's
    /// `preempt_schedule_dynamic_disabled` is NULL). The mode may change at any time
    /// (`/sys/kernel/debug/sched/preempt`): a caller keeps what it read.
    #[cfg(CONFIG_PREEMPT_DYNAMIC)]
    #[inline(always)]
    pub(crate) fn kernel_preempts() -> bool {
        // SAFETY: the static call's key is a static of the kernel; its function pointer is
        // read once, as `static_call_query()` does (`READ_ONCE()`).
        let func =
            unsafe { core::ptr::read_volatile(&raw const bindings::__SCK__preempt_schedule.func) };
        !func.is_null()
    }

    /// Assembles `$template` (lines that name this CPU's preemption count `{count}+{off}`) with
    /// any further operands.
    macro_rules! on_count {
        ($($template:literal),+ $(; $($operands:tt)*)?) => {
            core::arch::asm!(
                $($template),+,
                #[cfg(krsi_pcpu_hot)]
                count = sym bindings::pcpu_hot,
                #[cfg(not(krsi_pcpu_hot))]
                count = sym bindings::__preempt_count,
                off = const OFFSET,
                $($($operands)*)?
                options(att_syntax, nostack),
            )
        };
    }

    /// `preempt_disable()`: one increment of this CPU's preemption count, as x86's
    /// `__preempt_count_add(1)`, and a compiler barrier. Without `CONFIG_DEBUG_PREEMPT`'s checks
    /// (an imbalance shows in the debug kernel's other checks of the count anyway).
    #[inline(always)]
    pub(crate) fn preempt_disable() {
        // SAFETY: adds one to this CPU's preemption count, which any context may do (paired with
        // `preempt_enable`); no other memory is written. A compiler barrier, as in C.
        unsafe { on_count!("incl %gs:{count}+{off}") };
    }

    /// `preempt_enable()`: one decrement of this CPU's preemption count and, when it reaches
    /// zero (x86 folds a pending reschedule into the count, so zero means "enabled, and a
    /// reschedule is due"), the kernel's `__preempt_schedule()`, out of line. Where the kernel
    /// never preempts (no `CONFIG_PREEMPTION`: the count is kept for its checks only), the
    /// decrement alone.
    #[inline(always)]
    pub(crate) fn preempt_enable() {
        #[cfg(CONFIG_PREEMPTION)]
        // SAFETY: undoes `preempt_disable` on the same CPU (preemption was disabled); the
        // reschedule is C's, from a context that just became preemptible.
        unsafe {
            on_count!(
                "decl %gs:{count}+{off}",
                "jz {resched}";
                // SAFETY: `__preempt_schedule()` where C's `preempt_enable()` calls it.
                resched = label { unsafe { bindings::krsi_preempt_schedule() } },
            )
        };
        #[cfg(not(CONFIG_PREEMPTION))]
        // SAFETY: undoes `preempt_disable` on the same CPU; no other memory is written.
        unsafe {
            on_count!("decl %gs:{count}+{off}")
        };
    }
}
