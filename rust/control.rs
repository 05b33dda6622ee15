// SPDX-License-Identifier: GPL-2.0

//! krsi - the control ABI: writes and ioctls on hook files and the control file, privilege, and
//! the listings.

use core::fmt::Write as _;
use core::mem::{size_of, size_of_val};

use kernel::alloc::{flags::GFP_KERNEL, KVec};
use kernel::error::{code::*, Result};
use kernel::str::CStr;
use kernel::{bindings, ffi};

use crate::audit::{self, Detail, Op, Settings};
use crate::command::{self, Command};
use crate::compat::{self, FromBytes};
use crate::hooks::{HookId, HOOKS};
use crate::order::Position;
use crate::progs::{self, Ident, ProgRef};
use crate::revalidate::{self, Trigger};
use crate::scope::Scope;
use crate::seal::{self, Change};
use crate::securityfs::CONTROL_DATA;

/// The longest write accepted: two absolute paths of at most `PATH_MAX - 1` bytes each (a pin and
/// a `cgroup=` directory), the words around them (`replace 4294967295 `, ` before=4294967295`,
/// ` cgroup=`; 64 leaves room for the words that later verbs add) and a newline.
const MAX_WRITE: usize = 2 * bindings::PATH_MAX as usize + 64;

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

impl Target {
    /// The hook, for a hook file.
    fn hook(self) -> Option<HookId> {
        match self {
            Target::Hook(hook) => Some(hook),
            Target::Control => None,
        }
    }
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
    with_c_str(path, ProgRef::from_path)
}

/// Calls `f` on `path` made a NUL-terminated string.
fn with_c_str<R>(path: &[u8], f: impl FnOnce(&CStr) -> Result<R>) -> Result<R> {
    let mut name = KVec::with_capacity(path.len() + 1, GFP_KERNEL)?;
    name.extend_from_slice(path, GFP_KERNEL)?;
    name.push(0, GFP_KERNEL)?;
    f(CStr::from_bytes_with_nul(&name).map_err(|_| EINVAL)?)
}

/// Handles a write to a hook file or the control file; returns the bytes consumed. Every write,
/// done or refused, is recorded (see `audit::Op`).
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
    let target = target_of(file)?;
    let mut op = Op::new(target.hook());
    // SAFETY: the caller's promise.
    let result = unsafe { write_command(file, target, buf, count, ppos, &mut op) };
    op.record(&result);
    result.map(|()| count)
}

/// Reads, parses and carries out a write, describing it in `op` as far as it gets.
///
/// # Safety
///
/// As for [`write`].
unsafe fn write_command(
    file: *mut bindings::file,
    target: Target,
    buf: *const ffi::c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
    op: &mut Op,
) -> Result {
    // The command is read and parsed even for an unprivileged caller, only so that the record
    // of the refusal says what was asked; privilege is still what is refused first.
    // SAFETY: `ppos` is valid by the safety requirements.
    let data = if unsafe { *ppos } != 0 || count == 0 || count > MAX_WRITE {
        Err(EINVAL)
    } else {
        read_user(buf, count)
    };
    let cmd = data.as_deref().map_err(|e| *e).and_then(command::parse);
    if let Ok(cmd) = &cmd {
        describe(op, cmd);
    }
    if !privileged(file) {
        return Err(EPERM);
    }
    match (target, cmd?) {
        (
            Target::Hook(hook),
            Command::Attach {
                path,
                pos,
                mode,
                log,
                cgroup,
            },
        ) => {
            let settings = command::settings(mode, log);
            if mode.is_some() || log.is_some() {
                with_modes(hook)?;
            }
            seal::check(hook, pos.change())?;
            let scope = match cgroup {
                Some(dir) => {
                    Scope::check(hook)?;
                    Some(with_c_str(dir, Scope::from_path)?)
                }
                None => None,
            };
            op.detail = Detail::Attach(settings, scope.as_ref().map(Scope::id));
            let prog = pinned(path)?;
            op.prog = prog.ident();
            progs::attach(hook, prog, pos, settings, scope)?;
        }
        (Target::Hook(hook), Command::Detach(id)) => op.prog = progs::detach(hook, id)?,
        (Target::Hook(hook), Command::Replace(id, path)) => {
            seal::check(hook, Change::Rewrite)?;
            let prog = pinned(path)?;
            op.prog = prog.ident();
            progs::replace(hook, id, prog)?;
        }
        (Target::Hook(hook), Command::Reset) => op.detail = Detail::Reset(progs::reset(hook)?),
        (Target::Hook(hook), Command::Seal) => progs::seal(hook),
        (Target::Hook(hook), Command::Mode(id, audit)) => {
            with_modes(hook)?;
            op.prog = progs::set(hook, id, |s| Settings { audit, ..s })?;
        }
        (Target::Hook(hook), Command::Log(id, log)) => {
            with_modes(hook)?;
            op.prog = progs::set(hook, id, |s| Settings { log, ..s })?;
        }
        (Target::Hook(hook), Command::Enable(id, enable)) => {
            op.prog = progs::set_enabled(hook, id, enable)?
        }
        (Target::Control, Command::Lock) => progs::lock(),
        (Target::Control, Command::Revalidate) => {
            op.detail = Detail::Revalidate(revalidate::revalidate(Trigger::Request)?)
        }
        _ => return Err(EINVAL),
    }
    Ok(())
}

/// Reads `count` bytes written at user address `buf`.
fn read_user(buf: *const ffi::c_char, count: usize) -> Result<KVec<u8>> {
    let mut data = KVec::with_capacity(count, GFP_KERNEL)?;
    compat::user_slice(buf as usize, count).read_all(&mut data, GFP_KERNEL)?;
    Ok(data)
}

/// What a parsed command asks for, as its record tells it before it is carried out.
fn describe(op: &mut Op, cmd: &Command<'_>) {
    let (verb, id, detail) = match *cmd {
        Command::Attach { mode, log, .. } => (
            "attach",
            0,
            Detail::Attach(command::settings(mode, log), None),
        ),
        Command::Detach(id) => ("detach", id, Detail::None),
        Command::Replace(id, _) => ("replace", 0, Detail::Replace(id)),
        Command::Reset => ("reset", 0, Detail::None),
        Command::Seal => ("seal", 0, Detail::None),
        Command::Lock => ("lock", 0, Detail::None),
        Command::Mode(id, audit) => ("mode", id, Detail::Mode(audit)),
        Command::Log(id, log) => ("log", id, Detail::Log(log)),
        Command::Enable(id, true) => ("enable", id, Detail::None),
        Command::Enable(id, false) => ("disable", id, Detail::None),
        Command::Revalidate => ("revalidate", 0, Detail::None),
    };
    op.verb = verb;
    op.prog = Ident::unknown(id);
    op.detail = detail;
}

/// Refuses, with `EOPNOTSUPP`, a mode or logging setting for a hook that has none (see
/// `audit::has_modes`).
fn with_modes(hook: HookId) -> Result {
    if audit::has_modes(hook) {
        Ok(())
    } else {
        Err(progs::eopnotsupp())
    }
}

/// A uapi argument struct, read from userspace as it is: the structs of krsi's uapi header hold
/// integers only, and every uapi struct starts with its `u32` size.
#[repr(transparent)]
struct UserArg<T>(T);

// SAFETY: `krsi_attach` is six `u32`/`i32` fields without padding (checked below), so every
// bit pattern is a valid value.
unsafe impl FromBytes for UserArg<bindings::krsi_attach> {}
// SAFETY: as above, `krsi_detach` is four `u32` fields.
unsafe impl FromBytes for UserArg<bindings::krsi_detach> {}
// SAFETY: as above, `krsi_replace` is four `u32`/`i32` fields.
unsafe impl FromBytes for UserArg<bindings::krsi_replace> {}
// SAFETY: as above, `krsi_setting` is four `u32` fields.
unsafe impl FromBytes for UserArg<bindings::krsi_setting> {}

const _: () = assert!(size_of::<bindings::krsi_attach>() == 24);
const _: () = assert!(size_of::<bindings::krsi_detach>() == 16);
const _: () = assert!(size_of::<bindings::krsi_replace>() == 16);
const _: () = assert!(size_of::<bindings::krsi_setting>() == 16);

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
const IOC_MODE: u32 = kernel::ioctl::_IOW::<bindings::krsi_setting>(bindings::KRSI_IOC_MAGIC, 7);
const IOC_LOG: u32 = kernel::ioctl::_IOW::<bindings::krsi_setting>(bindings::KRSI_IOC_MAGIC, 8);
const IOC_DISABLE: u32 = kernel::ioctl::_IOW::<bindings::krsi_detach>(bindings::KRSI_IOC_MAGIC, 9);
const IOC_ENABLE: u32 = kernel::ioctl::_IOW::<bindings::krsi_detach>(bindings::KRSI_IOC_MAGIC, 10);
const IOC_REVALIDATE: u32 = kernel::ioctl::_IO(bindings::KRSI_IOC_MAGIC, 11);

/// The flags of `KRSI_IOC_ATTACH` that set the new attachment's mode and logging.
const ATTACH_SETTINGS: u32 = bindings::KRSI_ATTACH_AUDIT | bindings::KRSI_ATTACH_QUIET;

/// The flags of `KRSI_IOC_ATTACH` that do not say where the program goes.
const ATTACH_NOT_POSITION: u32 = ATTACH_SETTINGS | bindings::KRSI_ATTACH_CGROUP;

/// The place in the run order that `KRSI_IOC_ATTACH`'s flags and `rel_id` ask for.
fn position(req: &bindings::krsi_attach) -> Result<Position> {
    match (req.flags & !ATTACH_NOT_POSITION, req.rel_id) {
        (0, 0) => Ok(Position::Last),
        (bindings::KRSI_ATTACH_FIRST, 0) => Ok(Position::First),
        (bindings::KRSI_ATTACH_BEFORE, id) => Ok(Position::Before(id)),
        (bindings::KRSI_ATTACH_AFTER, id) => Ok(Position::After(id)),
        _ => Err(EINVAL),
    }
}

/// The settings that `KRSI_IOC_ATTACH`'s flags ask for.
fn attach_settings(req: &bindings::krsi_attach) -> Settings {
    Settings {
        audit: req.flags & bindings::KRSI_ATTACH_AUDIT != 0,
        log: req.flags & bindings::KRSI_ATTACH_QUIET == 0,
    }
}

/// The operation an ioctl command stands for, as records name it; `ENOTTY` for a command that is
/// not krsi's.
fn verb(cmd: u32) -> Result<&'static str> {
    Ok(match cmd {
        IOC_ATTACH => "attach",
        IOC_DETACH => "detach",
        IOC_REPLACE => "replace",
        IOC_RESET => "reset",
        IOC_SEAL => "seal",
        IOC_LOCK => "lock",
        IOC_MODE => "mode",
        IOC_LOG => "log",
        IOC_DISABLE => "disable",
        IOC_ENABLE => "enable",
        IOC_REVALIDATE => "revalidate",
        _ => return Err(ENOTTY),
    })
}

/// Handles an ioctl on a hook file or the control file. `KRSI_IOC_ATTACH` and
/// `KRSI_IOC_REPLACE` return the attached program's id, so that a change is complete, and
/// visible, only when it succeeded; `KRSI_IOC_RESET` returns how many programs it detached.
/// Every one of krsi's ioctls, done or refused, is recorded (see `audit::Op`).
///
/// # Safety
///
/// `file` must be an open file of krsi's tree, as the VFS passes it.
pub(crate) unsafe fn ioctl(file: *mut bindings::file, cmd: u32, arg: usize) -> Result<ffi::c_long> {
    let verb = verb(cmd)?;
    let target = target_of(file)?;
    let mut op = Op::new(target.hook());
    op.verb = verb;
    // SAFETY: the caller's promise.
    let result = unsafe { ioctl_command(file, target, cmd, arg, &mut op) };
    op.record(&result);
    result
}

/// Carries out one of krsi's ioctls, describing it in `op` as far as it gets.
///
/// # Safety
///
/// As for [`ioctl`].
unsafe fn ioctl_command(
    file: *mut bindings::file,
    target: Target,
    cmd: u32,
    arg: usize,
    op: &mut Op,
) -> Result<ffi::c_long> {
    // SAFETY: `file` is open.
    let flags = unsafe { (*file).f_flags };
    if flags & bindings::O_ACCMODE == 0 {
        // Opened read-only: changes need a file opened for writing.
        return Err(EBADF);
    }
    if !privileged(file) {
        return Err(EPERM);
    }
    let hook = match (target, cmd) {
        (Target::Control, IOC_LOCK) => {
            progs::lock();
            return Ok(0);
        }
        (Target::Control, IOC_REVALIDATE) => {
            let n = revalidate::revalidate(Trigger::Request)?;
            op.detail = Detail::Revalidate(n);
            return Ok(n as ffi::c_long);
        }
        (Target::Hook(hook), c) if c != IOC_LOCK && c != IOC_REVALIDATE => hook,
        _ => return Err(ENOTTY),
    };
    // Program ids are below `INT_MAX` (the BPF id allocator's limit), and so is a count of
    // programs.
    match cmd {
        IOC_ATTACH => {
            let req: bindings::krsi_attach = read_arg(arg)?;
            if req.size as usize != size_of_val(&req) || req.reserved != 0 {
                return Err(EINVAL);
            }
            let pos = position(&req)?;
            let settings = attach_settings(&req);
            op.detail = Detail::Attach(settings, None);
            if req.flags & ATTACH_SETTINGS != 0 {
                with_modes(hook)?;
            }
            seal::check(hook, pos.change())?;
            let scope = if req.flags & bindings::KRSI_ATTACH_CGROUP != 0 {
                Scope::check(hook)?;
                Some(Scope::from_fd(req.cgroup_fd)?)
            } else if req.cgroup_fd != 0 {
                return Err(EINVAL);
            } else {
                None
            };
            op.detail = Detail::Attach(settings, scope.as_ref().map(Scope::id));
            let prog = ProgRef::from_fd(req.prog_fd)?;
            op.prog = prog.ident();
            Ok(progs::attach(hook, prog, pos, settings, scope)? as ffi::c_long)
        }
        IOC_DETACH | IOC_DISABLE | IOC_ENABLE => {
            let req: bindings::krsi_detach = read_arg(arg)?;
            op.prog = Ident::unknown(req.prog_id);
            if req.size as usize != size_of_val(&req) || req.flags != 0 || req.reserved != 0 {
                return Err(EINVAL);
            }
            op.prog = match cmd {
                IOC_DETACH => progs::detach(hook, req.prog_id)?,
                _ => progs::set_enabled(hook, req.prog_id, cmd == IOC_ENABLE)?,
            };
            Ok(0)
        }
        IOC_REPLACE => {
            let req: bindings::krsi_replace = read_arg(arg)?;
            op.detail = Detail::Replace(req.prog_id);
            if req.size as usize != size_of_val(&req) || req.flags != 0 {
                return Err(EINVAL);
            }
            seal::check(hook, Change::Rewrite)?;
            let prog = ProgRef::from_fd(req.prog_fd)?;
            op.prog = prog.ident();
            Ok(progs::replace(hook, req.prog_id, prog)? as ffi::c_long)
        }
        IOC_RESET => {
            let n = progs::reset(hook)?;
            op.detail = Detail::Reset(n);
            Ok(n as ffi::c_long)
        }
        IOC_MODE | IOC_LOG => {
            let req: bindings::krsi_setting = read_arg(arg)?;
            op.prog = Ident::unknown(req.prog_id);
            let on = match req.value {
                0 => false,
                1 => true,
                _ => return Err(EINVAL),
            };
            op.detail = if cmd == IOC_MODE {
                Detail::Mode(on)
            } else {
                Detail::Log(on)
            };
            if req.size as usize != size_of_val(&req) || req.flags != 0 {
                return Err(EINVAL);
            }
            with_modes(hook)?;
            op.prog = progs::set(hook, req.prog_id, |s| {
                if cmd == IOC_MODE {
                    Settings { audit: on, ..s }
                } else {
                    Settings { log: on, ..s }
                }
            })?;
            Ok(0)
        }
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
/// results is `denied` on errno hooks, `true` on bool hooks and absent on void hooks; on errno
/// hooks followed by ` audited=<n> mode=<enforce|audit> log=<0|1>`; then, on every hook,
/// ` state=<enabled|disabled>` and, for a program revalidation disabled, ` reason=<reason>`;
/// for a scoped program then ` cgroup=<id> cgroup_path=<path>`, the path escaped (see
/// [`escaped`]) or `(removed)` once the cgroup is.
pub(crate) fn listing(file: *mut bindings::file) -> Result<KVec<u8>> {
    let hook = hook_of(file)?;
    let counter = hook.class().result_counter();
    let mut text = Text(KVec::new());
    if seal::sealed(hook) {
        writeln!(text, "sealed").map_err(|_| ENOMEM)?;
    }
    for e in progs::snapshot(hook)?.iter() {
        let name = core::str::from_utf8(e.prog.name()).unwrap_or("?");
        let name = if name.is_empty() { "-" } else { name };
        write!(text, "{} name={} runs={}", e.prog.id, name, e.runs).map_err(|_| ENOMEM)?;
        if let Some(counter) = counter {
            write!(text, " {}={}", counter, e.nonzero).map_err(|_| ENOMEM)?;
        }
        write!(text, " sleepable={}", u8::from(e.sleepable)).map_err(|_| ENOMEM)?;
        if audit::has_modes(hook) {
            let s = e.settings;
            write!(
                text,
                " audited={} mode={} log={}",
                e.audited,
                s.mode(),
                u8::from(s.log)
            )
            .map_err(|_| ENOMEM)?;
        }
        write!(text, " state={}", e.state.name()).map_err(|_| ENOMEM)?;
        if let Some(reason) = e.state.reason {
            write!(text, " reason={}", reason.name()).map_err(|_| ENOMEM)?;
        }
        if let Some(scope) = &e.scope {
            write!(text, " cgroup={} cgroup_path=", scope.id()).map_err(|_| ENOMEM)?;
            if scope.removed() {
                write!(text, "(removed)").map_err(|_| ENOMEM)?;
            } else {
                scope.with_path(|path| escaped(&mut text, path))?;
            }
        }
        writeln!(text).map_err(|_| ENOMEM)?;
    }
    Ok(text.0)
}

/// Writes `bytes` with spaces, control characters, backslashes and non-ASCII bytes as `\ooo`
/// octal escapes, as /proc/self/mounts writes paths, so that a listing line stays one line of
/// space-separated words.
fn escaped(text: &mut Text, bytes: &[u8]) -> Result {
    for &b in bytes {
        if b <= b' ' || b == b'\\' || b >= 0x7f {
            write!(text, "\\{:03o}", b)
        } else {
            write!(text, "{}", b as char)
        }
        .map_err(|_| ENOMEM)?;
    }
    Ok(())
}

/// The `status` file: one line per hook that has programs, whose static key is on or that was
/// sealed, `<hook> progs=<n> key=<on|off>[ disabled=<n>][ sealed]` (`disabled=` when some of
/// its programs are disabled), then `locked=1` once krsi is locked (which seals every hook).
/// With nothing attached, sealed or locked it is empty.
pub(crate) fn status() -> Result<KVec<u8>> {
    let mut text = Text(KVec::new());
    for &hook in HOOKS {
        let (n, disabled, key) = progs::count(hook);
        if n > 0 || key || seal::sealed_alone(hook) {
            let name = audit::hook_name(hook);
            write!(
                text,
                "{} progs={} key={}",
                name,
                n,
                if key { "on" } else { "off" }
            )
            .map_err(|_| ENOMEM)?;
            if disabled > 0 {
                write!(text, " disabled={disabled}").map_err(|_| ENOMEM)?;
            }
            writeln!(text, "{}", if seal::sealed(hook) { " sealed" } else { "" })
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
