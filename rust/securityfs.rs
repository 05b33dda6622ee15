// SPDX-License-Identifier: GPL-2.0

//! krsi - the securityfs tree: one file per hook under `/sys/kernel/security/bpf/`.

use core::ptr;
use core::sync::atomic::{AtomicBool, Ordering};

use kernel::error::{from_err_ptr, Result};
use kernel::{bindings, ffi, pr_err};

use crate::hooks::HOOKS;

/// Name of the directory under the securityfs root.
const DIR_NAME: &core::ffi::CStr = c"bpf";

/// Hook files are root-owned and read and written by root only.
const HOOK_FILE_MODE: bindings::umode_t = 0o600;

/// Set by the LSM init once krsi's hooks are registered: without it (krsi not in `lsm=`) there
/// is no tree to create.
pub(crate) static LSM_ACTIVE: AtomicBool = AtomicBool::new(false);

/// A `file_operations` table; it holds raw pointers and so needs a `Sync` wrapper.
#[repr(transparent)]
struct FileOps(bindings::file_operations);

// SAFETY: the table is immutable and only points at functions.
unsafe impl Sync for FileOps {}

/// Reads the hook's listing of attached programs: none can be attached yet.
///
/// # Safety
///
/// Called by the VFS only, on a hook file opened for reading.
unsafe extern "C" fn hook_read(
    _file: *mut bindings::file,
    _buf: *mut ffi::c_char,
    _count: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    0
}

static HOOK_FOPS: FileOps = FileOps(bindings::file_operations {
    read: Some(hook_read),
    llseek: Some(bindings::noop_llseek),
    // SAFETY: all-zero is a valid `file_operations`: null pointers and `None` callbacks.
    ..unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
});

/// Creates the directory and one file per hook; on failure removes what it created.
fn create_tree() -> Result {
    // SAFETY: `DIR_NAME` is a NUL-terminated string; a null parent means the securityfs root.
    let dir = from_err_ptr(unsafe {
        bindings::securityfs_create_dir(DIR_NAME.as_ptr().cast(), ptr::null_mut())
    })?;
    for &hook in HOOKS {
        // SAFETY: the name is NUL-terminated and static, `dir` is the live directory created
        // above, and `HOOK_FOPS` is static. The file's private data is the hook's index.
        let file = from_err_ptr(unsafe {
            bindings::securityfs_create_file(
                hook.name().as_char_ptr(),
                HOOK_FILE_MODE,
                dir,
                hook as usize as *mut ffi::c_void,
                &HOOK_FOPS.0,
            )
        });
        if let Err(e) = file {
            // SAFETY: `dir` is the live directory created above; nothing else refers to it yet.
            unsafe { bindings::securityfs_recursive_remove(dir) };
            return Err(e);
        }
    }
    Ok(())
}

/// Creates the securityfs tree; runs at `fs_initcall` time, after securityfs is up.
#[link_section = ".init.text"]
#[no_mangle]
extern "C" fn krsi_securityfs_init() -> ffi::c_int {
    if !LSM_ACTIVE.load(Ordering::Relaxed) {
        return 0;
    }
    match create_tree() {
        Ok(()) => 0,
        Err(e) => {
            pr_err!("cannot create /sys/kernel/security/{}: {:?}\n", "bpf", e);
            e.to_errno()
        }
    }
}

// The initcall entry, in the position-relative form x86-64 uses (as `module!` does for built-in
// Rust modules); level 5 is `fs_initcall`.
core::arch::global_asm!(
    r#".section ".initcall5.init", "a"
    __krsi_securityfs_initcall:
        .long krsi_securityfs_init - .
    .previous"#
);
