// SPDX-License-Identifier: GPL-2.0

//! krsi - the control ABI: writes and ioctls on hook files and the control file, privilege, and
//! the listings.

use core::fmt::Write as _;
use core::mem::{size_of, size_of_val};

use kernel::alloc::{flags::GFP_KERNEL, KVec};
use kernel::error::{code::*, Result};
use kernel::str::CStr;
use kernel::{bindings, ffi};

use crate::command::{self, Command};
use crate::compat::{self, FromBytes};
use crate::hooks::{HookId, HOOKS};
use crate::order::Position;
use crate::progs::{self, ProgRef};
use crate::seal::{self, Change};
use crate::securityfs::CONTROL_DATA;

/// The longest write accepted: an absolute path of at most `PATH_MAX - 1` bytes, the words around
/// it (`replace 4294967295 `, ` before=4294967295`; 64 leaves room for the words that later
/// verbs add) and a newline.
const MAX_WRITE: usize = bindings::PATH_MAX as usize + 64;

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

/// What a file of krsi's tree stands for.
#[derive(Clone, Copy)]
enum Target {
    /// A hook file.
    Hook(HookId),
    /// The global control file.
    Control,
}

/// The file's target, from the private data given at creation.
fn target_of(file: *mut bindings::file) -> Result<Target> {
    // SAFETY: `file` is open, so its inode is valid; hook files are created with their index in
    // `HOOKS` as private data, the control file with `CONTROL_DATA`.
    let data = unsafe { (*(*file).f_inode).i_private } as usize;
    if data == CONTROL_DATA {
        return Ok(Target::Control);
    }
    HOOKS.get(data).copied().map(Target::Hook).ok_or(EINVAL)
}

/// The hook a hook file stands for.
fn hook_of(file: *mut bindings::file) -> Result<HookId> {
    match target_of(file)? {
        Target::Hook(hook) => Ok(hook),
        Target::Control => Err(EINVAL),
    }
}

/// Takes a reference to the program pinned at `path` (not NUL-terminated).
fn pinned(path: &[u8]) -> Result<ProgRef> {
    let mut name = KVec::with_capacity(path.len() + 1, GFP_KERNEL)?;
    name.extend_from_slice(path, GFP_KERNEL)?;
    name.push(0, GFP_KERNEL)?;
    ProgRef::from_path(CStr::from_bytes_with_nul(&name).map_err(|_| EINVAL)?)
}

/// Handles a write to a hook file or the control file; returns the bytes consumed.
///
/// A change the seal or the lock refuses fails with `EROFS` before the program is looked up, and
/// again, authoritatively, under the write lock.
///
/// # Safety
///
/// `file` must be an open file of krsi's tree and `ppos` its position, as the VFS passes them.
pub(crate) unsafe fn write(
    file: *mut bindings::file,
    buf: *const ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> Result<usize> {
    if !privileged(file) {
        return Err(EPERM);
    }
    let target = target_of(file)?;
    // SAFETY: `ppos` is valid by the safety requirements.
    if unsafe { *ppos } != 0 || count == 0 || count > MAX_WRITE {
        return Err(EINVAL);
    }
    let mut data = KVec::with_capacity(count, GFP_KERNEL)?;
    compat::user_slice(buf as usize, count).read_all(&mut data, GFP_KERNEL)?;
    match (target, command::parse(&data)?) {
        (Target::Hook(hook), Command::Attach { path, pos }) => {
            seal::check(hook, pos.change())?;
            progs::attach(hook, pinned(path)?, pos)?;
        }
        (Target::Hook(hook), Command::Detach(id)) => progs::detach(hook, id)?,
        (Target::Hook(hook), Command::Replace(id, path)) => {
            seal::check(hook, Change::Rewrite)?;
            progs::replace(hook, id, pinned(path)?)?;
        }
        (Target::Hook(hook), Command::Reset) => {
            progs::reset(hook)?;
        }
        (Target::Hook(hook), Command::Seal) => progs::seal(hook),
        (Target::Control, Command::Lock) => progs::lock(),
        _ => return Err(EINVAL),
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
// SAFETY: as above, `krsi_replace` is four `u32`/`i32` fields.
unsafe impl FromBytes for UserArg<bindings::krsi_replace> {}

const _: () = assert!(size_of::<bindings::krsi_attach>() == 16);
const _: () = assert!(size_of::<bindings::krsi_detach>() == 16);
const _: () = assert!(size_of::<bindings::krsi_replace>() == 16);

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
const IOC_REPLACE: u32 = kernel::ioctl::_IOW::<bindings::krsi_replace>(bindings::KRSI_IOC_MAGIC, 3);
const IOC_RESET: u32 = kernel::ioctl::_IO(bindings::KRSI_IOC_MAGIC, 4);
const IOC_SEAL: u32 = kernel::ioctl::_IO(bindings::KRSI_IOC_MAGIC, 5);
const IOC_LOCK: u32 = kernel::ioctl::_IO(bindings::KRSI_IOC_MAGIC, 6);

/// The place in the run order that `KRSI_IOC_ATTACH`'s flags and `rel_id` ask for.
fn position(req: &bindings::krsi_attach) -> Result<Position> {
    match (req.flags, req.rel_id) {
        (0, 0) => Ok(Position::Last),
        (bindings::KRSI_ATTACH_FIRST, 0) => Ok(Position::First),
        (bindings::KRSI_ATTACH_BEFORE, id) => Ok(Position::Before(id)),
        (bindings::KRSI_ATTACH_AFTER, id) => Ok(Position::After(id)),
        _ => Err(EINVAL),
    }
}

/// Handles an ioctl on a hook file or the control file. `KRSI_IOC_ATTACH` and
/// `KRSI_IOC_REPLACE` return the attached program's id, so that a change is complete, and
/// visible, only when it succeeded; `KRSI_IOC_RESET` returns how many programs it detached.
///
/// # Safety
///
/// `file` must be an open file of krsi's tree, as the VFS passes it.
pub(crate) unsafe fn ioctl(file: *mut bindings::file, cmd: u32, arg: usize) -> Result<ffi::c_long> {
    if ![
        IOC_ATTACH,
        IOC_DETACH,
        IOC_REPLACE,
        IOC_RESET,
        IOC_SEAL,
        IOC_LOCK,
    ]
    .contains(&cmd)
    {
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
    let hook = match (target_of(file)?, cmd) {
        (Target::Control, IOC_LOCK) => {
            progs::lock();
            return Ok(0);
        }
        (Target::Hook(hook), c) if c != IOC_LOCK => hook,
        _ => return Err(ENOTTY),
    };
    // Program ids are below `INT_MAX` (the BPF id allocator's limit), and so is a count of
    // programs.
    match cmd {
        IOC_ATTACH => {
            let req: bindings::krsi_attach = read_arg(arg)?;
            if req.size as usize != size_of_val(&req) {
                return Err(EINVAL);
            }
            let pos = position(&req)?;
            seal::check(hook, pos.change())?;
            Ok(progs::attach(hook, ProgRef::from_fd(req.prog_fd)?, pos)? as ffi::c_long)
        }
        IOC_DETACH => {
            let req: bindings::krsi_detach = read_arg(arg)?;
            if req.size as usize != size_of_val(&req) || req.flags != 0 || req.reserved != 0 {
                return Err(EINVAL);
            }
            progs::detach(hook, req.prog_id)?;
            Ok(0)
        }
        IOC_REPLACE => {
            let req: bindings::krsi_replace = read_arg(arg)?;
            if req.size as usize != size_of_val(&req) || req.flags != 0 {
                return Err(EINVAL);
            }
            seal::check(hook, Change::Rewrite)?;
            let id = progs::replace(hook, req.prog_id, ProgRef::from_fd(req.prog_fd)?)?;
            Ok(id as ffi::c_long)
        }
        IOC_RESET => Ok(progs::reset(hook)? as ffi::c_long),
        _ => {
            progs::seal(hook);
            Ok(0)
        }
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

/// The listing of a hook file: `sealed` first if the hook is sealed (by itself or by the lock),
/// then one line per program in run order,
/// `<id> name=<name> runs=<n> [<counter>=<n>] sleepable=<0|1>`, where the counter of non-zero
/// results is `denied` on errno hooks, `true` on bool hooks and absent on void hooks.
pub(crate) fn listing(file: *mut bindings::file) -> Result<KVec<u8>> {
    let hook = hook_of(file)?;
    let counter = hook.class().result_counter();
    let mut text = Text(KVec::new());
    if seal::sealed(hook) {
        writeln!(text, "sealed").map_err(|_| ENOMEM)?;
    }
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

/// The `status` file: one line per hook that has programs, whose static key is on or that was
/// sealed, `<hook> progs=<n> key=<on|off>[ sealed]`, then `locked=1` once krsi is locked (which
/// seals every hook). With nothing attached, sealed or locked it is empty.
pub(crate) fn status() -> Result<KVec<u8>> {
    let mut text = Text(KVec::new());
    for &hook in HOOKS {
        let (n, key) = progs::count(hook);
        if n > 0 || key || seal::sealed_alone(hook) {
            let name = core::str::from_utf8(compat::cstr_bytes(hook.name())).unwrap_or("?");
            writeln!(
                text,
                "{} progs={} key={}{}",
                name,
                n,
                if key { "on" } else { "off" },
                if seal::sealed(hook) { " sealed" } else { "" }
            )
            .map_err(|_| ENOMEM)?;
        }
    }
    if seal::locked() {
        writeln!(text, "locked=1").map_err(|_| ENOMEM)?;
    }
    Ok(text.0)
}

/// The control file's text: `locked=<0|1>`.
pub(crate) fn control() -> Result<KVec<u8>> {
    let mut text = Text(KVec::new());
    writeln!(text, "locked={}", u8::from(seal::locked())).map_err(|_| ENOMEM)?;
    Ok(text.0)
}
