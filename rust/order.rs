// SPDX-License-Identifier: GPL-2.0

//! krsi - run order: where an attach puts a program, and the edits a change makes to an array.

use kernel::error::{code::ENOENT, Result};

use crate::compat;
use crate::seal::Change;

/// Where an attach puts its program in the hook's run order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Position {
    /// After every program (plain `PATH`).
    Last,
    /// Before every program (`PATH first`).
    First,
    /// Right before the program with this id (`PATH before=ID`).
    Before(u32),
    /// Right after the program with this id (`PATH after=ID`).
    After(u32),
}

impl Position {
    /// What attaching there means for a sealed hook: only appending can merely add denials.
    pub(crate) fn change(self) -> Change {
        match self {
            Position::Last => Change::Tighten,
            _ => Change::Rewrite,
        }
    }

    /// The index the new program takes among programs of ids `ids`, in run order; `ENOENT` if
    /// the program to place it before or after is not among them.
    pub(crate) fn index(self, mut ids: impl ExactSizeIterator<Item = u32>) -> Result<usize> {
        match self {
            Position::Last => Ok(ids.len()),
            Position::First => Ok(0),
            Position::Before(id) => ids.position(|i| i == id).ok_or(ENOENT),
            Position::After(id) => ids.position(|i| i == id).map(|i| i + 1).ok_or(ENOENT),
        }
    }
}

/// One change to a hook's array of programs.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Edit<T> {
    /// Inserts an item at an index (at most the length).
    Insert(usize, T),
    /// Swaps the item at an index for another.
    Replace(usize, T),
    /// Removes the item at an index.
    Remove(usize),
}

impl<T: Copy> Edit<T> {
    /// The length of an array of `len` items after the edit.
    pub(crate) fn len_after(&self, len: usize) -> usize {
        match self {
            Edit::Insert(..) => len + 1,
            Edit::Replace(..) => len,
            Edit::Remove(_) => len - 1,
        }
    }

    /// Writes `old` edited into `dst`, which is `len_after(old.len())` items long. The index is
    /// within `old` (at most its length for an insert).
    pub(crate) fn apply(&self, old: &[T], dst: &mut [T]) {
        let (at, item, skip) = match *self {
            Edit::Insert(at, item) => (at, Some(item), 0),
            Edit::Replace(at, item) => (at, Some(item), 1),
            Edit::Remove(at) => (at, None, 1),
        };
        let head = &old[..at];
        let tail = &old[at + skip..];
        compat::copy_items(&mut dst[..at], head);
        let mut next = at;
        if let Some(item) = item {
            dst[next] = item;
            next += 1;
        }
        compat::copy_items(&mut dst[next..next + tail.len()], tail);
    }
}
