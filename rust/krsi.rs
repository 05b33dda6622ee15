// SPDX-License-Identifier: GPL-2.0

//! krsi - a Linux Security Module that runs BPF LSM programs attached through securityfs.
//!
//! Every LSM hook that BPF LSM accepts programs for has a file
//! `/sys/kernel/security/bpf/<hook>`; see `Documentation/krsi.rst`.

const __LOG_PREFIX: &[u8] = b"krsi\0";

mod audit;
mod command;
mod compat;
mod control;
mod dispatch;
mod hooks;
mod lsm;
mod order;
mod percpu;
mod progs;
mod rcu;
mod revalidate;
mod runs;
mod scope;
mod seal;
mod securityfs;
