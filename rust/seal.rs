// SPDX-License-Identifier: GPL-2.0

//! krsi - seal and lock: which changes a hook still accepts, until reboot.
//!
//! A sealed hook accepts only changes that can only add denials or records (appending a program
//! with a plain `PATH`, audit to enforce, log 0 to 1): every change that removes, replaces,
//! reorders or weakens a program is refused with `EROFS`.
//! Locking krsi seals every hook and refuses appending as well. Neither can be undone. Both are
//! set and checked under the write lock of `progs`, so a change either happened before the seal
//! or is refused.

use core::sync::atomic::{AtomicBool, Ordering};

use kernel::error::{code::EROFS, Result};

use crate::hooks::{HookId, HOOK_COUNT};

/// What a change does to a hook's programs, as far as sealing is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    /// Can only add denials or records: attaches a program after every other one (whatever its
    /// mode), switches an attachment from audit to enforce or makes a quiet one log again.
    Tighten,
    /// Anything else: attaches at a chosen place, detaches, replaces, resets, switches from
    /// enforce to audit, makes an attachment quiet.
    Rewrite,
}

/// The sealed hooks.
static SEALED: [AtomicBool; HOOK_COUNT] = [const { AtomicBool::new(false) }; HOOK_COUNT];

/// Set once krsi is locked.
static LOCKED: AtomicBool = AtomicBool::new(false);

/// Whether `hook` is sealed, by itself or by the lock.
pub(crate) fn sealed(hook: HookId) -> bool {
    locked() || SEALED[hook as usize].load(Ordering::Relaxed)
}

/// Whether `hook` was sealed by itself (not only by the lock).
pub(crate) fn sealed_alone(hook: HookId) -> bool {
    SEALED[hook as usize].load(Ordering::Relaxed)
}

/// Whether krsi is locked.
pub(crate) fn locked() -> bool {
    LOCKED.load(Ordering::Relaxed)
}

/// Refuses `change` to `hook` with `EROFS` if the seal or the lock forbids it. Called with the
/// write lock held, in the same section that makes the change.
pub(crate) fn check(hook: HookId, change: Change) -> Result {
    if locked() || (change != Change::Tighten && sealed(hook)) {
        return Err(EROFS);
    }
    Ok(())
}

/// Seals `hook` until reboot. Called with the write lock held.
pub(crate) fn seal(hook: HookId) {
    SEALED[hook as usize].store(true, Ordering::Relaxed);
}

/// Locks krsi until reboot. Called with the write lock held.
pub(crate) fn lock() {
    LOCKED.store(true, Ordering::Relaxed);
}
