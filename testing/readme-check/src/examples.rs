//! Turns the tagged blocks into examples in a sandbox directory, laid out as the README tells a
//! reader to lay them out: the repository cloned as `logto-rust/` (a symlink to this checkout)
//! beside each example, which is a new crate (`cargo new`) or a directory with Python files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::markdown::{Block, CODE_LANGS, Kind, Tag};

/// The name the README gives the repository's clone (`git clone .../logto-rust`).
pub(crate) const CLONE_NAME: &str = "logto-rust";

/// One program of the README.
#[derive(Debug)]
pub(crate) struct Example {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    /// README line of its first block, for messages.
    pub(crate) line: usize,
    /// Relative path -> content.
    pub(crate) files: BTreeMap<String, String>,
    /// How a Python example is started (default: `python FILE` for its one `.py` file).
    pub(crate) command: Option<String>,
}

impl Example {
    pub(crate) fn is_rust(&self) -> bool {
        self.files.contains_key("Cargo.toml")
    }

    pub(crate) fn language(&self) -> &'static str {
        if self.is_rust() { "Rust" } else { "Python" }
    }
}

/// What a README asks for: shell steps and examples, in README order.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub(crate) sh: Vec<Block>,
    pub(crate) examples: Vec<Example>,
}

/// Groups the tagged blocks; an untagged block of code a reader would paste is an error.
pub(crate) fn plan(blocks: Vec<Block>) -> Result<Plan, String> {
    let mut plan = Plan::default();
    for block in blocks {
        match block.tag.clone() {
            None if CODE_LANGS.contains(&block.lang.as_str()) => {
                return Err(format!(
                    "line {}: this ```{} block is not checked: tag it with <!-- check: ... --> (see testing/readme-check)",
                    block.line, block.lang
                ));
            }
            None => {}
            Some(Tag::Sh) => plan.sh.push(block),
            Some(Tag::File { kind, example, path, command }) => {
                let position = plan.examples.iter().position(|e| e.name == example);
                let entry = match position {
                    Some(i) => &mut plan.examples[i],
                    None => {
                        plan.examples.push(Example {
                            name: example.clone(),
                            kind,
                            line: block.line,
                            files: BTreeMap::new(),
                            command: None,
                        });
                        plan.examples.last_mut().expect("just pushed")
                    }
                };
                if entry.kind != kind {
                    return Err(format!("line {}: `{example}` was tagged {} before", block.line, entry.kind));
                }
                if command.is_some() {
                    entry.command = command;
                }
                if entry.files.insert(path.clone(), block.code).is_some() {
                    return Err(format!("line {}: `{example}/{path}` is written twice", block.line));
                }
            }
        }
    }
    Ok(plan)
}

/// Empties `sandbox` and links the repository into it as the README's clone.
pub(crate) fn prepare_sandbox(sandbox: &Path, repo: &Path) -> Result<(), String> {
    if sandbox.exists() {
        std::fs::remove_dir_all(sandbox).map_err(|e| format!("cannot empty {}: {e}", sandbox.display()))?;
    }
    std::fs::create_dir_all(sandbox).map_err(|e| format!("cannot create {}: {e}", sandbox.display()))?;
    std::os::unix::fs::symlink(repo, sandbox.join(CLONE_NAME))
        .map_err(|e| format!("cannot link the repository into {}: {e}", sandbox.display()))
}

/// Writes the example's files. A Rust example's `Cargo.toml` block is what the reader adds to
/// the manifest `cargo new` made, so the `[package]` table is written here; `[workspace]` keeps
/// the crate out of the repository's workspace (the sandbox may lie inside the checkout), and
/// the workspace's `Cargo.lock` makes it build with the versions the repository is tested with.
pub(crate) fn write(example: &Example, sandbox: &Path, repo: &Path) -> Result<PathBuf, String> {
    let dir = sandbox.join(&example.name);
    for (path, content) in &example.files {
        let mut content = content.clone();
        if path == "Cargo.toml" {
            if !content.contains("[package]") {
                content = format!(
                    "[package]\nname = \"{}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n{content}",
                    example.name
                );
            }
            content.push_str("\n# Added by the README check: this crate is not part of the repository's workspace.\n[workspace]\n");
        }
        let file = dir.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&file, content).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    }
    if example.is_rust() {
        std::fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock"))
            .map_err(|e| format!("cannot copy Cargo.lock: {e}"))?;
    }
    Ok(dir)
}

/// Builds a Rust example into the shared target directory and returns its binary. Any warning
/// fails the check: the README's code must compile cleanly as written.
pub(crate) fn build_rust(example: &Example, dir: &Path, target_dir: &Path) -> Result<PathBuf, String> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("`{}` does not compile:\n{stderr}", example.name));
    }
    if stderr.lines().any(|line| line.trim_start().starts_with("warning")) {
        return Err(format!("`{}` compiles with warnings:\n{stderr}", example.name));
    }
    Ok(target_dir.join("debug").join(&example.name))
}

/// Runs a `sh` block with bash in the sandbox, with the sandbox's `.venv` active once a block
/// has made it (as it stays active in the reader's terminal).
pub(crate) fn run_sh(block: &Block, sandbox: &Path) -> Result<(), String> {
    let mut command = Command::new("bash");
    command.args(["-e", "-o", "pipefail", "-c", &block.code]).current_dir(sandbox).stdin(Stdio::null());
    activate_venv(&mut command, sandbox);
    let output = command.output().map_err(|e| format!("cannot run bash: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "line {}: the shell block failed ({}):\n{}--- its output ---\n{}{}",
        block.line,
        output.status,
        block.code,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

/// The README's virtual environment, if a `sh` block made one.
pub(crate) fn venv(sandbox: &Path) -> Option<PathBuf> {
    let venv = sandbox.join(".venv");
    venv.join("bin").join("python").is_file().then_some(venv)
}

fn activate_venv(command: &mut Command, sandbox: &Path) {
    if let Some(venv) = venv(sandbox) {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![venv.join("bin")];
        paths.extend(std::env::split_paths(&path));
        command.env("VIRTUAL_ENV", &venv).env("PATH", std::env::join_paths(paths).unwrap_or(path));
    }
}

/// The command that starts a Python example, run by bash in its directory with the README's
/// virtual environment active.
pub(crate) fn python_command(
    example: &Example,
    dir: &Path,
    sandbox: &Path,
) -> Result<tokio::process::Command, String> {
    if venv(sandbox).is_none() {
        return Err(format!(
            "`{}` is Python, but no shell block made the virtual environment `.venv` it runs in",
            example.name
        ));
    }
    let script = match &example.command {
        Some(command) => format!("exec {command}"),
        None => {
            let mut scripts = example.files.keys().filter(|path| path.ends_with(".py"));
            match (scripts.next(), scripts.next()) {
                (Some(script), None) => format!("exec python {script}"),
                _ => {
                    return Err(format!(
                        "`{}`: name the command that starts it (`-- COMMAND` in its tag)",
                        example.name
                    ));
                }
            }
        }
    };
    let mut command = Command::new("bash");
    command.args(["-e", "-c", &script]).current_dir(dir);
    activate_venv(&mut command, sandbox);
    Ok(command.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::blocks;

    #[test]
    fn groups_the_files_of_each_example_in_readme_order() {
        let text = "<!-- check: cli hello/Cargo.toml -->\n```toml\n[dependencies]\n```\n\
                    <!-- check: cli hello/src/main.rs -->\n```rust\nfn main() {}\n```\n\
                    <!-- check: sh -->\n```sh\ntrue\n```\n```sh\nnot run\n```\n\
                    <!-- check: web app/app.py -- flask run -->\n```python\nx = 1\n```\n";
        let plan = plan(blocks(text).unwrap()).unwrap();
        assert_eq!(plan.sh.len(), 1);
        let names: Vec<_> = plan.examples.iter().map(|e| (e.name.as_str(), e.kind, e.is_rust())).collect();
        assert_eq!(names, [("hello", Kind::Cli, true), ("app", Kind::Web, false)]);
        assert_eq!(plan.examples[0].files.keys().collect::<Vec<_>>(), ["Cargo.toml", "src/main.rs"]);
        assert_eq!(plan.examples[1].command.as_deref(), Some("flask run"));
    }

    #[test]
    fn code_a_reader_would_paste_must_be_checked() {
        let error = plan(blocks("```rust\nfn main() {}\n```\n").unwrap()).unwrap_err();
        assert!(error.contains("not checked"), "{error}");
        let mixed =
            "<!-- check: cli a/main.py -->\n```python\n```\n<!-- check: web a/b.py -->\n```python\n```\n";
        assert!(plan(blocks(mixed).unwrap()).unwrap_err().contains("tagged cli"));
        let twice =
            "<!-- check: cli a/main.py -->\n```python\n```\n<!-- check: cli a/main.py -->\n```python\n```\n";
        assert!(plan(blocks(twice).unwrap()).unwrap_err().contains("twice"));
    }
}
