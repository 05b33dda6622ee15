// SPDX-License-Identifier: GPL-2.0

//! krsi - hook table generator: whose cgroup a scoped attachment of each hook is checked against.
//!
//! The rule is BPF_LSM_CGROUP's (`bpf_lsm_find_cgroup_shim()` in kernel/bpf/bpf_lsm.c): a hook
//! whose first parameter is a `struct socket *` or a `struct sock *` is scoped by that socket's
//! cgroup (the cgroup of the task that created it, which is right in softirq context too, where
//! `current` is whoever was interrupted), except the hooks of `bpf_lsm_current_hooks` (a socket
//! being allocated has no cgroup yet); every other hook by the current task's cgroup.
//!
//! The hooks of [`NULL_SOCKET`], which may be given no socket, are scoped by `current` too.
//!
//! krsi refuses scoped attachments to the hooks where neither names a subject, which mainline
//! scopes by `current` all the same: the hooks that free an object (they run where its last
//! reference is dropped: RCU callbacks, workqueues, softirq) and [`NOT_IN_TASK`], read from their
//! callers in the kernel source.

use std::collections::BTreeSet;

/// Hooks without a socket parameter that the kernel calls in interrupt or softirq context, where
/// `current` is not the task the hook is about.
pub(crate) const NOT_IN_TASK: &[&str] = &[
    // send_sigio() from kill_fasync(), which drivers call from their interrupt handlers.
    "file_send_sigiotask",
    // TCP's SYN handling, in the receive softirq (tcp_conn_request()).
    "req_classify_flow",
    // SCTP's INIT and COOKIE-ECHO handling, in the receive softirq (sm_statefuns.c).
    "sctp_assoc_request",
    "sctp_assoc_established",
    // The IPsec packet path: policy lookup and flow matching in the receive softirq.
    "xfrm_policy_lookup",
    "xfrm_state_pol_flow_match",
    "xfrm_decode_session",
];

/// Hooks whose socket parameter the kernel may pass as NULL, which are scoped by the current task:
/// the socket's cgroup is read without a test, as mainline's shims read it.
pub(crate) const NULL_SOCKET: &[&str] = &[
    // ip_cmsg_recv_security() passes NULL; it runs in recvmsg(), in the receiving task.
    "socket_getpeersec_dgram",
];

/// Whose cgroup a scoped attachment of a hook is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Subject {
    /// The current task's.
    Current,
    /// The cgroup of the hook's first argument, a `struct socket *`.
    Socket,
    /// The cgroup of the hook's first argument, a `struct sock *`.
    Sock,
    /// None: a scoped attach is refused.
    Unscoped,
}

impl Subject {
    /// The keyword of the generated table.
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Subject::Current => "current",
            Subject::Socket => "socket",
            Subject::Sock => "sock",
            Subject::Unscoped => "unscoped",
        }
    }
}

/// The subject of hook `name`, whose first parameter has the Rust type `first` (if any);
/// `current_hooks` is `bpf_lsm_current_hooks`.
pub(crate) fn subject(
    name: &str,
    first: Option<&str>,
    current_hooks: &BTreeSet<String>,
) -> Subject {
    if name.split('_').any(|w| w == "free") || NOT_IN_TASK.contains(&name) {
        return Subject::Unscoped;
    }
    if current_hooks.contains(name) || NULL_SOCKET.contains(&name) {
        return Subject::Current;
    }
    match first {
        Some("*mut bindings::socket" | "*const bindings::socket") => Subject::Socket,
        Some("*mut bindings::sock" | "*const bindings::sock") => Subject::Sock,
        _ => Subject::Current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects() {
        let current: BTreeSet<String> = ["sk_alloc_security".to_string()].into();
        let s = |name, first| subject(name, first, &current);
        assert_eq!(
            s("socket_bind", Some("*mut bindings::socket")),
            Subject::Socket
        );
        assert_eq!(
            s("inet_conn_request", Some("*const bindings::sock")),
            Subject::Sock
        );
        assert_eq!(
            s("sk_alloc_security", Some("*mut bindings::sock")),
            Subject::Current
        );
        assert_eq!(
            s("sk_free_security", Some("*mut bindings::sock")),
            Subject::Unscoped
        );
        assert_eq!(
            s("cred_free", Some("*mut bindings::cred")),
            Subject::Unscoped
        );
        assert_eq!(s("inode_free_security_rcu", None), Subject::Unscoped);
        assert_eq!(s("file_send_sigiotask", None), Subject::Unscoped);
        assert_eq!(
            s("socket_getpeersec_dgram", Some("*mut bindings::socket")),
            Subject::Current
        );
        assert_eq!(
            s("file_open", Some("*mut bindings::file")),
            Subject::Current
        );
        assert_eq!(s("socket_create", Some("ffi::c_int")), Subject::Current);
        // A word containing "free" is not the word "free".
        assert_eq!(s("freezer_x", None), Subject::Current);
    }
}
