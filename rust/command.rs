// SPDX-License-Identifier: GPL-2.0

//! krsi - the command grammar of writes to hook files and to the control file.
//!
//! A write is one command, optionally followed by one newline; words are separated by single
//! spaces (so a pin path cannot contain a space: attach it by descriptor through the ioctl):
//!
//! ```text
//! PATH [first | before=ID | after=ID] [mode=enforce|audit] [log=0|1] [cgroup=DIR]
//!                                        attach the program pinned at PATH (absolute), for
//!                                        the subjects in cgroup v2 directory DIR (absolute)
//!                                        if given; the words after PATH in any order, each at
//!                                        most once
//! detach ID                              detach the program of BPF id ID
//! replace ID PATH                        swap the program of id ID for PATH's, in place
//! reset                                  detach every program
//! mode ID enforce|audit                  switch program ID's mode
//! log ID 0|1                             record program ID's denials (1) or not (0)
//! disable ID                             stop running program ID, keeping its place
//! enable ID                              run program ID again
//! seal                                   seal the hook until reboot
//! lock                                   (control file) lock krsi until reboot
//! revalidate                             (control file) check every attachment again
//! ```

use kernel::error::{code::EINVAL, Result};

use crate::audit::Settings;
use crate::order::Position;

/// A parsed command.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Command<'a> {
    /// `PATH [position]`: attach the program pinned at `path`.
    Attach {
        /// The pin's absolute path.
        path: &'a [u8],
        /// Where it goes in the run order.
        pos: Position,
        /// Its mode (`Some(true)` for audit) and logging, if given.
        mode: Option<bool>,
        log: Option<bool>,
        /// The cgroup directory it is scoped to, if given.
        cgroup: Option<&'a [u8]>,
    },
    /// `detach ID`.
    Detach(u32),
    /// `replace ID PATH`.
    Replace(u32, &'a [u8]),
    /// `reset`.
    Reset,
    /// `mode ID enforce|audit`: true for audit.
    Mode(u32, bool),
    /// `log ID 0|1`.
    Log(u32, bool),
    /// `disable ID` (false) or `enable ID` (true).
    Enable(u32, bool),
    /// `revalidate`.
    Revalidate,
    /// `seal`.
    Seal,
    /// `lock`.
    Lock,
}

/// Parses a write.
pub(crate) fn parse(data: &[u8]) -> Result<Command<'_>> {
    let data = data.strip_suffix(b"\n").unwrap_or(data);
    if data.is_empty() || data.iter().any(|&b| b == 0 || b == b'\n') {
        return Err(EINVAL);
    }
    let mut words = data.split(|&b| b == b' ');
    // `split` yields at least one word; an empty word is a doubled, leading or trailing space.
    let first = words.next().ok_or(EINVAL)?;
    let cmd = match first {
        b"detach" => Command::Detach(id(words.next())?),
        b"replace" => Command::Replace(id(words.next())?, path(words.next())?),
        b"reset" => Command::Reset,
        b"mode" => Command::Mode(id(words.next())?, mode(words.next())?),
        b"log" => Command::Log(id(words.next())?, flag(words.next())?),
        b"disable" => Command::Enable(id(words.next())?, false),
        b"enable" => Command::Enable(id(words.next())?, true),
        b"revalidate" => Command::Revalidate,
        b"seal" => Command::Seal,
        b"lock" => Command::Lock,
        _ => attach(path(Some(first))?, &mut words)?,
    };
    if words.next().is_some() {
        return Err(EINVAL);
    }
    Ok(cmd)
}

/// An absolute path.
fn path(word: Option<&[u8]>) -> Result<&[u8]> {
    match word {
        Some(p) if p.first() == Some(&b'/') => Ok(p),
        _ => Err(EINVAL),
    }
}

/// A program id: digits only, no sign, no leading zero, no overflow.
fn id(word: Option<&[u8]>) -> Result<u32> {
    let id = word.ok_or(EINVAL)?;
    if id.is_empty() || !id.iter().all(u8::is_ascii_digit) || (id.len() > 1 && id[0] == b'0') {
        return Err(EINVAL);
    }
    id.iter().try_fold(0u32, |v, &d| {
        v.checked_mul(10)
            .and_then(|v| v.checked_add(u32::from(d - b'0')))
            .ok_or(EINVAL)
    })
}

/// An attach of `pin` with its optional words, in any order, each kind at most once: a position
/// (`first`, `before=ID`, `after=ID`), `mode=`, `log=` and `cgroup=`.
fn attach<'a>(pin: &'a [u8], words: &mut impl Iterator<Item = &'a [u8]>) -> Result<Command<'a>> {
    let (mut pos, mut mode_word, mut log_word, mut cgroup) = (None, None, None, None);
    for word in words {
        if word == b"first" {
            once(&mut pos, Position::First)?;
        } else if let Some(v) = word.strip_prefix(b"before=") {
            once(&mut pos, Position::Before(id(Some(v))?))?;
        } else if let Some(v) = word.strip_prefix(b"after=") {
            once(&mut pos, Position::After(id(Some(v))?))?;
        } else if let Some(v) = word.strip_prefix(b"mode=") {
            once(&mut mode_word, mode(Some(v))?)?;
        } else if let Some(v) = word.strip_prefix(b"log=") {
            once(&mut log_word, flag(Some(v))?)?;
        } else if let Some(v) = word.strip_prefix(b"cgroup=") {
            once(&mut cgroup, path(Some(v))?)?;
        } else {
            return Err(EINVAL);
        }
    }
    Ok(Command::Attach {
        path: pin,
        pos: pos.unwrap_or(Position::Last),
        mode: mode_word,
        log: log_word,
        cgroup,
    })
}

/// Fills `slot` with `value`; `EINVAL` if it was filled already (a word given twice).
fn once<T>(slot: &mut Option<T>, value: T) -> Result {
    match slot.replace(value) {
        Some(_) => Err(EINVAL),
        None => Ok(()),
    }
}

/// `enforce` (false) or `audit` (true).
fn mode(word: Option<&[u8]>) -> Result<bool> {
    match word {
        Some(b"enforce") => Ok(false),
        Some(b"audit") => Ok(true),
        _ => Err(EINVAL),
    }
}

/// `0` or `1`.
fn flag(word: Option<&[u8]>) -> Result<bool> {
    match word {
        Some(b"0") => Ok(false),
        Some(b"1") => Ok(true),
        _ => Err(EINVAL),
    }
}

/// The settings an attach's `mode=` and `log=` words ask for, the defaults for the others.
pub(crate) fn settings(mode: Option<bool>, log: Option<bool>) -> Settings {
    Settings {
        audit: mode.unwrap_or(Settings::DEFAULT.audit),
        log: log.unwrap_or(Settings::DEFAULT.log),
    }
}
