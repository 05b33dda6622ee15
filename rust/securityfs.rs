// SPDX-License-Identifier: GPL-2.0

//! krsi - the securityfs tree: one file per hook under `/sys/kernel/security/bpf/`, plus `status`
//! and `control`.

use core::ptr;
use core::sync::atomic::{AtomicBool, Ordering};

use kernel::alloc::{flags::GFP_KERNEL, KBox, KVec};
use kernel::error::{from_err_ptr, Result};
use kernel::{bindings, ffi, pr_err};

use crate::compat;
use crate::control;
use crate::hooks::HOOKS;

/// Name of the directory under the securityfs root.
const DIR_NAME: &core::ffi::CStr = c"bpf";

/// Name of the read-only status file; `scripts/hookgen` refuses a hook of that name.
const STATUS_NAME: &core::ffi::CStr = c"status";

/// Name of the global control file; `scripts/hookgen` refuses a hook of that name.
const CONTROL_NAME: &core::ffi::CStr = c"control";

/// Hook files are root-owned and read and written by root only.
const HOOK_FILE_MODE: bindings::umode_t = 0o600;

/// The status file is root-owned and read by root only.
const STATUS_FILE_MODE: bindings::umode_t = 0o400;

/// The status file's private data; hook files hold their index in `HOOKS`, which is smaller.
const STATUS_DATA: usize = usize::MAX;

/// The control file's private data.
pub(crate) const CONTROL_DATA: usize = usize::MAX - 1;

/// Set by the LSM init once krsi's hooks are registered: without it (krsi not in `lsm=`) there
/// is no tree to create.
pub(crate) static LSM_ACTIVE: AtomicBool = AtomicBool::new(false);

/// A `file_operations` table; it holds raw pointers and so needs a `Sync` wrapper.
#[repr(transparent)]
struct FileOps(bindings::file_operations);

// SAFETY: the table is immutable and only points at functions.
unsafe impl Sync for FileOps {}

/// Converts a result to what a VFS callback returns: the value or a negative errno.
fn to_ret<T: TryInto<isize>>(r: Result<T>) -> isize {
    match r {
        Ok(v) => v.try_into().unwrap_or(isize::MAX),
        Err(e) => e.to_errno() as isize,
    }
}

/// Opens a file of the tree: a file opened for reading gets a snapshot of its text, taken now, in
/// its private data.
///
/// # Safety
///
/// Called by the VFS only.
unsafe extern "C" fn file_open(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> ffi::c_int {
    // SAFETY: the VFS passes a valid, opening file.
    let flags = unsafe { (*file).f_flags };
    if flags & bindings::O_ACCMODE == bindings::O_WRONLY {
        return 0;
    }
    // SAFETY: the VFS passes the file's valid inode.
    let text = match unsafe { (*inode).i_private } as usize {
        STATUS_DATA => control::status(),
        CONTROL_DATA => control::control(),
        _ => control::listing(file),
    };
    let text = match text.and_then(|t| Ok(KBox::new(t, GFP_KERNEL)?)) {
        Ok(t) => t,
        Err(e) => return e.to_errno(),
    };
    // SAFETY: the private data of krsi's files belongs to krsi; `file_release` frees it.
    unsafe { (*file).private_data = KBox::into_raw(text).cast() };
    0
}

/// Frees the snapshot taken at open.
///
/// # Safety
///
/// Called by the VFS only, once per opened file.
unsafe extern "C" fn file_release(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> ffi::c_int {
    // SAFETY: the private data is null or the `KBox<KVec<u8>>` made in `file_open`.
    let text = unsafe { (*file).private_data }.cast::<KVec<u8>>();
    if !text.is_null() {
        // SAFETY: see above; the VFS releases a file once.
        drop(unsafe { KBox::from_raw(text) });
    }
    0
}

/// Reads the snapshot taken at open.
///
/// # Safety
///
/// Called by the VFS only, on a file opened for reading.
unsafe extern "C" fn file_read(
    file: *mut bindings::file,
    buf: *mut ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: a file opened for reading has the snapshot made in `file_open`.
    let text = unsafe { &*(*file).private_data.cast::<KVec<u8>>() };
    // SAFETY: `buf`/`count` are the caller's user buffer and `ppos` its position.
    unsafe {
        bindings::simple_read_from_buffer(buf.cast(), count, ppos, text.as_ptr().cast(), text.len())
    }
}

/// Changes a hook's programs, or krsi's state; see `control::write`.
///
/// # Safety
///
/// Called by the VFS only, on a hook or control file opened for writing.
unsafe extern "C" fn hook_write(
    file: *mut bindings::file,
    buf: *const ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: the VFS passes an open hook file and its position.
    to_ret(unsafe { control::write(file, buf, count, ppos) })
}

/// The ioctls of hook files and the control file; see `control::ioctl`.
///
/// # Safety
///
/// Called by the VFS only, on an open hook or control file.
unsafe extern "C" fn hook_ioctl(
    file: *mut bindings::file,
    cmd: ffi::c_uint,
    arg: ffi::c_ulong,
) -> ffi::c_long {
    // SAFETY: the VFS passes an open hook file.
    to_ret(unsafe { control::ioctl(file, cmd, arg) })
}

// SAFETY (both tables): all-zero is a valid `file_operations`: null pointers and `None` callbacks.
static HOOK_FOPS: FileOps = FileOps(bindings::file_operations {
    open: Some(file_open),
    release: Some(file_release),
    read: Some(file_read),
    write: Some(hook_write),
    unlocked_ioctl: Some(hook_ioctl),
    // The uapi structs hold no pointer and have one layout for 32-bit and 64-bit tasks.
    #[cfg(CONFIG_COMPAT)]
    compat_ioctl: compat::COMPAT_PTR_IOCTL,
    llseek: Some(bindings::default_llseek),
    // SAFETY: see above.
    ..unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
});

static STATUS_FOPS: FileOps = FileOps(bindings::file_operations {
    open: Some(file_open),
    release: Some(file_release),
    read: Some(file_read),
    llseek: Some(bindings::default_llseek),
    // SAFETY: see above.
    ..unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
});

/// Creates one securityfs file.
fn create_file(
    name: *const ffi::c_char,
    mode: bindings::umode_t,
    dir: *mut bindings::dentry,
    data: usize,
    fops: &'static FileOps,
) -> Result {
    // SAFETY: `name` is a static NUL-terminated string, `dir` a live securityfs directory and
    // `fops` static.
    from_err_ptr(unsafe {
        bindings::securityfs_create_file(name, mode, dir, data as *mut ffi::c_void, &fops.0)
    })?;
    Ok(())
}

/// Creates the directory, one file per hook, the status file and the control file, and returns
/// the directory; on failure removes them.
fn create_tree() -> Result<*mut bindings::dentry> {
    // SAFETY: `DIR_NAME` is a NUL-terminated string; a null parent means the securityfs root.
    let dir = from_err_ptr(unsafe {
        bindings::securityfs_create_dir(compat::const_char_ptr(DIR_NAME), ptr::null_mut())
    })?;
    let files = HOOKS
        .iter()
        .enumerate()
        .try_for_each(|(i, hook)| {
            create_file(
                compat::cstr_char_ptr(hook.name()),
                HOOK_FILE_MODE,
                dir,
                i,
                &HOOK_FOPS,
            )
        })
        .and_then(|()| {
            create_file(
                compat::const_char_ptr(STATUS_NAME),
                STATUS_FILE_MODE,
                dir,
                STATUS_DATA,
                &STATUS_FOPS,
            )
        })
        .and_then(|()| {
            create_file(
                compat::const_char_ptr(CONTROL_NAME),
                HOOK_FILE_MODE,
                dir,
                CONTROL_DATA,
                &HOOK_FOPS,
            )
        });
    if files.is_err() {
        // SAFETY: `dir` is the live directory created above; nothing else refers to it yet.
        unsafe { compat::securityfs_remove_tree(dir) };
    }
    files.map(|()| dir)
}

/// Takes over the static keys and creates the securityfs tree; runs at `fs_initcall` time,
/// after securityfs is up.
#[link_section = ".init.text"]
#[no_mangle]
extern "C" fn krsi_securityfs_init() -> ffi::c_int {
    if !LSM_ACTIVE.load(Ordering::Relaxed) {
        return 0;
    }
    match crate::lsm::take_static_keys().and_then(|()| create_tree()) {
        Ok(dir) => {
            // Without its triggers, revalidation still runs when asked through the control file.
            if let Err(e) = crate::revalidate::init(dir) {
                pr_err!(
                    "cannot set up revalidation's triggers: {:?}
",
                    e
                );
            }
            0
        }
        Err(e) => {
            pr_err!("cannot create /sys/kernel/security/bpf: {:?}\n", e);
            e.to_errno()
        }
    }
}

// The initcall entry; level 5 is `fs_initcall`. Built-in Rust code has no initcall macro, so this
// is what `module!` emits for built-in modules: a position-relative entry where the architecture
// uses those, a pointer elsewhere.
#[cfg(CONFIG_HAVE_ARCH_PREL32_RELOCATIONS)]
core::arch::global_asm!(
    r#".section ".initcall5.init", "a"
    __krsi_securityfs_initcall:
        .long krsi_securityfs_init - .
    .previous"#
);

#[cfg(not(CONFIG_HAVE_ARCH_PREL32_RELOCATIONS))]
#[link_section = ".initcall5.init"]
#[used]
static KRSI_SECURITYFS_INITCALL: extern "C" fn() -> ffi::c_int = krsi_securityfs_init;
