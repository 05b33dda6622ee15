// SPDX-License-Identifier: GPL-2.0

//! krsi - the command grammar of writes to hook files and to the control file.
//!
//! A write is one command, optionally followed by one newline; words are separated by single
//! spaces (so a pin path cannot contain a space: attach it by descriptor through the ioctl):
//!
//! ```text
//! PATH [first | before=ID | after=ID]    attach the program pinned at PATH (absolute)
//! detach ID                              detach the program of BPF id ID
//! replace ID PATH                        swap the program of id ID for PATH's, in place
//! reset                                  detach every program
//! seal                                   seal the hook until reboot
//! lock                                   (control file) lock krsi until reboot
//! ```

use kernel::error::{code::EINVAL, Result};

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
    },
    /// `detach ID`.
    Detach(u32),
    /// `replace ID PATH`.
    Replace(u32, &'a [u8]),
    /// `reset`.
    Reset,
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
        b"seal" => Command::Seal,
        b"lock" => Command::Lock,
        _ => Command::Attach {
            path: path(Some(first))?,
            pos: position(&mut words)?,
        },
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

/// The optional position word of an attach; at most one.
fn position<'a>(words: &mut impl Iterator<Item = &'a [u8]>) -> Result<Position> {
    let Some(word) = words.next() else {
        return Ok(Position::Last);
    };
    if word == b"first" {
        Ok(Position::First)
    } else if let Some(v) = word.strip_prefix(b"before=") {
        Ok(Position::Before(id(Some(v))?))
    } else if let Some(v) = word.strip_prefix(b"after=") {
        Ok(Position::After(id(Some(v))?))
    } else {
        Err(EINVAL)
    }
}
