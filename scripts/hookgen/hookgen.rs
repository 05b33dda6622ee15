// SPDX-License-Identifier: GPL-2.0

//! krsi - hook table generator.
//!
//! Reads the target kernel's `include/linux/lsm_hook_defs.h`, the list of hooks BPF LSM refuses
//! (`bpf_lsm_disabled_hooks` in `kernel/bpf/bpf_lsm.c`) and how `security/security.c` combines
//! the answers to each hook (see [`classify`]), and writes:
//!
//! - a Rust file holding one `define_hooks!` invocation that lists every attachable hook with its
//!   class (`errno`, `bool`, `first_wins` or `void`), default value, whether BPF allows sleepable
//!   programs on it (`sleepable` or `atomic`, from `sleepable_lsm_hooks` in bpf_lsm.c), whose
//!   cgroup a scoped attachment is checked against (`current`, `socket`, `sock` or `unscoped`,
//!   see [`subject`]) and
//!   parameters translated to the kernel's bindgen types, each `#ifdef CONFIG_X` block turned
//!   into `#[cfg(CONFIG_X)]`; hooks that only the LSM a caller names is asked
//!   (`id_dispatched`) are left out;
//! - a text file naming, one per line, the hooks that exist in the configuration given by
//!   `include/config/auto.conf`; the selftests compare it with `/sys/kernel/security/bpf/`.
//!
//! Usage: `hookgen SRCTREE AUTO_CONF OUT_RS OUT_LIST`

mod classify;
mod subject;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use classify::Class;
use std::{env, fs, process};
use subject::Subject;

/// A preprocessor condition over kernel configuration symbols.
#[derive(Clone, Debug, PartialEq)]
enum Cond {
    /// `defined(CONFIG_X)` or `IS_ENABLED(CONFIG_X)`.
    Config(String),
    Not(Box<Cond>),
    All(Vec<Cond>),
    Any(Vec<Cond>),
}

impl Cond {
    /// The condition as a Rust `cfg` predicate.
    fn to_cfg(&self) -> String {
        let list = |v: &[Cond]| v.iter().map(Cond::to_cfg).collect::<Vec<_>>().join(", ");
        match self {
            Cond::Config(s) => s.clone(),
            Cond::Not(c) => format!("not({})", c.to_cfg()),
            Cond::All(v) => format!("all({})", list(v)),
            Cond::Any(v) => format!("any({})", list(v)),
        }
    }

    /// Whether the condition holds for the set of enabled (`=y`) symbols.
    fn eval(&self, enabled: &BTreeSet<String>) -> bool {
        match self {
            Cond::Config(s) => enabled.contains(s),
            Cond::Not(c) => !c.eval(enabled),
            Cond::All(v) => v.iter().all(|c| c.eval(enabled)),
            Cond::Any(v) => v.iter().any(|c| c.eval(enabled)),
        }
    }
}

/// One parameter of a hook, translated.
#[derive(Debug, PartialEq)]
struct Param {
    name: String,
    rust_type: String,
}

/// One `LSM_HOOK()` entry.
#[derive(Debug, PartialEq)]
struct Hook {
    name: String,
    /// `true` for `int` hooks, `false` for `void` hooks.
    returns_int: bool,
    /// The default return value as a Rust expression (`()` for void hooks).
    default: String,
    /// The default return value as written in C.
    default_c: String,
    params: Vec<Param>,
    /// The conditions of the enclosing `#if` blocks, outermost first.
    conds: Vec<Cond>,
    /// Whether BPF accepts sleepable programs for the hook (`sleepable_lsm_hooks`).
    sleepable: bool,
    /// How security.c combines the LSMs' answers.
    class: Class,
    /// Whose cgroup a scoped attachment is checked against (see [`subject`]).
    subject: Subject,
}

impl Hook {
    fn cond(&self) -> Option<Cond> {
        match self.conds.len() {
            0 => None,
            1 => Some(self.conds[0].clone()),
            _ => Some(Cond::All(self.conds.clone())),
        }
    }
}

type Result<T> = std::result::Result<T, String>;

/// Removes C comments, keeping line breaks so that errors can name lines.
fn strip_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut rest = src;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("/*") {
            let end = after.find("*/").map_or(after.len(), |i| i + 2);
            out.extend(after[..end].chars().filter(|&c| c == '\n'));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix("//") {
            let end = after.find('\n').unwrap_or(after.len());
            rest = &after[end..];
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Parses the expression of an `#if`/`#elif` line.
fn parse_cond(expr: &str) -> Result<Cond> {
    let expr = expr.trim();
    if let Some((l, r)) = split_top(expr, "||") {
        return Ok(Cond::Any(vec![parse_cond(l)?, parse_cond(r)?]));
    }
    if let Some((l, r)) = split_top(expr, "&&") {
        return Ok(Cond::All(vec![parse_cond(l)?, parse_cond(r)?]));
    }
    if let Some(inner) = expr.strip_prefix('!') {
        return Ok(Cond::Not(Box::new(parse_cond(inner)?)));
    }
    if expr.starts_with('(') && expr.ends_with(')') {
        return parse_cond(&expr[1..expr.len() - 1]);
    }
    for func in ["defined", "IS_ENABLED", "IS_BUILTIN"] {
        if let Some(arg) = expr.strip_prefix(func) {
            let arg = arg.trim();
            if let Some(sym) = arg.strip_prefix('(').and_then(|a| a.strip_suffix(')')) {
                return config_symbol(sym.trim());
            }
        }
    }
    Err(format!("unsupported preprocessor condition `{expr}`"))
}

fn config_symbol(sym: &str) -> Result<Cond> {
    if sym.starts_with("CONFIG_") && sym.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(Cond::Config(sym.to_string()))
    } else {
        Err(format!("unsupported preprocessor symbol `{sym}`"))
    }
}

/// Splits `s` at the first occurrence of `op` outside parentheses.
fn split_top<'a>(s: &'a str, op: &str) -> Option<(&'a str, &'a str)> {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 && s[i..].starts_with(op) => {
                return Some((&s[..i], &s[i + op.len()..]))
            }
            _ => {}
        }
    }
    None
}

/// Splits `s` at commas outside parentheses.
fn split_args(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(s[start..].trim());
    out
}

/// Names of krsi's control files in /sys/kernel/security/bpf/, which no hook may have.
const RESERVED_NAMES: &[&str] = &["status", "control"];

const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "do", "dyn", "else", "enum",
    "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro",
    "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "static", "struct",
    "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where",
    "while", "yield", "abstract", "become",
];

/// Translates a C base type (no pointer) to the kernel's Rust type for it.
fn base_type(words: &[&str]) -> Result<String> {
    let ffi = |t: &str| Ok(format!("ffi::{t}"));
    match words {
        ["struct" | "union" | "enum", name] => Ok(format!("bindings::{name}")),
        ["void"] => Ok("ffi::c_void".into()),
        ["bool"] => Ok("bool".into()),
        ["char"] => ffi("c_char"),
        ["signed", "char"] => ffi("c_schar"),
        ["unsigned", "char"] => ffi("c_uchar"),
        ["short"] | ["short", "int"] => ffi("c_short"),
        ["unsigned", "short"] | ["unsigned", "short", "int"] => ffi("c_ushort"),
        ["int"] | ["signed"] | ["signed", "int"] => ffi("c_int"),
        ["unsigned"] | ["unsigned", "int"] => ffi("c_uint"),
        ["long"] | ["long", "int"] => ffi("c_long"),
        ["unsigned", "long"] | ["unsigned", "long", "int"] => ffi("c_ulong"),
        ["long", "long"] => ffi("c_longlong"),
        ["unsigned", "long", "long"] => ffi("c_ulonglong"),
        // bindgen emits no alias for these: the kernel maps them to Rust's own integer types.
        ["u8" | "__u8"] => Ok("u8".into()),
        ["u16" | "__u16"] => Ok("u16".into()),
        ["u32" | "__u32"] => Ok("u32".into()),
        ["u64" | "__u64"] => Ok("u64".into()),
        ["s8" | "__s8"] => Ok("i8".into()),
        ["s16" | "__s16"] => Ok("i16".into()),
        ["s32" | "__s32"] => Ok("i32".into()),
        ["s64" | "__s64"] => Ok("i64".into()),
        ["size_t"] => Ok("usize".into()),
        ["ssize_t"] => Ok("isize".into()),
        // A typedef: bindgen emits a type alias of the same name.
        [name] if is_ident(name) => Ok(format!("bindings::{name}")),
        _ => Err(format!("unsupported C type `{}`", words.join(" "))),
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Translates one C parameter declaration, e.g. `const struct cred *cred`.
fn parse_param(decl: &str) -> Result<Param> {
    // Tokens: words and stars. `__user` and friends do not change the type.
    let spaced = decl.replace('*', " * ");
    let tokens: Vec<&str> = spaced
        .split_whitespace()
        .filter(|t| !matches!(*t, "__user" | "__kernel" | "__rcu" | "__force" | "volatile"))
        .collect();
    let (name, tokens) = match tokens.split_last() {
        Some((name, rest)) if is_ident(name) && !rest.is_empty() => (*name, rest),
        _ => return Err(format!("cannot parse parameter `{decl}`")),
    };
    if decl.contains(['[', '(']) {
        return Err(format!(
            "unsupported parameter `{decl}` (array or function pointer)"
        ));
    }
    // Split into the base (before the first star) and the pointer levels.
    let first_star = tokens
        .iter()
        .position(|t| *t == "*")
        .unwrap_or(tokens.len());
    let (base, stars) = tokens.split_at(first_star);
    let base_const = base.contains(&"const");
    let base_words: Vec<&str> = base.iter().copied().filter(|t| *t != "const").collect();
    let mut ty = base_type(&base_words)?;
    // Each star makes a pointer to what we have so far; a `const` right after a star makes the
    // next pointee const (the star's own constness does not matter for a by-value parameter).
    let mut pointee_const = base_const;
    for t in stars {
        match *t {
            "*" => {
                ty = format!("*{} {ty}", if pointee_const { "const" } else { "mut" });
                pointee_const = false;
            }
            "const" => pointee_const = true,
            other => return Err(format!("unexpected `{other}` in parameter `{decl}`")),
        }
    }
    if stars.is_empty() && base_words == ["void"] {
        return Err(format!("parameter of type void: `{decl}`"));
    }
    let name = if RUST_KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_string()
    };
    Ok(Param {
        name,
        rust_type: ty,
    })
}

/// Translates a hook's default value, e.g. `0`, `-EOPNOTSUPP`, `LSM_RET_VOID`.
fn parse_default(returns_int: bool, default: &str) -> Result<String> {
    if !returns_int {
        return match default {
            "LSM_RET_VOID" => Ok("()".into()),
            _ => Err(format!("void hook with default `{default}`")),
        };
    }
    if default.parse::<i32>().is_ok() {
        return Ok(default.into());
    }
    match default.strip_prefix('-') {
        Some(errno) if errno.starts_with('E') && is_ident(errno) => {
            Ok(format!("-(bindings::{errno} as ffi::c_int)"))
        }
        _ => Err(format!("unsupported default value `{default}`")),
    }
}

/// Parses the body of one `LSM_HOOK(...)`.
fn parse_hook(body: &str, conds: &[Cond]) -> Result<Hook> {
    let args = split_args(body);
    let [ret, default, name, params @ ..] = args.as_slice() else {
        return Err(format!("LSM_HOOK with too few arguments: `{body}`"));
    };
    let returns_int = match *ret {
        "int" => true,
        "void" => false,
        other => return Err(format!("hook `{name}` returns unsupported type `{other}`")),
    };
    if !is_ident(name) {
        return Err(format!("bad hook name `{name}`"));
    }
    if RESERVED_NAMES.contains(name) {
        return Err(format!(
            "hook `{name}` clashes with krsi's control file of that name"
        ));
    }
    let params = match params {
        [] | ["void"] => Vec::new(),
        _ => params
            .iter()
            .map(|p| parse_param(p))
            .collect::<Result<_>>()?,
    };
    Ok(Hook {
        name: name.to_string(),
        returns_int,
        default: parse_default(returns_int, default)?,
        default_c: default.to_string(),
        params,
        conds: conds.to_vec(),
        sleepable: false,
        class: if returns_int {
            Class::Errno
        } else {
            Class::Void
        },
        subject: Subject::Current,
    })
}

/// Parses lsm_hook_defs.h.
fn parse_hook_defs(src: &str) -> Result<Vec<Hook>> {
    let src = strip_comments(src);
    // One frame per open `#if`: the condition of the current branch and of the earlier branches.
    let mut stack: Vec<(Cond, Vec<Cond>)> = Vec::new();
    let mut hooks = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (lineno, line) in src.lines().enumerate() {
        let lineno = lineno + 1;
        let err = |e: String| format!("lsm_hook_defs.h:{lineno}: {e}");
        let trimmed = line.trim();
        if let Some((_, text)) = pending.as_mut() {
            text.push(' ');
            text.push_str(trimmed);
        } else if let Some(directive) = trimmed.strip_prefix('#') {
            let directive = directive.trim_start();
            let (word, rest) = directive
                .split_once(char::is_whitespace)
                .unwrap_or((directive, ""));
            match word {
                "ifdef" => stack.push((config_symbol(rest.trim()).map_err(err)?, Vec::new())),
                "ifndef" => {
                    let c = config_symbol(rest.trim()).map_err(err)?;
                    stack.push((Cond::Not(Box::new(c)), Vec::new()));
                }
                "if" => stack.push((parse_cond(rest).map_err(err)?, Vec::new())),
                "elif" | "else" => {
                    let (cur, earlier) = stack
                        .last_mut()
                        .ok_or_else(|| err("#else without #if".into()))?;
                    earlier.push(cur.clone());
                    let none_before = Cond::Not(Box::new(Cond::Any(earlier.clone())));
                    *cur = if word == "elif" {
                        Cond::All(vec![none_before, parse_cond(rest).map_err(err)?])
                    } else {
                        none_before
                    };
                }
                "endif" => {
                    stack
                        .pop()
                        .ok_or_else(|| err("#endif without #if".into()))?;
                }
                "define" | "undef" | "include" => {}
                _ => return Err(err(format!("unsupported directive `#{word}`"))),
            }
            continue;
        } else if trimmed.starts_with("LSM_HOOK(") {
            pending = Some((lineno, trimmed.to_string()));
        } else if trimmed.is_empty() {
            continue;
        } else {
            return Err(err(format!("unexpected line `{trimmed}`")));
        }
        // A hook is complete when its parentheses balance.
        let (start, text) = pending.as_ref().unwrap();
        let opened = text.matches('(').count();
        if opened == text.matches(')').count() {
            let body = text
                .strip_prefix("LSM_HOOK(")
                .and_then(|t| t.trim_end().strip_suffix(')'))
                .ok_or_else(|| format!("lsm_hook_defs.h:{start}: malformed LSM_HOOK"))?;
            let conds: Vec<Cond> = stack.iter().map(|(c, _)| c.clone()).collect();
            hooks.push(
                parse_hook(body, &conds).map_err(|e| format!("lsm_hook_defs.h:{start}: {e}"))?,
            );
            pending = None;
        }
    }
    if pending.is_some() || !stack.is_empty() {
        return Err("lsm_hook_defs.h: unterminated LSM_HOOK or #if at end of file".into());
    }
    if hooks.is_empty() {
        return Err("lsm_hook_defs.h: no LSM_HOOK found".into());
    }
    Ok(hooks)
}

/// Reads the hook names in `BTF_SET_START(<set>)` of kernel/bpf/bpf_lsm.c, e.g.
/// `bpf_lsm_disabled_hooks` or `sleepable_lsm_hooks`.
fn parse_hook_set(src: &str, set_name: &str) -> Result<BTreeSet<String>> {
    let start = src
        .find(&format!("BTF_SET_START({set_name})"))
        .ok_or(format!("bpf_lsm.c: no {set_name} set"))?;
    let set = &src[start..];
    let end = set
        .find("BTF_SET_END(")
        .ok_or(format!("bpf_lsm.c: unterminated {set_name}"))?;
    let mut names = BTreeSet::new();
    for line in set[..end].lines() {
        if let Some(rest) = line.trim().strip_prefix("BTF_ID(func, bpf_lsm_") {
            let name = rest
                .strip_suffix(')')
                .ok_or_else(|| format!("bpf_lsm.c: bad line `{line}`"))?;
            names.insert(name.to_string());
        }
    }
    if names.is_empty() {
        return Err(format!("bpf_lsm.c: {set_name} is empty"));
    }
    Ok(names)
}

/// Reads the `=y` symbols of include/config/auto.conf.
fn parse_auto_conf(src: &str) -> BTreeSet<String> {
    src.lines()
        .filter_map(|l| l.strip_suffix("=y"))
        .filter(|s| s.starts_with("CONFIG_"))
        .map(str::to_string)
        .collect()
}

/// Writes the Rust hook table.
fn render_rust(hooks: &[Hook]) -> String {
    let mut out = String::new();
    out.push_str("// SPDX-License-Identifier: GPL-2.0\n");
    out.push_str("// krsi - hook table, generated by scripts/hookgen/hookgen.rs from the target\n");
    out.push_str("// kernel's include/linux/lsm_hook_defs.h. Do not edit.\n\n");
    out.push_str("define_hooks! {\n");
    for h in hooks {
        if let Some(c) = h.cond() {
            let _ = writeln!(out, "    #[cfg({})]", c.to_cfg());
        }
        let params: Vec<String> = h
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, p.rust_type))
            .collect();
        let context = if h.sleepable { "sleepable" } else { "atomic" };
        let _ = writeln!(
            out,
            "    {}: {} = {}, {context}, {}, ({});",
            h.name,
            h.class.keyword(),
            h.default,
            h.subject.keyword(),
            params.join(", ")
        );
    }
    out.push_str("}\n");
    out
}

fn run(args: &[String]) -> Result<()> {
    let [srctree, auto_conf, out_rs, out_list] = args else {
        return Err("usage: hookgen SRCTREE AUTO_CONF OUT_RS OUT_LIST".into());
    };
    let read = |p: &str| fs::read_to_string(p).map_err(|e| format!("{p}: {e}"));
    let hooks = parse_hook_defs(&read(&format!("{srctree}/include/linux/lsm_hook_defs.h"))?)?;
    let bpf_lsm = read(&format!("{srctree}/kernel/bpf/bpf_lsm.c"))?;
    let disabled = parse_hook_set(&bpf_lsm, "bpf_lsm_disabled_hooks")?;
    let sleepable = parse_hook_set(&bpf_lsm, "sleepable_lsm_hooks")?;
    let bool_hooks = parse_hook_set(&bpf_lsm, "bool_lsm_hooks")?;
    let current_hooks = parse_hook_set(&bpf_lsm, "bpf_lsm_current_hooks")?;
    let enabled = parse_auto_conf(&read(auto_conf)?);
    let defaults: BTreeMap<String, String> = hooks
        .iter()
        .map(|h| (h.name.clone(), h.default_c.clone()))
        .collect();
    let classes = classify::classify(
        &read(&format!("{srctree}/security/security.c"))?,
        &defaults,
        &bool_hooks,
        &disabled,
    )?;
    // Hooks BPF LSM refuses programs for get no file and no callback, nor do hooks krsi cannot
    // serve (only the LSM a caller names is asked).
    let hooks = hooks
        .into_iter()
        .filter(|h| !disabled.contains(&h.name))
        .map(|h| {
            let class = *classes
                .get(&h.name)
                .ok_or_else(|| format!("security.c never calls hook `{}`", h.name))?;
            if h.returns_int == (class == Class::Void) {
                return Err(format!(
                    "hook `{}` is {} but security.c calls it as {}",
                    h.name,
                    if h.returns_int { "int" } else { "void" },
                    class.keyword()
                ));
            }
            let first = h.params.first().map(|p| p.rust_type.as_str());
            Ok(Hook {
                sleepable: sleepable.contains(&h.name),
                class,
                subject: subject::subject(&h.name, first, &current_hooks),
                ..h
            })
        })
        .collect::<Result<Vec<Hook>>>()?
        .into_iter()
        .filter(|h| h.class != Class::IdDispatched)
        .collect::<Vec<Hook>>();
    let mut list = String::new();
    for h in hooks
        .iter()
        .filter(|h| h.cond().is_none_or(|c| c.eval(&enabled)))
    {
        list.push_str(&h.name);
        list.push('\n');
    }
    fs::write(out_rs, render_rust(&hooks)).map_err(|e| format!("{out_rs}: {e}"))?;
    fs::write(out_list, list).map_err(|e| format!("{out_list}: {e}"))?;
    Ok(())
}

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("hookgen: {e}");
        process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(decl: &str) -> String {
        parse_param(decl).unwrap().rust_type
    }

    #[test]
    fn multi_line_hook() {
        let src = "LSM_HOOK(int, 0, binder_transfer_file, const struct cred *from,\n\
                   \t const struct cred *to, const struct file *file)\n";
        let hooks = parse_hook_defs(src).unwrap();
        assert_eq!(hooks.len(), 1);
        let h = &hooks[0];
        assert_eq!(h.name, "binder_transfer_file");
        assert!(h.returns_int);
        assert_eq!(h.default, "0");
        let names: Vec<&str> = h.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["from", "to", "file"]);
        assert_eq!(h.params[2].rust_type, "*const bindings::file");
    }

    #[test]
    fn const_pointers() {
        assert_eq!(param("const struct cred *cred"), "*const bindings::cred");
        assert_eq!(param("struct cred *new"), "*mut bindings::cred");
        assert_eq!(param("const char **value"), "*mut *const ffi::c_char");
        assert_eq!(param("char * const *names"), "*const *mut ffi::c_char");
        assert_eq!(param("const void *value"), "*const ffi::c_void");
        assert_eq!(param("void **buf"), "*mut *mut ffi::c_void");
        assert_eq!(
            param("struct lsm_ctx __user *ctx"),
            "*mut bindings::lsm_ctx"
        );
    }

    #[test]
    fn struct_by_value_and_scalars() {
        assert_eq!(param("kuid_t uid"), "bindings::kuid_t");
        assert_eq!(param("sockptr_t optval"), "bindings::sockptr_t");
        assert_eq!(param("unsigned long arg"), "ffi::c_ulong");
        assert_eq!(param("unsigned int mode"), "ffi::c_uint");
        assert_eq!(param("unsigned flags"), "ffi::c_uint");
        assert_eq!(param("int kern"), "ffi::c_int");
        assert_eq!(param("bool contents"), "bool");
        assert_eq!(
            param("enum kernel_read_file_id id"),
            "bindings::kernel_read_file_id"
        );
        assert_eq!(param("union bpf_attr *attr"), "*mut bindings::bpf_attr");
        assert_eq!(param("u32 *ctxlen"), "*mut u32");
        assert_eq!(param("u64 mask"), "u64");
        assert_eq!(param("size_t size"), "usize");
        assert_eq!(param("loff_t size"), "bindings::loff_t");
    }

    #[test]
    fn keyword_parameter_names_are_raw() {
        let p = parse_param("int type").unwrap();
        assert_eq!(p.name, "r#type");
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(parse_param("int").is_err());
        assert!(parse_param("int (*fn)(void)").is_err());
        assert!(parse_param("char name[16]").is_err());
        assert!(parse_param("void v").is_err());
    }

    #[test]
    fn ifdef_blocks() {
        let src = "LSM_HOOK(int, 0, a, int x)\n\
                   #ifdef CONFIG_SECURITY_PATH\n\
                   LSM_HOOK(int, 0, b, int x)\n\
                   #if defined(CONFIG_SECURITY) && defined(CONFIG_WATCH_QUEUE)\n\
                   LSM_HOOK(int, 0, c, int x)\n\
                   #endif /* CONFIG_WATCH_QUEUE */\n\
                   #else\n\
                   LSM_HOOK(int, 0, d, int x)\n\
                   #endif /* CONFIG_SECURITY_PATH */\n";
        let hooks = parse_hook_defs(src).unwrap();
        let cfg: Vec<Option<String>> = hooks.iter().map(|h| h.cond().map(|c| c.to_cfg())).collect();
        assert_eq!(
            cfg,
            [
                None,
                Some("CONFIG_SECURITY_PATH".into()),
                Some("all(CONFIG_SECURITY_PATH, all(CONFIG_SECURITY, CONFIG_WATCH_QUEUE))".into()),
                Some("not(any(CONFIG_SECURITY_PATH))".into()),
            ]
        );
        let enabled = parse_auto_conf("CONFIG_SECURITY_PATH=y\nCONFIG_SECURITY=y\nCONFIG_X=m\n");
        let on: Vec<&str> = hooks
            .iter()
            .filter(|h| h.cond().is_none_or(|c| c.eval(&enabled)))
            .map(|h| h.name.as_str())
            .collect();
        assert_eq!(on, ["a", "b"]);
    }

    #[test]
    fn sleepable_hooks_are_marked() {
        let src = "BTF_SET_START(sleepable_lsm_hooks)\nBTF_ID(func, bpf_lsm_file_open)\n\
                   BTF_SET_END(sleepable_lsm_hooks)\n";
        let set = parse_hook_set(src, "sleepable_lsm_hooks").unwrap();
        assert!(set.contains("file_open"));
        assert!(parse_hook_set(src, "bpf_lsm_disabled_hooks").is_err());
        let mut hooks = parse_hook_defs(
            "LSM_HOOK(int, 0, file_open, struct file *file)\n\
                                         LSM_HOOK(int, 0, task_kill, int sig)\n",
        )
        .unwrap();
        for h in &mut hooks {
            h.sleepable = set.contains(&h.name);
        }
        let rust = render_rust(&hooks);
        assert!(
            rust.contains("file_open: errno = 0, sleepable, current, (file: *mut bindings::file);")
        );
        assert!(rust.contains("task_kill: errno = 0, atomic, current, (sig: ffi::c_int);"));
    }

    #[test]
    fn void_hook() {
        let hooks =
            parse_hook_defs("LSM_HOOK(void, LSM_RET_VOID, sk_free_security, struct sock *sk)")
                .unwrap();
        assert!(!hooks[0].returns_int);
        assert_eq!(hooks[0].default, "()");
        assert!(render_rust(&hooks).contains(
            "    sk_free_security: void = (), atomic, current, (sk: *mut bindings::sock);\n"
        ));
        let mut hooks =
            parse_hook_defs("LSM_HOOK(int, 0, inode_xattr_skipcap, const char *name)").unwrap();
        hooks[0].class = Class::Bool;
        assert!(render_rust(&hooks).contains(
            "    inode_xattr_skipcap: bool = 0, atomic, current, (name: *const ffi::c_char);\n"
        ));
    }

    #[test]
    fn errno_defaults() {
        let hooks =
            parse_hook_defs("LSM_HOOK(int, -EOPNOTSUPP, inode_getsecurity, int x)\n").unwrap();
        assert_eq!(hooks[0].default, "-(bindings::EOPNOTSUPP as ffi::c_int)");
        assert!(parse_hook_defs("LSM_HOOK(int, FOO, h, int x)\n").is_err());
        assert!(parse_hook_defs("LSM_HOOK(long, 0, h, int x)\n").is_err());
        assert!(parse_hook_defs("LSM_HOOK(int, 0, status, int x)\n").is_err());
    }

    #[test]
    fn unknown_constructs_fail_loudly() {
        assert!(parse_hook_defs("#if FOO > 1\nLSM_HOOK(int, 0, a, int x)\n#endif\n").is_err());
        assert!(parse_hook_defs("LSM_HOOK(int, 0, a, int x\n").is_err());
        assert!(parse_hook_defs("#ifdef CONFIG_A\nLSM_HOOK(int, 0, a, int x)\n").is_err());
        assert!(parse_hook_defs("int x;\n").is_err());
        assert!(parse_hook_defs("").is_err());
    }

    #[test]
    fn disabled_hooks() {
        let src = "BTF_SET_START(other)\nBTF_ID(func, bpf_lsm_x)\nBTF_SET_END(other)\n\
                   BTF_SET_START(bpf_lsm_disabled_hooks)\nBTF_ID(func, bpf_lsm_vm_enough_memory)\n\
                   #ifdef CONFIG_KEYS\nBTF_ID(func, bpf_lsm_key_getsecurity)\n#endif\n\
                   BTF_SET_END(bpf_lsm_disabled_hooks)\n";
        let set = parse_hook_set(src, "bpf_lsm_disabled_hooks").unwrap();
        assert_eq!(
            set.into_iter().collect::<Vec<_>>(),
            ["key_getsecurity", "vm_enough_memory"]
        );
    }

    #[test]
    fn comments_are_ignored() {
        let src = "/* LSM_HOOK(int, 0, fake, int x) */\n// LSM_HOOK(int, 0, fake2, int x)\n\
                   LSM_HOOK(int, 0, /* inline */ real, int x)\n";
        let hooks = parse_hook_defs(src).unwrap();
        assert_eq!(hooks.len(), 1);
        assert_eq!(hooks[0].name, "real");
    }
}
