// SPDX-License-Identifier: GPL-2.0

//! krsi - registration with the LSM framework.

use core::cell::UnsafeCell;
use core::mem::MaybeUninit;

use kernel::{bindings, ffi, pr_info};

use crate::compat;
use crate::hooks::{self, HOOK_COUNT};

/// The LSM's name, as listed in `/sys/kernel/security/lsm` and `CONFIG_LSM`.
const NAME: &core::ffi::CStr = c"krsi";

/// The id reported by `lsm_list_modules(2)`.
///
/// Mainline ids are listed in `include/uapi/linux/lsm.h` and stay below 200; an out-of-tree LSM
/// takes one above them so that it cannot collide with a future mainline id.
const LSM_ID_KRSI: u64 = 200;

/// A static that the LSM framework reads but that holds raw pointers.
#[repr(transparent)]
struct Shared<T>(T);

// SAFETY: the wrapped values are written at compile time only and point at static, immutable data
// (string literals and functions), so sharing them between CPUs is sound.
unsafe impl<T> Sync for Shared<T> {}

static LSM_ID: Shared<bindings::lsm_id> = Shared(bindings::lsm_id {
    name: compat::const_char_ptr(NAME),
    id: LSM_ID_KRSI,
});

/// The `security_hook_list` array handed to `security_add_hooks()`.
///
/// # Invariants
///
/// Written only by [`krsi_init`], during single-threaded early boot, before
/// `security_add_hooks()` links it into the framework; read-only afterwards (it lives in
/// `.data..ro_after_init`, like the C LSMs' hook arrays).
#[repr(transparent)]
struct HookList(UnsafeCell<[bindings::security_hook_list; HOOK_COUNT]>);

// SAFETY: by the type invariant, the array is only written before other CPUs run and is never
// written again.
unsafe impl Sync for HookList {}

#[link_section = ".data..ro_after_init"]
static HOOK_LIST: HookList = HookList(UnsafeCell::new(
    // SAFETY: all-zero is a valid `security_hook_list`: null pointers and `None` callbacks.
    unsafe { MaybeUninit::zeroed().assume_init() },
));

/// Registers krsi's hooks; called once by the LSM framework during early boot.
///
/// # Safety
///
/// Must only be called by the LSM framework, once, through [`KRSI_LSM`].
#[link_section = ".init.text"]
unsafe extern "C" fn krsi_init() -> ffi::c_int {
    let list = HOOK_LIST.0.get();
    // SAFETY: by the invariant of `HookList`, nothing else accesses the array before
    // `security_add_hooks()` below, and early boot is single-threaded.
    unsafe { hooks::fill_hook_list(&mut *list) };
    // SAFETY: `list` holds `HOOK_COUNT` initialised entries and, like `LSM_ID`, is static, so it
    // outlives the framework's use of it.
    unsafe { bindings::security_add_hooks(list.cast(), HOOK_COUNT as ffi::c_int, &LSM_ID.0) };
    crate::securityfs::LSM_ACTIVE.store(true, core::sync::atomic::Ordering::Relaxed);
    pr_info!("initialized with {} hooks\n", HOOK_COUNT);
    0
}

/// Finds krsi's static-call keys and turns them off; called from the securityfs initcall.
pub(crate) fn take_static_keys() -> kernel::error::Result {
    // SAFETY: by the invariant of `HookList`, the array is no longer written after init.
    crate::progs::init(unsafe { &*HOOK_LIST.0.get() })
}

#[used]
#[link_section = ".lsm_info.init"]
static KRSI_LSM: Shared<bindings::lsm_info> = Shared(compat::lsm_info(NAME, &LSM_ID.0, krsi_init));
