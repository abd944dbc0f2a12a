//! Checks that the README's code is what a reader can paste: it builds every tagged block as
//! written and runs the programs against the repository's test identity server.
//!
//! ```text
//! cargo build -p readme-check && target/debug/readme-check [README.md]
//! ```
//!
//! A block is tagged by an HTML comment on the line right above its fence (invisible on GitHub):
//!
//! - `<!-- check: sh -->`: a shell step, run with bash in the sandbox in README order (the
//!   Python install line). Once one has made `.venv`, later steps and Python examples run
//!   with it active.
//! - `<!-- check: KIND EXAMPLE/PATH [-- COMMAND] -->`: the block is the file PATH of the example
//!   EXAMPLE. An example with a `Cargo.toml` is a crate made with `cargo new EXAMPLE` (the
//!   block holds what the reader adds to its manifest); otherwise it is Python, started with
//!   COMMAND or `python FILE`. KIND says how it is driven (`cli`, `web` or `test`, see
//!   [`drive`]).
//!
//! Every ```` ```rust ````, ```` ```toml ```` and ```` ```python ```` block must be tagged: code a
//! reader would paste is never left unchecked. The sandbox is `readme-check/` in the cargo
//! target directory, with the checkout linked in as `logto-rust/`, the clone the README tells
//! the reader to make beside their crate; Rust examples build into the shared target directory
//! so the dependencies the tests compiled are reused.

mod drive;
mod examples;
mod markdown;

use std::path::{Path, PathBuf};
use std::time::Instant;

use logto_test_idp::TestIdp;

#[tokio::main]
async fn main() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let repo = repo.canonicalize().unwrap_or(repo);
    let readme = std::env::args_os().nth(1).map_or_else(|| repo.join("README.md"), PathBuf::from);
    if let Err(error) = check(&repo, &readme).await {
        eprintln!("readme-check: {}: {error}", readme.display());
        std::process::exit(1);
    }
}

async fn check(repo: &Path, readme: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(readme).map_err(|e| format!("cannot read it: {e}"))?;
    let plan = examples::plan(markdown::blocks(&text)?)?;
    if plan.examples.is_empty() {
        return Err("no tagged example: nothing would be checked".into());
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo.join("target"), PathBuf::from);
    let target_dir = if target_dir.is_absolute() { target_dir } else { repo.join(target_dir) };
    let sandbox = target_dir.join("readme-check");
    examples::prepare_sandbox(&sandbox, repo)?;

    let mut dirs = Vec::new();
    for example in &plan.examples {
        dirs.push(examples::write(example, &sandbox, repo)?);
    }
    for block in &plan.sh {
        let started = Instant::now();
        examples::run_sh(block, &sandbox)?;
        println!("ok   line {}: shell step ({:.1} s)", block.line, started.elapsed().as_secs_f64());
    }
    let mut commands = Vec::new();
    for (example, dir) in plan.examples.iter().zip(&dirs) {
        let command = if example.is_rust() && example.kind == markdown::Kind::Test {
            let mut command =
                tokio::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
            command.args(["test", "--quiet"]).env("CARGO_TARGET_DIR", &target_dir).current_dir(dir);
            command
        } else if example.is_rust() {
            let started = Instant::now();
            let binary = examples::build_rust(example, dir, &target_dir)?;
            println!(
                "ok   {}: builds without warnings ({:.1} s)",
                example.name,
                started.elapsed().as_secs_f64()
            );
            let mut command = tokio::process::Command::new(binary);
            command.current_dir(dir);
            command
        } else {
            examples::python_command(example, dir, &sandbox)?
        };
        commands.push(command);
    }

    let idp = TestIdp::start().await;
    for (example, command) in plan.examples.iter().zip(commands) {
        let started = Instant::now();
        let outcome = match example.kind {
            markdown::Kind::Cli => drive::cli(command, &idp).await,
            markdown::Kind::Web => drive::web(command, &idp).await,
            markdown::Kind::Test => drive::test(command).await,
        };
        let what =
            format!("{} ({} {}, line {})", example.name, example.language(), example.kind, example.line);
        match outcome {
            Ok(summary) => println!("ok   {what}: {summary} ({:.1} s)", started.elapsed().as_secs_f64()),
            Err(error) => return Err(format!("{what}: {error}")),
        }
    }
    Ok(())
}
