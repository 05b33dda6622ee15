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

/// Runs the hook's programs: the body of a callback of the given kind.
macro_rules! hook_run {
    (int, $context:ident, $hook:expr, $ctx:expr, $default:expr) => {
        crate::dispatch::run_int::<{ sleepable!($context) }>($hook, $ctx, $default)
    };
    (void, $context:ident, $hook:expr, $ctx:expr, $default:expr) => {
        crate::dispatch::run_void::<{ sleepable!($context) }>($hook, $ctx)
    };
}

/// The Rust return type of a hook of the given kind.
macro_rules! hook_ret {
    (int) => {
        ffi::c_int
    };
    (void) => {
        ()
    };
}

/// Defines, from the generated hook table, [`HookId`], [`HOOK_COUNT`], [`HOOKS`], the callbacks
/// and [`fill_hook_list`].
///
/// Each entry reads `name: int = DEFAULT, CONTEXT, (args);` or `name: void = (), CONTEXT, (args);`,
/// where CONTEXT is `sleepable` if BPF accepts sleepable programs for the hook, else `atomic`,
/// optionally preceded by the `#[cfg(...)]` of the `#ifdef` block it sits in.
macro_rules! define_hooks {
    ($( $(#[$attr:meta])* $name:ident: $kind:ident = $default:expr, $context:ident, ($($arg:ident: $ty:ty),*); )*) => {
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
                pub(super) unsafe extern "C" fn $name($($arg: $ty),*) -> hook_ret!($kind) {
                    // The BPF context: the arguments, then one slot for the result so far.
                    const SLOTS: usize = 1 $(+ slots::<$ty>())*;
                    let mut ctx = [0u64; SLOTS];
                    let next = 0;
                    $( let next = pack(&mut ctx, next, $arg); )*
                    let _ = next;
                    hook_run!($kind, $context, HookId::$name, &mut ctx, $default)
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
