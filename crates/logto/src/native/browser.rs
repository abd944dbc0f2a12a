//! Opening the system browser on a URL.

use std::process::{Command, Stdio};

/// Opens `url` in the user's browser: `$BROWSER` when set, else the platform's opener
/// (`xdg-open`, `open`, `explorer`). Returns whether a browser could be started; when it could
/// not (a server, a container, SSH), print the URL for the user instead.
///
/// ```no_run
/// let url = "https://tenant.logto.app/oidc/auth?...";
/// if !logto::native::open_browser(url) {
///     println!("Open this link to sign in: {url}");
/// }
/// ```
pub fn open_browser(url: &str) -> bool {
    let mut candidates: Vec<(String, Vec<String>)> = Vec::new();
    if let Ok(browser) = std::env::var("BROWSER") {
        // `$BROWSER` may list several commands, separated by `:` (a `%s` stands for the URL).
        for command in browser.split(':').filter(|c| !c.trim().is_empty()) {
            let mut words = command.split_whitespace().map(str::to_owned);
            if let Some(program) = words.next() {
                let mut args: Vec<String> =
                    words.map(|w| if w == "%s" { url.to_owned() } else { w }).collect();
                if !command.contains("%s") {
                    args.push(url.to_owned());
                }
                candidates.push((program, args));
            }
        }
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    candidates.push((opener.to_owned(), vec![url.to_owned()]));
    candidates.into_iter().any(|(program, args)| {
        Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .is_ok()
    })
}
