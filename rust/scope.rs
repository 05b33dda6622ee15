// SPDX-License-Identifier: GPL-2.0

//! krsi - cgroup scope: an attachment that runs only for subjects in a cgroup v2 subtree.
//!
//! An attachment made with `cgroup=DIR` (or `KRSI_ATTACH_CGROUP` and a directory descriptor)
//! holds a reference to that cgroup and runs only when the hook's subject is in it or in one of
//! its descendants. The subject is generated per hook with the hook table (`scripts/hookgen`,
//! `subject.rs`): the current task, or for a hook whose first argument is a socket, that socket
//! (its cgroup is its creator's, which is right in softirq context too); a hook with neither
//! (the hooks that free an object, the ones called in interrupt context) cannot be scoped.
//!
//! The test is O(1) and takes no lock: the subject's cgroup holds a pointer to each of its
//! ancestors indexed by level (`cgroup->ancestors`), so "in the subtree of S" is "at S's level or
//! deeper, and the ancestor at S's level is S" (`cgroup_is_descendant()`).
//!
//! A removed cgroup stays referenced by the attachment until it is detached: no task can be in
//! it any more (a socket created in it still can), and the listing says `removed`.

use core::mem::size_of;
use core::ptr::NonNull;

use kernel::bindings;
use kernel::error::{
    code::{EBADF, ENOMEM, ENOTDIR},
    from_err_ptr, to_result, Result,
};
use kernel::prelude::*;
use kernel::str::CStr;

use crate::compat;
use crate::hooks::HookId;

/// Whose cgroup a hook's scoped attachments are checked against: the argument of the generated
/// table's `current`, `socket` and `sock` keywords.
#[derive(Clone, Copy)]
pub(crate) enum Subject {
    /// The current task.
    Current,
    /// The hook's first argument, a socket with its `struct sock`.
    Socket(*const bindings::socket),
    /// The hook's first argument, a socket's `struct sock`.
    Sock(*const bindings::sock),
    /// A hook that cannot be scoped; it never has a scoped attachment.
    Unscoped,
}

/// A hook's socket argument as a const pointer, whether the hook declares it const or not.
pub(crate) trait ConstPtr<T> {
    /// The same pointer, const.
    fn to_const(self) -> *const T;
}

impl<T> ConstPtr<T> for *mut T {
    #[inline(always)]
    fn to_const(self) -> *const T {
        self.cast_const()
    }
}

impl<T> ConstPtr<T> for *const T {
    #[inline(always)]
    fn to_const(self) -> *const T {
        self
    }
}

/// Reads the pointer at byte `offset` of `base`.
///
/// # Safety
///
/// `base + offset` must hold a readable pointer (a C layout offset of `base`'s type).
#[inline(always)]
unsafe fn read_at<T>(base: *const u8, offset: u32) -> *const T {
    // SAFETY: the caller's promise.
    unsafe { base.add(offset as usize).cast::<*const T>().read() }
}

/// The level of `cgroup` in its hierarchy (0 for the root).
///
/// # Safety
///
/// `cgroup` must be a valid cgroup.
#[inline(always)]
unsafe fn level(cgroup: *const u8) -> i32 {
    // SAFETY: `KRSI_CGROUP_LEVEL` is the C offset of the `int level` of a valid cgroup.
    unsafe {
        cgroup
            .add(bindings::KRSI_CGROUP_LEVEL as usize)
            .cast::<i32>()
            .read()
    }
}

/// A hook subject's default-hierarchy cgroup and its level, read once per hook call.
///
/// # Invariants
///
/// `cgroup` is a valid default-hierarchy cgroup while the RCU read-side section it was read in
/// lasts, and `level` is its level.
pub(crate) struct SubjectCgroup {
    cgroup: *const u8,
    level: i32,
}

impl Subject {
    /// The subject's default-hierarchy cgroup.
    ///
    /// A socket's is the one `cgroup_sk_alloc()` gave it when it was allocated (its creator's,
    /// the root's for one made in interrupt context) or `cgroup_sk_clone()` copied from its
    /// parent; it is read as mainline's BPF_LSM_CGROUP shims read it
    /// (`__cgroup_bpf_run_lsm_socket()`): the `socket` hooks are called on a socket that has its
    /// `struct sock`, and the one hook called with a null socket is scoped by `current`
    /// (`subject.rs`).
    ///
    /// # Safety
    ///
    /// The caller holds `rcu_read_lock()` (a task's css_set and cgroups are freed after a grace
    /// period) until it is done with the result, `task` is the running task, and the socket
    /// arguments are the hook's.
    #[inline(always)]
    pub(crate) unsafe fn cgroup(self, task: *const bindings::task_struct) -> SubjectCgroup {
        // SAFETY: (all arms) the offsets are C's (`layout.h`); a running task always has a
        // css_set and it a default-hierarchy cgroup; a socket argument is valid for the hook's
        // duration, with its `struct sock`, whose `sk_cgrp_data` is set at allocation; all stay
        // valid under RCU.
        let cgroup: *const u8 = unsafe {
            match self {
                #[cfg(CONFIG_NET)]
                Subject::Socket(sock) => {
                    let sk = read_at::<u8>(sock.cast(), bindings::KRSI_SOCKET_SK);
                    read_at(sk, bindings::KRSI_SOCK_CGROUP)
                }
                #[cfg(CONFIG_NET)]
                Subject::Sock(sk) => read_at(sk.cast(), bindings::KRSI_SOCK_CGROUP),
                // An unscoped hook never has a scoped attachment, so never asks; its current
                // task's cgroup is as good as any.
                _ => {
                    let cset = read_at::<u8>(task.cast(), bindings::KRSI_TASK_CGROUPS);
                    read_at(cset, bindings::KRSI_CSS_SET_DFL_CGRP)
                }
            }
        };
        // INVARIANT: a valid default-hierarchy cgroup under the caller's RCU section.
        SubjectCgroup {
            cgroup,
            // SAFETY: as above.
            level: unsafe { level(cgroup) },
        }
    }
}

/// The subtree an attachment runs for, as the hot path tests it: its scope's cgroup, or for an
/// unscoped attachment the whole hierarchy (the root cgroup, every subject's ancestor at level
/// 0), so that one test serves both and a chain does not branch on whether an attachment is
/// scoped.
///
/// # Invariants
///
/// `top` is a default-hierarchy cgroup that outlives the attachment holding this (the scope's
/// reference keeps it, or it is the root, which is never freed); `level` is its level and `slot`
/// the byte offset of `ancestors[level]` in a `struct cgroup`.
#[derive(Clone, Copy)]
pub(crate) struct Subtree {
    top: *const bindings::cgroup,
    level: i32,
    slot: u32,
}

// SAFETY: a plain description of a cgroup that outlives it (type invariant), read-only.
unsafe impl Send for Subtree {}
// SAFETY: as above.
unsafe impl Sync for Subtree {}

impl Subtree {
    /// The whole default hierarchy: the subtree of its root cgroup.
    pub(crate) fn all() -> Self {
        // INVARIANT: the root of the default hierarchy, at level 0, lives forever.
        Self {
            // SAFETY: returns the address of a static.
            top: unsafe { bindings::krsi_cgroup_dfl_root() },
            level: 0,
            slot: bindings::KRSI_CGROUP_ANCESTORS,
        }
    }

    /// Whether `subject` is in the subtree: at its top's level or deeper, with the top as its
    /// ancestor at that level (`cgroup_is_descendant()`); O(1), no lock.
    #[inline(always)]
    pub(crate) fn holds(&self, subject: &SubjectCgroup) -> bool {
        // SAFETY: `subject.cgroup` is a valid cgroup (its type invariant; the borrow does not
        // outlive the section); `ancestors[level]` is read only when its level is at least ours,
        // so within its array (type invariant for the offset).
        subject.level >= self.level
            && unsafe { read_at::<bindings::cgroup>(subject.cgroup, self.slot) } == self.top
    }
}

/// A cgroup v2 subtree an attachment is scoped to.
///
/// # Invariants
///
/// `cgroup` is a default-hierarchy cgroup this holds a reference to; `level` is its level and
/// `slot` the byte offset of `ancestors[level]` in a `struct cgroup`.
pub(crate) struct Scope {
    cgroup: NonNull<bindings::cgroup>,
    level: i32,
    slot: u32,
}

// SAFETY: a cgroup reference may be used and put from any context and thread.
unsafe impl Send for Scope {}
// SAFETY: `Scope` is read-only after creation.
unsafe impl Sync for Scope {}

impl Scope {
    /// Takes over a reference to `cgroup`, refusing a cgroup of another hierarchy (v1) with
    /// `EBADF`, as `cgroup_get_from_fd()` does.
    ///
    /// # Safety
    ///
    /// `cgroup` must be a cgroup the caller holds a reference to, which moves into the scope
    /// (and is put on an error).
    unsafe fn new(cgroup: *mut bindings::cgroup) -> Result<Self> {
        let cgroup = NonNull::new(cgroup).ok_or(EBADF)?;
        // SAFETY: the caller holds a reference.
        if !unsafe { bindings::krsi_cgroup_on_dfl(cgroup.as_ptr()) } {
            // SAFETY: puts the caller's reference.
            unsafe { bindings::krsi_cgroup_put(cgroup.as_ptr()) };
            return Err(EBADF);
        }
        // SAFETY: the cgroup is valid; its level is set at creation and never changes.
        let level = unsafe { level(cgroup.as_ptr().cast()) };
        let slot = bindings::KRSI_CGROUP_ANCESTORS + level as u32 * size_of::<usize>() as u32;
        // INVARIANT: a default-hierarchy cgroup we hold a reference to, with its level.
        Ok(Self {
            cgroup,
            level,
            slot,
        })
    }

    /// The cgroup of directory `path` (a cgroup v2 directory, absolute path). `ENOENT` if there
    /// is none or it is being removed, `ENOTDIR` for a file that is not a directory, `EBADF` for
    /// a directory that is not a cgroup v2 directory.
    pub(crate) fn from_path(path: &CStr) -> Result<Self> {
        let mut p = core::mem::MaybeUninit::<bindings::path>::uninit();
        // SAFETY: `path` is NUL-terminated; on success `p` holds a reference put below.
        to_result(unsafe {
            bindings::kern_path(
                compat::cstr_char_ptr(path),
                bindings::KRSI_LOOKUP_FOLLOW,
                p.as_mut_ptr(),
            )
        })?;
        // SAFETY: `kern_path` succeeded, so `p` is initialised.
        let p = unsafe { p.assume_init() };
        // SAFETY: the path holds a reference to its dentry.
        let css = if unsafe { bindings::krsi_d_is_dir(p.dentry) } {
            // SAFETY: as above; the function takes a reference to the css it returns.
            from_err_ptr(unsafe {
                bindings::css_tryget_online_from_dir(p.dentry, core::ptr::null_mut())
            })
        } else {
            Err(ENOTDIR)
        };
        // SAFETY: puts the reference `kern_path` took.
        unsafe { bindings::path_put(&p) };
        let css = css?;
        // SAFETY: the subsystem-less css of a cgroup is its `self`, so the reference taken on it
        // is a reference to its cgroup.
        unsafe { Self::new((*css).cgroup) }
    }

    /// The cgroup of directory descriptor `fd`, with `cgroup_get_from_fd()`'s errors (`EBADF`
    /// for a descriptor that is not a cgroup v2 directory).
    pub(crate) fn from_fd(fd: i32) -> Result<Self> {
        // SAFETY: the function takes a reference or returns an error.
        let cgroup = from_err_ptr(unsafe { bindings::cgroup_get_from_fd(fd) })?;
        // SAFETY: the reference moves into the scope.
        unsafe { Self::new(cgroup) }
    }

    /// Refuses, with `EOPNOTSUPP`, a scope on a hook without a subject (see `subject.rs`).
    pub(crate) fn check(hook: HookId) -> Result {
        if hook.scopable() {
            Ok(())
        } else {
            Err(crate::progs::eopnotsupp())
        }
    }

    /// The subtree the hot path tests.
    pub(crate) fn subtree(&self) -> Subtree {
        // INVARIANT: our cgroup, kept by our reference for as long as the attachment holds us.
        Subtree {
            top: self.cgroup.as_ptr(),
            level: self.level,
            slot: self.slot,
        }
    }

    /// The cgroup's id (its inode number in the cgroup2 filesystem).
    pub(crate) fn id(&self) -> u64 {
        // SAFETY: we hold a reference (type invariant).
        unsafe { bindings::krsi_cgroup_id(self.cgroup.as_ptr()) }
    }

    /// Whether the cgroup was removed (`rmdir`).
    pub(crate) fn removed(&self) -> bool {
        // SAFETY: we hold a reference (type invariant).
        unsafe { bindings::krsi_cgroup_removed(self.cgroup.as_ptr()) }
    }

    /// Calls `f` on the cgroup's path from the root of the cgroup2 hierarchy, as
    /// `/proc/<pid>/cgroup` shows it.
    pub(crate) fn with_path(&self, f: impl FnOnce(&[u8]) -> Result) -> Result {
        const PATH_MAX: usize = bindings::PATH_MAX as usize;
        let mut buf = KVec::from_elem(0u8, PATH_MAX, GFP_KERNEL)?;
        // SAFETY: `buf` holds `PATH_MAX` bytes; we hold a reference (type invariant).
        let len = unsafe {
            bindings::cgroup_path_ns(
                self.cgroup.as_ptr(),
                buf.as_mut_ptr().cast(),
                PATH_MAX,
                &raw mut bindings::init_cgroup_ns,
            )
        };
        to_result(len)?;
        let len = len as usize;
        if len >= PATH_MAX {
            return Err(ENOMEM);
        }
        f(&buf[..len])
    }
}

impl Clone for Scope {
    /// Another reference to the same cgroup; takes no lock and does not allocate, so it may be
    /// taken under RCU.
    fn clone(&self) -> Self {
        // SAFETY: we hold a reference (type invariant), so the cgroup is live.
        unsafe { bindings::krsi_cgroup_get(self.cgroup.as_ptr()) };
        // INVARIANT: the reference just taken.
        Self { ..*self }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        // SAFETY: we hold a reference (type invariant).
        unsafe { bindings::krsi_cgroup_put(self.cgroup.as_ptr()) };
    }
}
