// SPDX-License-Identifier: GPL-2.0

//! krsi - the control ABI: writes and ioctls on hook files, privilege, and the listing.

use core::fmt::Write as _;
use core::mem::{size_of, size_of_val};

use kernel::alloc::{flags::GFP_KERNEL, KVec};
use kernel::error::{code::*, Result};
use kernel::str::CStr;
use kernel::{bindings, ffi};

use crate::compat::{self, FromBytes};
use crate::hooks::{HookId, HOOKS};
use crate::progs::{self, ProgRef};

/// The longest write accepted: an absolute path of at most `PATH_MAX - 1` bytes plus a newline.
const MAX_WRITE: usize = bindings::PATH_MAX as usize;

/// A command written to a hook file.
#[derive(Debug, PartialEq)]
enum Command<'a> {
    /// `/path/of/pin`: attach the program pinned there.
    Attach(&'a [u8]),
    /// `detach <id>`: detach the program with that BPF id.
    Detach(u32),
}

/// Parses a write: one command, optionally followed by one newline.
fn parse(data: &[u8]) -> Result<Command<'_>> {
    let data = data.strip_suffix(b"\n").unwrap_or(data);
    if data.is_empty() || data.iter().any(|&b| b == 0 || b == b'\n') {
        return Err(EINVAL);
    }
    if data[0] == b'/' {
        return Ok(Command::Attach(data));
    }
    let id = data.strip_prefix(b"detach ").ok_or(EINVAL)?;
    // Digits only: no sign, no spaces, no leading zero, no overflow.
    if id.is_empty() || !id.iter().all(u8::is_ascii_digit) || (id.len() > 1 && id[0] == b'0') {
        return Err(EINVAL);
    }
    let mut value: u32 = 0;
    for &d in id {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u32::from(d - b'0')))
            .ok_or(EINVAL)?;
    }
    Ok(Command::Detach(value))
}

/// Whether the caller may change attachments: `CAP_MAC_ADMIN` in the initial user namespace, both
/// now and when the file was opened (so that a privileged opener's descriptor passed to an
/// unprivileged task, or the reverse, is not enough).
fn privileged(file: *mut bindings::file) -> bool {
    let cap = bindings::CAP_MAC_ADMIN as ffi::c_int;
    // SAFETY: `file` is the open hook file the VFS passed in; `init_user_ns` is static.
    unsafe {
        bindings::file_ns_capable(file, &raw mut bindings::init_user_ns, cap)
            && bindings::capable(cap)
    }
}

/// The hook a hook file stands for, from the private data given at creation.
fn hook_of(file: *mut bindings::file) -> Result<HookId> {
    // SAFETY: `file` is open, so its inode is valid; hook files are created with their index in
    // `HOOKS` as private data.
    let index = unsafe { (*(*file).f_inode).i_private } as usize;
    HOOKS.get(index).copied().ok_or(EINVAL)
}

/// Handles a write to a hook file; returns the bytes consumed.
///
/// # Safety
///
/// `file` must be an open hook file and `ppos` its position, as the VFS passes them.
pub(crate) unsafe fn write(
    file: *mut bindings::file,
    buf: *const ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> Result<usize> {
    if !privileged(file) {
        return Err(EPERM);
    }
    let hook = hook_of(file)?;
    // SAFETY: `ppos` is valid by the safety requirements.
    if unsafe { *ppos } != 0 || count == 0 || count > MAX_WRITE {
        return Err(EINVAL);
    }
    let mut data = KVec::with_capacity(count, GFP_KERNEL)?;
    compat::user_slice(buf as usize, count).read_all(&mut data, GFP_KERNEL)?;
    match parse(&data)? {
        Command::Attach(path) => {
            let mut name = KVec::with_capacity(path.len() + 1, GFP_KERNEL)?;
            name.extend_from_slice(path, GFP_KERNEL)?;
            name.push(0, GFP_KERNEL)?;
            let name = CStr::from_bytes_with_nul(&name).map_err(|_| EINVAL)?;
            progs::attach(hook, ProgRef::from_path(name)?)?;
        }
        Command::Detach(id) => progs::detach(hook, id)?,
    }
    Ok(count)
}

/// A uapi argument struct, read from userspace as it is: the structs of krsi's uapi header hold
/// integers only, and every uapi struct starts with its `u32` size.
#[repr(transparent)]
struct UserArg<T>(T);

// SAFETY: `krsi_attach` is made of `u32`/`i32` fields without padding (checked below), so every
// bit pattern is a valid value.
unsafe impl FromBytes for UserArg<bindings::krsi_attach> {}
// SAFETY: as above, `krsi_detach` is four `u32` fields.
unsafe impl FromBytes for UserArg<bindings::krsi_detach> {}

const _: () = assert!(size_of::<bindings::krsi_attach>() == 16);
const _: () = assert!(size_of::<bindings::krsi_detach>() == 16);

/// Reads the uapi struct at user address `arg`.
fn read_arg<T>(arg: usize) -> Result<T>
where
    UserArg<T>: FromBytes,
{
    Ok(compat::user_slice(arg, size_of::<T>())
        .reader()
        .read::<UserArg<T>>()?
        .0)
}

const IOC_ATTACH: u32 = kernel::ioctl::_IOW::<bindings::krsi_attach>(bindings::KRSI_IOC_MAGIC, 1);
const IOC_DETACH: u32 = kernel::ioctl::_IOW::<bindings::krsi_detach>(bindings::KRSI_IOC_MAGIC, 2);

/// Handles an ioctl on a hook file. `KRSI_IOC_ATTACH` returns the attached program's id, so
/// that an attach is complete, and visible, only when it succeeded.
///
/// # Safety
///
/// `file` must be an open hook file, as the VFS passes it.
pub(crate) unsafe fn ioctl(file: *mut bindings::file, cmd: u32, arg: usize) -> Result<ffi::c_long> {
    if cmd != IOC_ATTACH && cmd != IOC_DETACH {
        return Err(ENOTTY);
    }
    // SAFETY: `file` is open.
    let flags = unsafe { (*file).f_flags };
    if flags & bindings::O_ACCMODE == 0 {
        // Opened read-only: changes need a file opened for writing.
        return Err(EBADF);
    }
    if !privileged(file) {
        return Err(EPERM);
    }
    let hook = hook_of(file)?;
    if cmd == IOC_ATTACH {
        let req: bindings::krsi_attach = read_arg(arg)?;
        if req.size as usize != size_of_val(&req) || req.flags != 0 || req.reserved != 0 {
            return Err(EINVAL);
        }
        let id = progs::attach(hook, ProgRef::from_fd(req.prog_fd)?)?;
        // Program ids are below `INT_MAX` (the BPF id allocator's limit).
        Ok(id as ffi::c_long)
    } else {
        let req: bindings::krsi_detach = read_arg(arg)?;
        if req.size as usize != size_of_val(&req) || req.flags != 0 || req.reserved != 0 {
            return Err(EINVAL);
        }
        progs::detach(hook, req.prog_id)?;
        Ok(0)
    }
}

/// Text built into a `KVec`.
pub(crate) struct Text(pub(crate) KVec<u8>);

impl core::fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.0
            .extend_from_slice(s.as_bytes(), GFP_KERNEL)
            .map_err(|_| core::fmt::Error)
    }
}

/// The listing of a hook file: one line per program in run order,
/// `<id> name=<name> runs=<n> [<counter>=<n>] sleepable=<0|1>`, where the counter of non-zero
/// results is `denied` on errno hooks, `true` on bool hooks and absent on void hooks.
pub(crate) fn listing(file: *mut bindings::file) -> Result<KVec<u8>> {
    let hook = hook_of(file)?;
    let counter = hook.class().result_counter();
    let mut text = Text(KVec::new());
    for e in progs::snapshot(hook)?.iter() {
        let name = core::str::from_utf8(e.name()).unwrap_or("?");
        let name = if name.is_empty() { "-" } else { name };
        write!(text, "{} name={} runs={}", e.id, name, e.runs).map_err(|_| ENOMEM)?;
        if let Some(counter) = counter {
            write!(text, " {}={}", counter, e.nonzero).map_err(|_| ENOMEM)?;
        }
        writeln!(text, " sleepable={}", u8::from(e.sleepable)).map_err(|_| ENOMEM)?;
    }
    Ok(text.0)
}

/// The `status` file: one line per hook that has programs or whose static key is on,
/// `<hook> progs=<n> key=<on|off>`. With nothing attached it is empty.
pub(crate) fn status() -> Result<KVec<u8>> {
    let mut text = Text(KVec::new());
    for &hook in HOOKS {
        let (n, key) = progs::count(hook);
        if n > 0 || key {
            let name = core::str::from_utf8(compat::cstr_bytes(hook.name())).unwrap_or("?");
            writeln!(
                text,
                "{} progs={} key={}",
                name,
                n,
                if key { "on" } else { "off" }
            )
            .map_err(|_| ENOMEM)?;
        }
    }
    Ok(text.0)
}
