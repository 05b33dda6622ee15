// SPDX-License-Identifier: GPL-2.0
//! krsictl - generates its man pages and shell completions from its clap definitions
//! (`src/cli.rs`), into `$OUT_DIR`:
//!
//! - `man/krsictl.8` and a `man/krsictl-<command>.8` per command (section 8: an administrator's
//!   tool);
//! - `completions/krsictl.bash`, `completions/_krsictl` (zsh) and
//!   `completions/krsictl.fish`.
//!
//! `make install` finds `$OUT_DIR` in cargo's build messages and installs them.

use std::io;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;
use clap_mangen::roff::{roman, Roff};

#[allow(dead_code)]
#[path = "src/cli.rs"]
mod cli;

/// The EXIT STATUS section of a page from the text after a command's help: `Exit status:` and
/// either the codes in one sentence, or one line per code (`  N  what it means`), which become a
/// list.
fn exit_status(text: &str) -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", ["EXIT STATUS"]);
    let text = text.strip_prefix("Exit status:").unwrap_or(text);
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match line.split_once("  ") {
            Some((code, what)) if code.parse::<u8>().is_ok() => {
                roff.control("TP", []);
                roff.text([roman(code)]);
                roff.text([roman(what)]);
            }
            _ => {
                roff.text([roman(line)]);
            }
        }
    }
    roff
}

/// Writes the man page of `cmd` and of each of its commands, recursively, into `dir`.
fn man_pages(cmd: &clap::Command, dir: &Path) -> io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages(sub, dir)?;
    }
    let man = clap_mangen::Man::new(cmd.clone())
        .section("8")
        // No date (the pages stay the same from build to build), as roff's zero-width `\&`:
        // clap_mangen writes an empty argument as nothing, and .TH's source would take its place.
        .date(r"\&")
        .source(concat!("krsictl ", env!("CARGO_PKG_VERSION")));
    // Man::render's sections, but the text after the help (the exit codes) under EXIT STATUS
    // rather than EXTRA.
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut page)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut page)?;
    }
    if let Some(after) = cmd.get_after_help() {
        page.extend(exit_status(&after.to_string()).render().as_bytes());
    }
    if cmd.get_version().is_some() {
        man.render_version_section(&mut page)?;
    }
    std::fs::write(dir.join(man.get_filename()), page)
}

fn main() -> io::Result<()> {
    println!("cargo:rerun-if-changed=src/cli.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or(io::ErrorKind::NotFound)?);

    // As clap_mangen::generate_to does: no `help` command, and every command built, so that a
    // command's page is named krsictl-<command>.
    let mut cmd = cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    let man = out.join("man");
    std::fs::create_dir_all(&man)?;
    man_pages(&cmd, &man)?;

    let completions = out.join("completions");
    std::fs::create_dir_all(&completions)?;
    let mut cmd = cli::Cli::command();
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut cmd, "krsictl", &completions)?;
    }
    Ok(())
}
