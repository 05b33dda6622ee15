// SPDX-License-Identifier: GPL-2.0
//! krsi's audit records: the decoder, and a reader of the audit netlink socket.
//!
//! krsi emits `AUDIT_KRSI_ACCESS` (1460) for a denial, or an audit-only program's non-zero
//! result, and `AUDIT_KRSI_CONFIG_CHANGE` (1461) for every change and refused attempt (`op=`
//! `attach`, `detach`, `disable`, `enable`, `revalidate` with `count=`, ...; a change a
//! revalidation makes by itself is an `op=disable` or `op=enable` with `state=` and `trigger=`,
//! and a disable's `reason=`; an `op=attach` has the attachment's `mode=` and `log=` and, when
//! it is scoped to a cgroup, the cgroup's id in `cgroup=`). Fields are kept whatever their names,
//! so new ones decode too. Each record's text is
//! `audit(<sec>.<msec>:<serial>): key=value key=value ...`, where a value is plain
//! (`hook=file_open`, `result=-1`), `?`, a quoted string (`comm="cat"`), or, for an untrusted
//! string holding a space, a quote or a control character, its bytes in hex (`comm=6120620A`).
//!
//! ```no_run
//! # fn main() -> Result<(), krsi::Error> {
//! let mut events = krsi::audit::Events::open()?;
//! while let Some(r) = events.next_timeout(Some(std::time::Duration::from_secs(5)))? {
//!     println!("{} {:?} {:?}", r.kind, r.get("hook"), r.get("prog_id"));
//! }
//! # Ok(())
//! # }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use crate::{uapi, Error, Result};

/// `AUDIT_KRSI_ACCESS`: a program's denial, or an audit-only program's non-zero result.
pub const AUDIT_KRSI_ACCESS: u16 = uapi::AUDIT_KRSI_ACCESS as u16;
/// `AUDIT_KRSI_CONFIG_CHANGE`: a change to krsi's configuration, or a refused attempt.
pub const AUDIT_KRSI_CONFIG_CHANGE: u16 = uapi::AUDIT_KRSI_CONFIG_CHANGE as u16;

/// The audit netlink multicast group that gets a copy of every record (`AUDIT_NLGRP_READLOG`).
const AUDIT_NLGRP_READLOG: u32 = 1;

/// The fields audit writes with `audit_log_untrustedstring()`: quoted, `?`/`(null)`, or hex.
const UNTRUSTED_FIELDS: &[&str] = &["comm", "exe", "prog_name"];

/// Which of krsi's two record types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// `AUDIT_KRSI_ACCESS` (1460).
    Access,
    /// `AUDIT_KRSI_CONFIG_CHANGE` (1461).
    ConfigChange,
}

impl RecordKind {
    /// The kind of audit record type `audit_type`, if it is one of krsi's.
    pub fn from_type(audit_type: u16) -> Option<Self> {
        match audit_type {
            AUDIT_KRSI_ACCESS => Some(RecordKind::Access),
            AUDIT_KRSI_CONFIG_CHANGE => Some(RecordKind::ConfigChange),
            _ => None,
        }
    }

    /// The audit record type: 1460 or 1461.
    pub fn audit_type(self) -> u16 {
        match self {
            RecordKind::Access => AUDIT_KRSI_ACCESS,
            RecordKind::ConfigChange => AUDIT_KRSI_CONFIG_CHANGE,
        }
    }

    /// The type's name after the uapi constant: `KRSI_ACCESS`, `KRSI_CONFIG_CHANGE`.
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Access => "KRSI_ACCESS",
            RecordKind::ConfigChange => "KRSI_CONFIG_CHANGE",
        }
    }

    /// A short lower-case name: `access`, `config_change`.
    pub fn short_name(self) -> &'static str {
        match self {
            RecordKind::Access => "access",
            RecordKind::ConfigChange => "config_change",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// When audit stamped a record: seconds and milliseconds since the epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Seconds since the epoch.
    pub secs: u64,
    /// Milliseconds.
    pub msecs: u32,
}

impl fmt::Display for Timestamp {
    /// As audit writes it: `1733252400.123`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}", self.secs, self.msecs)
    }
}

/// One of krsi's audit records, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The record type.
    pub kind: RecordKind,
    /// When it was stamped.
    pub time: Timestamp,
    /// The audit event's serial number (records of one event, such as a syscall's, share it).
    pub serial: u64,
    /// The fields in their order, values decoded: quotes removed, hex-encoded untrusted strings
    /// decoded (bytes that are not UTF-8 replaced by U+FFFD); `?` stays `?`.
    pub fields: Vec<(String, String)>,
}

impl Record {
    /// Decodes the payload of an audit netlink message of type `audit_type`: the text
    /// `audit(<sec>.<msec>:<serial>): key=value ...`, possibly NUL- or newline-terminated.
    pub fn parse(audit_type: u16, payload: impl AsRef<[u8]>) -> Result<Self> {
        let text = String::from_utf8_lossy(payload.as_ref());
        let text = text.trim_end_matches(['\0', '\n', '\r', ' ']);
        let bad = |why: &str| Error::BadRecord(format!("type {audit_type}: {why}: {text:?}"));
        let kind = RecordKind::from_type(audit_type).ok_or_else(|| bad("not a krsi record"))?;
        let rest = text
            .strip_prefix("audit(")
            .ok_or_else(|| bad("no audit("))?;
        let (stamp, rest) = rest.split_once("):").ok_or_else(|| bad("no ):"))?;
        let (time, serial) = stamp.split_once(':').ok_or_else(|| bad("no serial"))?;
        let (secs, msecs) = time.split_once('.').ok_or_else(|| bad("bad time"))?;
        let number = |s: &str| s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty();
        if !number(secs) || !number(msecs) || !number(serial) {
            return Err(bad("bad time or serial"));
        }
        let time = Timestamp {
            secs: secs.parse().map_err(|_| bad("bad time"))?,
            msecs: msecs.parse().map_err(|_| bad("bad time"))?,
        };
        let serial = serial.parse().map_err(|_| bad("bad serial"))?;
        let fields = parse_fields(rest).map_err(bad)?;
        Ok(Record {
            kind,
            time,
            serial,
            fields,
        })
    }

    /// The (first) value of field `key`, decoded.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Splits `key=value key=value ...` into decoded pairs.
fn parse_fields(mut s: &str) -> std::result::Result<Vec<(String, String)>, &'static str> {
    let mut fields = Vec::new();
    loop {
        s = s.trim_start_matches(' ');
        if s.is_empty() {
            return Ok(fields);
        }
        let end = s.find([' ', '=']).unwrap_or(s.len());
        let key = &s[..end];
        if key.is_empty() || !s[end..].starts_with('=') {
            return Err("a field without =");
        }
        s = &s[end + 1..];
        let value = match s.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let close = s[1..].find(q).ok_or("an unterminated quoted value")?;
                let v = s[1..1 + close].to_string();
                s = &s[close + 2..];
                if !s.is_empty() && !s.starts_with(' ') {
                    return Err("text right after a quoted value");
                }
                v
            }
            _ => {
                let end = s.find(' ').unwrap_or(s.len());
                let raw = &s[..end];
                s = &s[end..];
                if UNTRUSTED_FIELDS.contains(&key) {
                    decode_hex(raw).unwrap_or_else(|| raw.to_string())
                } else {
                    raw.to_string()
                }
            }
        };
        fields.push((key.to_string(), value));
    }
}

/// An untrusted string audit wrote in hex (an even number of hex digits), decoded.
fn decode_hex(s: &str) -> Option<String> {
    if s.is_empty() || s.len() & 1 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16))
        .collect::<std::result::Result<_, _>>()
        .ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The length of `struct nlmsghdr`.
const NLMSG_HDRLEN: usize = 16;

/// krsi's records in one datagram of the audit socket: one result per record of type 1460 or
/// 1461, in order; other types are skipped.
pub fn parse_datagram(buf: &[u8]) -> Vec<Result<Record>> {
    let mut out = Vec::new();
    let mut rest = buf;
    while rest.len() >= NLMSG_HDRLEN {
        let len = u32::from_ne_bytes(rest[0..4].try_into().unwrap()) as usize;
        let ty = u16::from_ne_bytes(rest[4..6].try_into().unwrap());
        // A length that does not fit: the rest of the datagram is this message.
        let len = if (NLMSG_HDRLEN..=rest.len()).contains(&len) {
            len
        } else {
            rest.len()
        };
        if RecordKind::from_type(ty).is_some() {
            out.push(Record::parse(ty, &rest[NLMSG_HDRLEN..len]));
        }
        // NLMSG_ALIGN.
        let next = (len + 3) & !3;
        rest = rest.get(next..).unwrap_or(&[]);
    }
    out
}

/// A reader of krsi's audit records from the audit netlink socket's read-log multicast group,
/// where the kernel sends a copy of every record (beside a running `auditd`). Needs
/// `CAP_AUDIT_READ`. Only the records delivered after [`Events::open`] are seen.
///
/// As an [`Iterator`] it blocks for each record; [`Events::next_timeout`] waits at most a
/// while.
pub struct Events {
    sock: OwnedFd,
    buf: Vec<u8>,
    pending: VecDeque<Result<Record>>,
    overruns: u64,
}

impl Events {
    /// Opens an audit netlink socket and joins its read-log group.
    pub fn open() -> Result<Self> {
        let io_err = |op: &str| Error::from_io(op, io::Error::last_os_error());
        // SAFETY: plain socket(2).
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_AUDIT,
            )
        };
        if fd < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EPROTONOSUPPORT) {
                return Err(Error::Io {
                    op: "opening the audit netlink socket (is the kernel built with CONFIG_AUDIT?)"
                        .into(),
                    source: e,
                });
            }
            return Err(io_err("opening the audit netlink socket"));
        }
        // SAFETY: socket(2) returned a new descriptor that we own.
        let sock = unsafe { OwnedFd::from_raw_fd(fd) };
        // Room for bursts of records (best effort: capped by net.core.rmem_max).
        let size: libc::c_int = 1 << 20;
        // SAFETY: SO_RCVBUF takes an int, which `size` is.
        unsafe {
            libc::setsockopt(
                sock.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVBUF,
                (&raw const size).cast(),
                std::mem::size_of_val(&size) as libc::socklen_t,
            )
        };
        // SAFETY: sockaddr_nl is plain old data; all zeroes is valid.
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        addr.nl_groups = 1 << (AUDIT_NLGRP_READLOG - 1);
        // SAFETY: `addr` is a sockaddr_nl of the size passed.
        let ret = unsafe {
            libc::bind(
                sock.as_raw_fd(),
                (&raw const addr).cast(),
                std::mem::size_of_val(&addr) as libc::socklen_t,
            )
        };
        if ret != 0 {
            let e = io::Error::last_os_error();
            return Err(Error::Io {
                op: "joining the audit netlink socket's read-log group (needs CAP_AUDIT_READ)"
                    .into(),
                source: e,
            });
        }
        Ok(Events {
            sock,
            buf: vec![0; 1 << 16],
            pending: VecDeque::new(),
            overruns: 0,
        })
    }

    /// The next krsi record, waiting at most `timeout` (`None`: as long as it takes); `Ok(None)`
    /// when none came in time. Records of other types do not count and do not extend the wait.
    /// A record that does not decode is an [`Error::BadRecord`]; the next call goes on.
    pub fn next_timeout(&mut self, timeout: Option<Duration>) -> Result<Option<Record>> {
        let deadline = timeout.map(|t| Instant::now().checked_add(t));
        loop {
            if let Some(r) = self.pending.pop_front() {
                return r.map(Some);
            }
            let wait = match deadline {
                None | Some(None) => -1,
                Some(Some(d)) => {
                    let left = d.saturating_duration_since(Instant::now());
                    // Round up, so that a wait never ends early.
                    let ms = left.as_nanos().div_ceil(1_000_000);
                    libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX)
                }
            };
            let mut pfd = libc::pollfd {
                fd: self.sock.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            let n = unsafe { libc::poll(&mut pfd, 1, wait) };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(Error::from_io("waiting for audit records", e));
            }
            if n == 0 {
                if wait == 0 {
                    return Ok(None);
                }
                continue;
            }
            self.receive()?;
        }
    }

    /// Reads one datagram into `pending`.
    fn receive(&mut self) -> Result<()> {
        // SAFETY: sockaddr_nl is plain old data; all zeroes is valid.
        let mut from: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        let mut from_len = std::mem::size_of_val(&from) as libc::socklen_t;
        // SAFETY: the kernel writes at most `buf.len()` bytes to `buf` and at most `from_len`
        // bytes to `from`, both living across the call.
        let n = unsafe {
            libc::recvfrom(
                self.sock.as_raw_fd(),
                self.buf.as_mut_ptr().cast(),
                self.buf.len(),
                libc::MSG_DONTWAIT,
                (&raw mut from).cast(),
                &mut from_len,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.raw_os_error() {
                // The socket overran: records were lost, the next ones come.
                Some(libc::ENOBUFS) => {
                    self.overruns += 1;
                    Ok(())
                }
                Some(libc::EAGAIN | libc::EINTR) => Ok(()),
                _ => Err(Error::from_io("reading the audit netlink socket", e)),
            };
        }
        // Only the kernel's messages.
        if from.nl_pid == 0 {
            let n = n as usize;
            self.pending.extend(parse_datagram(&self.buf[..n]));
        }
        Ok(())
    }

    /// How many times the socket overran (`ENOBUFS`), each losing records.
    pub fn overruns(&self) -> u64 {
        self.overruns
    }
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Events")
            .field("sock", &self.sock)
            .field("pending", &self.pending.len())
            .field("overruns", &self.overruns)
            .finish_non_exhaustive()
    }
}

impl Iterator for Events {
    type Item = Result<Record>;

    /// The next krsi record, blocking.
    fn next(&mut self) -> Option<Result<Record>> {
        self.next_timeout(None).transpose()
    }
}

impl AsFd for Events {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(r: &Record) -> Vec<(&str, &str)> {
        r.fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn types_are_the_headers() {
        assert_eq!((AUDIT_KRSI_ACCESS, AUDIT_KRSI_CONFIG_CHANGE), (1460, 1461));
        assert_eq!(RecordKind::from_type(1460), Some(RecordKind::Access));
        assert_eq!(RecordKind::from_type(1461), Some(RecordKind::ConfigChange));
        assert_eq!(RecordKind::from_type(1300), None);
        assert_eq!(RecordKind::ConfigChange.audit_type(), 1461);
        assert_eq!(RecordKind::Access.to_string(), "KRSI_ACCESS");
        assert_eq!(RecordKind::ConfigChange.short_name(), "config_change");
    }

    #[test]
    fn access_record_decodes() {
        let r = Record::parse(
            1460,
            "audit(1733252400.123:57): hook=task_setnice prog_id=42 prog_name=\"deny_nice\" \
             result=-1 mode=enforce pid=312 auid=4294967295 ses=4294967295 comm=\"nice\" \
             exe=\"/usr/bin/nice\"\0",
        )
        .unwrap();
        assert_eq!(r.kind, RecordKind::Access);
        assert_eq!(
            r.time,
            Timestamp {
                secs: 1733252400,
                msecs: 123
            }
        );
        assert_eq!(r.time.to_string(), "1733252400.123");
        assert_eq!(r.serial, 57);
        assert_eq!(
            fields(&r),
            [
                ("hook", "task_setnice"),
                ("prog_id", "42"),
                ("prog_name", "deny_nice"),
                ("result", "-1"),
                ("mode", "enforce"),
                ("pid", "312"),
                ("auid", "4294967295"),
                ("ses", "4294967295"),
                ("comm", "nice"),
                ("exe", "/usr/bin/nice"),
            ]
        );
        assert_eq!(r.get("result"), Some("-1"));
        assert_eq!(r.get("nope"), None);
    }

    #[test]
    fn config_record_with_unknown_values_and_hex() {
        let r = Record::parse(
            1461,
            b"audit(1733252401.002:62): op=detach hook=task_setnice prog_id=42 prog_name=? \
              pid=301 auid=0 ses=1 comm=6120620A exe=2F746D702F6D7920736800 errno=30 res=0\n",
        )
        .unwrap();
        assert_eq!(r.kind, RecordKind::ConfigChange);
        assert_eq!(r.time.to_string(), "1733252401.002");
        assert_eq!(r.get("prog_name"), Some("?"));
        assert_eq!(r.get("comm"), Some("a b\n"));
        assert_eq!(r.get("exe"), Some("/tmp/my sh\0"));
        assert_eq!(r.get("errno"), Some("30"));
        assert_eq!(r.get("res"), Some("0"));
    }

    #[test]
    fn only_untrusted_fields_are_hex_and_only_when_they_can_be() {
        let r = Record::parse(
            1461,
            "audit(1.000:1): op=reset hook=ab prog_id=0 count=12 comm=(null) exe=ABC prog_name=\"41\"",
        )
        .unwrap();
        // Not untrusted fields: as written.
        assert_eq!(r.get("hook"), Some("ab"));
        assert_eq!(r.get("count"), Some("12"));
        // Untrusted, but (null), an odd number of digits, or quoted: as written.
        assert_eq!(r.get("comm"), Some("(null)"));
        assert_eq!(r.get("exe"), Some("ABC"));
        assert_eq!(r.get("prog_name"), Some("41"));
        // Lower-case hex decodes too; bytes that are not UTF-8 are replaced.
        let r = Record::parse(1460, "audit(1.000:1): comm=6162 exe=ff").unwrap();
        assert_eq!(r.get("comm"), Some("ab"));
        assert_eq!(r.get("exe"), Some("\u{fffd}"));
    }

    #[test]
    fn missing_fields_are_missing() {
        // A denial in soft interrupt context has no task fields.
        let r = Record::parse(
            1460,
            "audit(1733252400.999:7): hook=socket_sock_rcv_skb prog_id=3 prog_name=\"drop\" \
             result=-13 mode=audit",
        )
        .unwrap();
        assert_eq!(r.get("result"), Some("-13"));
        assert_eq!(r.get("pid"), None);
        assert_eq!(r.get("comm"), None);
        let r = Record::parse(1461, "audit(5.010:9): ").unwrap();
        assert!(r.fields.is_empty());
        assert_eq!(r.time.to_string(), "5.010");
        let r = Record::parse(1461, "audit(5.010:9):").unwrap();
        assert!(r.fields.is_empty());
    }

    #[test]
    fn disable_enable_and_revalidate_records_keep_their_fields() {
        // By hand: the same fields as other changes.
        let r = Record::parse(
            1461,
            "audit(1733252402.010:70): op=disable hook=file_open prog_id=12 \
             prog_name=\"deny_open\" pid=301 auid=0 ses=1 comm=\"krsictl\" exe=\"/bin/krsictl\" res=1",
        )
        .unwrap();
        assert_eq!(
            fields(&r),
            [
                ("op", "disable"),
                ("hook", "file_open"),
                ("prog_id", "12"),
                ("prog_name", "deny_open"),
                ("pid", "301"),
                ("auid", "0"),
                ("ses", "1"),
                ("comm", "krsictl"),
                ("exe", "/bin/krsictl"),
                ("res", "1"),
            ]
        );
        let r = Record::parse(
            1461,
            "audit(1733252402.011:71): op=enable hook=file_open prog_id=12 prog_name=\"deny_open\" \
             pid=301 auid=0 ses=1 comm=\"krsictl\" exe=\"/bin/krsictl\" errno=114 res=0",
        )
        .unwrap();
        assert_eq!(
            (r.get("op"), r.get("errno"), r.get("res")),
            (Some("enable"), Some("114"), Some("0"))
        );
        // A revalidation asked for, with how many attachments it changed.
        let r = Record::parse(
            1461,
            "audit(1733252402.020:72): op=revalidate hook=? prog_id=0 prog_name=? count=2 \
             pid=301 auid=0 ses=1 comm=\"krsictl\" exe=\"/bin/krsictl\" res=1",
        )
        .unwrap();
        assert_eq!(
            (r.get("op"), r.get("hook"), r.get("count"), r.get("res")),
            (Some("revalidate"), Some("?"), Some("2"), Some("1"))
        );
        // Its changes: a disable with the reason, after a lockdown change...
        let r = Record::parse(
            1461,
            "audit(1733252402.021:73): op=disable hook=file_open prog_id=12 prog_name=\"deny_open\" \
             reason=lockdown state=disabled trigger=lockdown pid=1 auid=4294967295 \
             ses=4294967295 comm=\"sh\" exe=\"/bin/busybox\" res=1",
        )
        .unwrap();
        assert_eq!(
            (
                r.get("op"),
                r.get("reason"),
                r.get("state"),
                r.get("trigger"),
                r.get("res")
            ),
            (
                Some("disable"),
                Some("lockdown"),
                Some("disabled"),
                Some("lockdown"),
                Some("1")
            )
        );
        assert_eq!(
            r.get("reason").map(str::parse),
            Some(Ok(crate::DisableReason::Lockdown))
        );
        // ... and an enable, with no reason, after a revalidation asked for or a policy load.
        for trigger in ["revalidate", "lsm_policy"] {
            let r = Record::parse(
                1461,
                format!(
                    "audit(1733252402.022:74): op=enable hook=task_kill prog_id=9 prog_name=? \
                     state=enabled trigger={trigger} res=1"
                ),
            )
            .unwrap();
            assert_eq!(
                (
                    r.get("op"),
                    r.get("reason"),
                    r.get("state"),
                    r.get("trigger")
                ),
                (Some("enable"), None, Some("enabled"), Some(trigger))
            );
            // Without task fields (not in a task), nothing else is missing.
            assert_eq!((r.get("pid"), r.get("res")), (None, Some("1")));
        }
        // A program also disabled by hand stays disabled when revalidation clears its reason.
        let r = Record::parse(
            1461,
            "audit(1733252402.023:75): op=enable hook=file_open prog_id=12 prog_name=\"deny_open\" \
             state=disabled trigger=lsm_policy res=1",
        )
        .unwrap();
        assert_eq!(
            (r.get("op"), r.get("reason"), r.get("state")),
            (Some("enable"), None, Some("disabled"))
        );
        // Fields a later krsi adds decode like the others.
        let r = Record::parse(1461, "audit(1.000:1): op=frob later=x state=odd res=1").unwrap();
        assert_eq!((r.get("later"), r.get("state")), (Some("x"), Some("odd")));
    }

    #[test]
    fn quoted_values_may_hold_spaces_and_equal_signs() {
        let r = Record::parse(1461, "audit(1.001:2): a=\"x y=z\" b='q r' c=").unwrap();
        assert_eq!(fields(&r), [("a", "x y=z"), ("b", "q r"), ("c", "")]);
    }

    #[test]
    fn malformed_records_are_errors() {
        for (ty, bad) in [
            (1300, "audit(1.000:1): a=b"),
            (1460, "type=1460 audit(1.000:1): a=b"),
            (1460, "audit(1.000): a=b"),
            (1460, "audit(1:1): a=b"),
            (1460, "audit(x.000:1): a=b"),
            (1460, "audit(1.000:-1): a=b"),
            (1460, "audit(1.000:1) a=b"),
            (1460, "audit(1.000:1): word"),
            (1460, "audit(1.000:1): =v"),
            (1460, "audit(1.000:1): a=\"open"),
            (1460, "audit(1.000:1): a=\"x\"y"),
        ] {
            let e = Record::parse(ty, bad).unwrap_err();
            assert!(matches!(e, Error::BadRecord(_)), "{bad}: {e}");
            assert!(e.to_string().contains(&format!("type {ty}")), "{e}");
        }
    }

    fn nlmsg(ty: u16, payload: &[u8], declared_len: Option<u32>) -> Vec<u8> {
        let len = (NLMSG_HDRLEN + payload.len()) as u32;
        let mut m = Vec::new();
        m.extend_from_slice(&declared_len.unwrap_or(len).to_ne_bytes());
        m.extend_from_slice(&ty.to_ne_bytes());
        m.extend_from_slice(&0u16.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(payload);
        while m.len() % 4 != 0 {
            m.push(0);
        }
        m
    }

    #[test]
    fn datagrams_yield_only_krsi_records() {
        let mut d = nlmsg(1300, b"audit(1.000:5): arch=c000003e syscall=2", None);
        d.extend(nlmsg(
            1460,
            b"audit(1.000:5): hook=file_open result=-1",
            None,
        ));
        d.extend(nlmsg(1461, b"audit(1.001:6): op=mode res=1", None));
        let got = parse_datagram(&d);
        assert_eq!(got.len(), 2);
        let a = got[0].as_ref().unwrap();
        assert_eq!((a.kind, a.serial), (RecordKind::Access, 5));
        let c = got[1].as_ref().unwrap();
        assert_eq!(
            (c.kind, c.get("op")),
            (RecordKind::ConfigChange, Some("mode"))
        );
        // A length that does not fit the datagram: the rest is the message.
        let d = nlmsg(1461, b"audit(1.001:6): op=seal res=1", Some(4096));
        assert_eq!(
            parse_datagram(&d)[0].as_ref().unwrap().get("op"),
            Some("seal")
        );
        // A truncated header: nothing.
        assert!(parse_datagram(&d[..10]).is_empty());
    }

    #[test]
    fn attach_records_have_the_scope() {
        // Scoped: cgroup= (the cgroup's id) after mode= and log=.
        let r = Record::parse(
            1461,
            "audit(1733252403.000:80): op=attach hook=task_setrlimit prog_id=12 \
             prog_name=\"sc_a\" mode=enforce log=1 cgroup=4021 pid=301 auid=0 ses=1 \
             comm=\"krsictl\" exe=\"/bin/krsictl\" res=1",
        )
        .unwrap();
        assert_eq!(
            (r.get("op"), r.get("mode"), r.get("log"), r.get("cgroup")),
            (Some("attach"), Some("enforce"), Some("1"), Some("4021"))
        );
        assert_eq!(r.get("cgroup").map(str::parse::<u64>), Some(Ok(4021)));
        // Unscoped: none.
        let r = Record::parse(
            1461,
            "audit(1733252403.001:81): op=attach hook=file_open prog_id=13 prog_name=\"d\" \
             mode=audit log=0 pid=301 auid=0 ses=1 comm=\"krsictl\" exe=\"/bin/krsictl\" res=1",
        )
        .unwrap();
        assert_eq!((r.get("mode"), r.get("cgroup")), (Some("audit"), None));
    }
}
