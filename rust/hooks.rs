// SPDX-License-Identifier: GPL-2.0

//! krsi - the LSM hook table: one callback per hook that BPF LSM programs can attach to.
//!
//! The table comes from the target kernel's `include/linux/lsm_hook_defs.h`, translated at build
//! time by `scripts/hookgen` into one [`define_hooks!`] invocation. Assigning each callback to its
//! field of `security_list_options` makes the compiler check its signature against the kernel's.

use kernel::{bindings, ffi, str::CStr};

/// Whether a hook's context allows sleepable programs, as a `bool`.
macro_rules! sleepable {
    (sleepable) => {
        true
    };
    (atomic) => {
        false
    };
}

/// Runs the hook's programs: the body of a callback of the given class.
macro_rules! hook_run {
    (void, $context:ident, $hook:expr, $subject:expr, $ctx:expr, $default:expr) => {
        crate::dispatch::run_void::<{ sleepable!($context) }>($hook, $subject, $ctx)
    };
    ($class:ident, $context:ident, $hook:expr, $subject:expr, $ctx:expr, $default:expr) => {
        crate::dispatch::run_int::<{ sleepable!($context) }>($hook, $subject, $ctx, $default)
    };
}

/// The [`Subject`](crate::scope::Subject) of a callback, from the table's subject keyword and
/// the callback's arguments (the first one for a socket).
macro_rules! hook_subject {
    (current, $($arg:ident),*) => {
        crate::scope::Subject::Current
    };
    (socket, $first:ident $(, $arg:ident)*) => {
        crate::scope::Subject::Socket(crate::scope::ConstPtr::to_const($first))
    };
    (sock, $first:ident $(, $arg:ident)*) => {
        crate::scope::Subject::Sock(crate::scope::ConstPtr::to_const($first))
    };
    (unscoped, $($arg:ident),*) => {
        crate::scope::Subject::Unscoped
    };
}

/// Whether a subject keyword lets attachments be scoped.
macro_rules! scopable {
    (unscoped) => {
        false
    };
    ($subject:ident) => {
        true
    };
}

/// The Rust return type of a hook of the given class.
macro_rules! hook_ret {
    (void) => {
        ()
    };
    ($class:ident) => {
        ffi::c_int
    };
}

/// The [`Class`] of a class keyword of the generated table.
macro_rules! hook_class {
    (errno) => {
        Class::Errno
    };
    (bool) => {
        Class::Bool
    };
    (first_wins) => {
        Class::FirstWins
    };
    (void) => {
        Class::Void
    };
}

/// How the LSM framework combines the LSMs' answers to a hook, as `scripts/hookgen` read it from
/// the target kernel's security/security.c. krsi's answer is its programs' first non-zero result
/// or the hook's default, which is what every class but [`Class::FirstWins`] expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// The first non-default answer is the hook's result: a program's errno denies.
    Errno,
    /// Programs answer 0 or 1 and the first 1 is the result; what 1 means is the hook's own
    /// (`inode_xattr_skipcap`: skip the capability check, so 1 grants).
    Bool,
    /// Only the first LSM registered for the hook is asked; krsi takes programs only while it is
    /// the only LSM registered for it (see `progs::attach`).
    FirstWins,
    /// A void hook: every program runs, results are ignored.
    Void,
}

impl Class {
    /// The listing's name for the count of a program's non-zero results, if the class has one.
    pub(crate) fn result_counter(self) -> Option<&'static str> {
        match self {
            Class::Errno => Some("denied"),
            Class::Bool | Class::FirstWins => Some("true"),
            Class::Void => None,
        }
    }
}

/// Defines, from the generated hook table, [`HookId`], [`HOOK_COUNT`], [`HOOKS`], the callbacks
/// and [`fill_hook_list`].
///
/// Each entry reads `name: CLASS = DEFAULT, CONTEXT, SUBJECT, (args);`, where CLASS is `errno`,
/// `bool`, `first_wins` or `void` (see [`Class`]), CONTEXT is `sleepable` if BPF accepts
/// sleepable programs for the hook, else `atomic`, and SUBJECT whose cgroup a scoped attachment
/// is checked against (`current`, `socket`, `sock` or `unscoped`, see `crate::scope`),
/// optionally preceded by the `#[cfg(...)]` of the `#ifdef` block it sits in.
macro_rules! define_hooks {
    ($( $(#[$attr:meta])* $name:ident: $class:ident = $default:expr, $context:ident, $subject:ident, ($($arg:ident: $ty:ty),*); )*) => {
        /// A hook krsi registers, as an index into its tables.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(usize)]
        pub(crate) enum HookId {
            $( $(#[$attr])* #[doc = concat!("`", stringify!($name), "`")] $name, )*
        }

        /// The hooks registered in this kernel configuration, in [`HookId`] order.
        pub(crate) const HOOKS: &[HookId] = &[$( $(#[$attr])* HookId::$name, )*];

        impl HookId {
            /// The hook's name, which is also the name of its securityfs file.
            pub(crate) fn name(self) -> &'static CStr {
                match self {
                    $( $(#[$attr])* HookId::$name => kernel::c_str!(stringify!($name)), )*
                }
            }

            /// How the framework combines the answers to the hook.
            pub(crate) fn class(self) -> Class {
                match self {
                    $( $(#[$attr])* HookId::$name => hook_class!($class), )*
                }
            }

            /// The number of u64 context slots the hook's arguments take; the result slot follows.
            pub(crate) fn arg_slots(self) -> usize {
                match self {
                    $( $(#[$attr])* HookId::$name => 0 $(+ crate::dispatch::slots::<$ty>())*, )*
                }
            }

            /// Whether BPF accepts sleepable programs for the hook.
            pub(crate) fn sleepable(self) -> bool {
                match self {
                    $( $(#[$attr])* HookId::$name => sleepable!($context), )*
                }
            }

            /// Whether attachments to the hook may be scoped to a cgroup.
            pub(crate) fn scopable(self) -> bool {
                match self {
                    $( $(#[$attr])* HookId::$name => scopable!($subject), )*
                }
            }
        }

        /// The callbacks registered with the LSM framework.
        mod callbacks {
            #[allow(unused_imports)]
            use super::{bindings, ffi, HookId};
            use crate::dispatch::{pack, slots};

            $(
                $(#[$attr])*
                #[doc = concat!("krsi's `", stringify!($name), "` hook.")]
                ///
                /// # Safety
                ///
                /// Called by the LSM framework only, with the hook's arguments.
                pub(super) unsafe extern "C" fn $name($($arg: $ty),*) -> hook_ret!($class) {
                    // The BPF trampoline's frame: the number of argument slots, then the
                    // context the program sees: the arguments, then the result so far (0).
                    const ARGS: usize = 0 $(+ slots::<$ty>())*;
                    let mut frame = [0u64; ARGS + 2];
                    frame[0] = ARGS as u64;
                    let next = 1;
                    $( let next = pack(&mut frame, next, $arg); )*
                    let _ = next;
                    let subject = hook_subject!($subject, $($arg),*);
                    hook_run!($class, $context, HookId::$name, subject, &mut frame, $default)
                }
            )*
        }

        /// Fills `list` with one entry per hook, each pointing at its static-call slots and
        /// at its callback.
        pub(crate) fn fill_hook_list(list: &mut [bindings::security_hook_list; HOOK_COUNT]) {
            $(
                $(#[$attr])*
                {
                    list[HookId::$name as usize] = bindings::security_hook_list {
                        // SAFETY: only the address of the static-call table's field is taken; the
                        // LSM framework owns the table and fills it in `security_add_hooks()`.
                        scalls: unsafe { &raw mut bindings::static_calls_table.$name }.cast(),
                        hook: bindings::security_list_options {
                            $name: Some(callbacks::$name),
                        },
                        lsmid: core::ptr::null(),
                    };
                }
            )*
        }
    };
}

/// The number of static-call slots per hook (`MAX_LSM_COUNT`), read off the framework's table.
pub(crate) fn lsm_slots() -> usize {
    fn len<T, const N: usize>(_: *const [T; N]) -> usize {
        N
    }
    // SAFETY: only the address of a field of the static-call table is taken.
    len(unsafe { &raw const bindings::static_calls_table.file_open })
}

/// The number of hooks registered in this kernel configuration.
pub(crate) const HOOK_COUNT: usize = HOOKS.len();

include!(env!("KRSI_GENERATED"));
