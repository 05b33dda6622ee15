// SPDX-License-Identifier: GPL-2.0

//! krsi - hook classes: how security/security.c combines the LSMs' answers to each hook.
//!
//! krsi answers a hook with its programs' first non-zero result, or the hook's default. That is
//! what the caller expects only where the LSM framework itself takes the first non-default
//! answer (`call_int_hook()` and loops written to the same effect) or ignores answers
//! (`call_void_hook()`). This module reads every call site of every hook in security.c and
//! sorts the hooks into classes; a call site of a shape it does not know is an error, so that a
//! new kernel with a new kind of hook fails the build instead of being served wrongly.

use std::collections::{BTreeMap, BTreeSet};

/// How the framework combines the LSMs' answers to a hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// An int hook whose first non-default answer is the result: an errno denies.
    Errno,
    /// An int hook whose programs answer 0 or 1 (`bool_lsm_hooks` in bpf_lsm.c), combined like
    /// [`Class::Errno`]; what 1 means is the hook's own (for `inode_xattr_skipcap` it skips a
    /// capability check, so it grants).
    Bool,
    /// Only the first LSM that registered the hook is asked (`xfrm_state_pol_flow_match`):
    /// krsi's programs are served faithfully only while no other LSM registers the hook.
    FirstWins,
    /// Only the LSM whose id the caller names is asked (`setselfattr`): krsi has no attributes,
    /// so its programs would only ever see requests addressed to krsi. No file, no callback.
    IdDispatched,
    /// A void hook: every LSM runs, answers are ignored.
    Void,
}

impl Class {
    /// The class's name in the generated table.
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Class::Errno => "errno",
            Class::Bool => "bool",
            Class::FirstWins => "first_wins",
            Class::IdDispatched => "id_dispatched",
            Class::Void => "void",
        }
    }
}

type Result<T> = std::result::Result<T, String>;

/// The index just past the bracket that closes the one `s` starts with.
fn matching(s: &str, open: char, close: char) -> usize {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return i + 1;
            }
        }
    }
    s.len()
}

/// The length of the C statement `s` starts with (white space included): a `{...}` block, an
/// `if (...)` with its statement, or everything up to the first `;`.
fn statement_len(s: &str) -> usize {
    let lead = s.len() - s.trim_start().len();
    let t = &s[lead..];
    let len = if t.starts_with('{') {
        matching(t, '{', '}')
    } else if t.starts_with("if") && t[2..].trim_start().starts_with('(') {
        let cond = t.find('(').unwrap_or(0);
        let after = cond + matching(&t[cond..], '(', ')');
        after + statement_len(&t[after..])
    } else {
        t.find(';').map_or(t.len(), |i| i + 1)
    };
    lead + len
}

/// Classifies the loop body of `lsm_for_each_hook(scall, NAME)` for hook `name` whose default
/// is `default` (the C text of `LSM_HOOK`'s second argument).
fn classify_loop(name: &str, default: &str, body: &str) -> Result<Class> {
    let compact: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if compact.contains("lsmid->id") {
        return Ok(Class::IdDispatched);
    }
    let has_if = compact.contains("if (") || compact.contains("if(");
    if compact.contains("break;") && !has_if {
        return Ok(Class::FirstWins);
    }
    let first_non_default = [
        format!("!= LSM_RET_DEFAULT({name})"),
        format!("!= {default})"),
    ];
    if first_non_default.iter().any(|p| compact.contains(p)) {
        return Ok(Class::Errno);
    }
    Err(format!(
        "security.c combines `{name}` in a loop of a shape hookgen does not know: `{compact}`"
    ))
}

/// The call sites of `prefix` (`call_int_hook(` and the like) in `src`: the hook name that
/// follows each, and the text after the name. The macros' own definitions (`HOOK`, `NAME`) and
/// the hooks of `skip` are left out.
fn sites<'a>(
    src: &'a str,
    prefix: &'a str,
    skip: &'a BTreeSet<String>,
) -> impl Iterator<Item = (String, &'a str)> + 'a {
    src.match_indices(prefix).filter_map(move |(i, _)| {
        let rest = src[i + prefix.len()..].trim_start();
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..len];
        (name != "HOOK" && name != "NAME" && !skip.contains(name))
            .then(|| (name.to_string(), &rest[len..]))
    })
}

/// Reads security.c and returns the class of every hook it calls, by name, except the hooks of
/// `skip` (those BPF LSM refuses programs for). `defaults` maps each hook to the C text of its
/// default value; `bool_hooks` is `bool_lsm_hooks`.
pub(crate) fn classify(
    security_c: &str,
    defaults: &BTreeMap<String, String>,
    bool_hooks: &BTreeSet<String>,
    skip: &BTreeSet<String>,
) -> Result<BTreeMap<String, Class>> {
    let mut classes: BTreeMap<String, Class> = BTreeMap::new();
    let mut add = |name: &str, class: Class| -> Result<()> {
        match classes.insert(name.to_string(), class) {
            Some(old) if old != class => Err(format!(
                "security.c calls `{name}` both as {} and as {}",
                old.keyword(),
                class.keyword()
            )),
            _ => Ok(()),
        }
    };
    for (name, _) in sites(security_c, "call_int_hook(", &BTreeSet::new()) {
        let class = if bool_hooks.contains(&name) {
            Class::Bool
        } else {
            Class::Errno
        };
        add(&name, class)?;
    }
    for (name, _) in sites(security_c, "call_void_hook(", &BTreeSet::new()) {
        add(&name, Class::Void)?;
    }
    for (name, rest) in sites(security_c, "lsm_for_each_hook(scall, ", skip) {
        let after = rest.find(')').map_or("", |j| &rest[j + 1..]);
        let default = defaults.get(&name).map_or("", String::as_str);
        add(
            &name,
            classify_loop(&name, default, &after[..statement_len(after)])?,
        )?;
    }
    Ok(classes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str, name: &str, default: &str, bools: &[&str]) -> Result<Class> {
        let defaults = BTreeMap::from([(name.to_string(), default.to_string())]);
        let bools = bools.iter().map(|s| s.to_string()).collect();
        classify(src, &defaults, &bools, &BTreeSet::new()).map(|m| m[name])
    }

    #[test]
    fn int_void_and_bool_calls() {
        let src = "int a(void) { return call_int_hook(file_open, f); }\n\
                   void b(void) { call_void_hook(sk_free_security, sk); }\n";
        assert_eq!(one(src, "file_open", "0", &[]), Ok(Class::Errno));
        assert_eq!(
            one(src, "sk_free_security", "LSM_RET_VOID", &[]),
            Ok(Class::Void)
        );
        let src = "if (!call_int_hook(inode_xattr_skipcap, name)) {";
        assert_eq!(
            one(src, "inode_xattr_skipcap", "0", &["inode_xattr_skipcap"]),
            Ok(Class::Bool)
        );
    }

    #[test]
    fn loops_of_6_12() {
        // security_task_prctl
        let src = "lsm_for_each_hook(scall, task_prctl) {\n\
                   thisrc = scall->hl->hook.task_prctl(option, arg2, arg3, arg4, arg5);\n\
                   if (thisrc != LSM_RET_DEFAULT(task_prctl)) {\n rc = thisrc;\n\
                   if (thisrc != 0)\n break;\n }\n }\n return rc;\n}\n";
        assert_eq!(one(src, "task_prctl", "-ENOSYS", &[]), Ok(Class::Errno));
        // security_fs_context_parse_param
        let src = "lsm_for_each_hook(scall, fs_context_parse_param) {\n\
                   trc = scall->hl->hook.fs_context_parse_param(fc, param);\n\
                   if (trc == 0)\n rc = 0;\n else if (trc != -ENOPARAM)\n return trc;\n }\n";
        assert_eq!(
            one(src, "fs_context_parse_param", "-ENOPARAM", &[]),
            Ok(Class::Errno)
        );
        // security_xfrm_state_pol_flow_match
        let src = "lsm_for_each_hook(scall, xfrm_state_pol_flow_match) {\n\
                   rc = scall->hl->hook.xfrm_state_pol_flow_match(x, xp, flic);\n break;\n }\n";
        assert_eq!(
            one(
                src,
                "xfrm_state_pol_flow_match",
                "1",
                &["xfrm_state_pol_flow_match"]
            ),
            Ok(Class::FirstWins)
        );
        // security_setselfattr: a one-statement body
        let src = "lsm_for_each_hook(scall, setselfattr)\n\
                   if ((scall->hl->lsmid->id) == lctx->id) {\n\
                   rc = scall->hl->hook.setselfattr(attr, lctx, size, flags);\n break;\n }\n\
                   free_out:\n kfree(lctx);\n";
        assert_eq!(
            one(src, "setselfattr", "-EOPNOTSUPP", &[]),
            Ok(Class::IdDispatched)
        );
    }

    #[test]
    fn unknown_shapes_and_conflicts_fail() {
        let src = "lsm_for_each_hook(scall, odd) {\n rc += scall->hl->hook.odd(x);\n }\n";
        assert!(one(src, "odd", "0", &[]).is_err());
        let src = "call_int_hook(h, x); call_void_hook(h, x);";
        assert!(one(src, "h", "0", &[]).is_err());
    }
}
