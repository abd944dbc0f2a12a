//! `logto-cli`: a command-line tool signed in with Logto, as a user would write one.
//!
//! ```text
//! logto-cli login [--device]              sign in through the browser (or with a code, and its link as a QR code on a terminal)
//! logto-cli whoami                        who is signed in
//! logto-cli token [--resource R] [--organization O]   an access token (refreshed when needed)
//! logto-cli call <url> [--resource R]     GET <url> with the access token as a bearer
//! logto-cli logout                        revoke the refresh token and forget the tokens
//! ```
//!
//! Settings: `LOGTO_ENDPOINT`, `LOGTO_APP_ID` (a Native app; for `--device`, one created with
//! the device flow), `LOGTO_RESOURCES` and `LOGTO_SCOPES` (comma-separated), and
//! `LOGTO_TOKEN_STORE`: `auto` (the default: the refresh token in the OS keyring when one
//! answers, else everything in the file), `keyring` or `file`. The file lives in `<config dir>/logto-cli/` (`~/.config` on Linux,
//! `XDG_CONFIG_HOME` when set), readable by the user only; `whoami` says where the tokens are.
//! Several invocations at once refresh the token once.

#![forbid(unsafe_code)]

use logto::native::{LoopbackOptions, NativeStorage, TokenStore, native_client_in, open_browser};
use logto::{LogtoClient, LogtoConfig, LogtoError, TokenTarget};
use std::process::ExitCode;

const USAGE: &str = "usage: logto-cli login [--device] | whoami | token [--resource R] [--organization O] | call <url> [--resource R] | logout";

const TOOL: &str = "logto-cli";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn token_store() -> Result<TokenStore, String> {
    var("LOGTO_TOKEN_STORE").map_or(Ok(TokenStore::Auto), |name| {
        name.parse().map_err(|e: logto::native::UnknownTokenStore| e.to_string())
    })
}

fn config() -> Result<LogtoConfig, String> {
    let list = |name: &str| -> Vec<String> {
        var(name)
            .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    };
    let endpoint = var("LOGTO_ENDPOINT").ok_or("set LOGTO_ENDPOINT")?;
    let app_id = var("LOGTO_APP_ID").ok_or("set LOGTO_APP_ID")?;
    Ok(LogtoConfig::new(endpoint, app_id)
        .with_scopes(list("LOGTO_SCOPES"))
        .with_resources(list("LOGTO_RESOURCES")))
}

/// The value after `flag` in `args`.
fn option<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).map(String::as_str)
}

fn target(args: &[String]) -> TokenTarget {
    match (option(args, "--organization"), option(args, "--resource")) {
        (Some(organization), Some(resource)) => TokenTarget::organization_resource(organization, resource),
        (Some(organization), None) => TokenTarget::organization(organization),
        (None, Some(resource)) => TokenTarget::from(resource),
        (None, None) => TokenTarget::UserInfo,
    }
}

async fn login(client: &LogtoClient, device: bool) -> Result<(), LogtoError> {
    if device {
        let authorization = client.start_device_sign_in().await?;
        eprintln!("To sign in, open {} and enter the code", authorization.verification_uri);
        println!("{}", authorization.user_code);
        if let Some(complete) = &authorization.verification_uri_complete {
            eprintln!("(or open {complete})");
            // On a terminal, the link as a QR code too: a phone camera opens it, code included.
            if std::io::IsTerminal::is_terminal(&std::io::stderr())
                && let Some(code) = qr_code(complete)
            {
                eprintln!("{code}");
            }
        }
        client.finish_device_sign_in(&authorization).await?;
    } else {
        client
            .sign_in_with_loopback(LoopbackOptions::default(), |url| {
                let opened = open_browser(url);
                eprintln!(
                    "{} to sign in:\n{url}",
                    if opened { "Your browser was opened; if not, open this link" } else { "Open this link" }
                );
            })
            .await?;
    }
    let claims = client.get_id_token_claims().await?;
    eprintln!(
        "Signed in as {}",
        claims.username.as_deref().or(claims.name.as_deref()).unwrap_or(&claims.sub)
    );
    Ok(())
}

/// `text` as a QR code in Unicode half blocks (light on dark, with its quiet zone).
fn qr_code(text: &str) -> Option<String> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

async fn run(args: &[String]) -> Result<(), String> {
    let config = config()?;
    let storage = NativeStorage::open(TOOL, &config.app_id, token_store()?).map_err(|e| e.to_string())?;
    let kept_in = storage.to_string();
    let client = native_client_in(TOOL, config, storage).map_err(|e| e.to_string())?;
    let signed_in = || async {
        match client.is_authenticated().await {
            Ok(true) => Ok(()),
            Ok(false) => Err("not signed in: run `logto-cli login`".to_owned()),
            Err(error) => Err(error.to_string()),
        }
    };
    let explain = |error: LogtoError| {
        if error.is_sign_in_required() {
            format!("{error}: run `logto-cli login`")
        } else {
            error.to_string()
        }
    };
    match args.first().map(String::as_str) {
        Some("login") => login(&client, args.iter().any(|a| a == "--device")).await.map_err(explain),
        Some("whoami") => {
            signed_in().await?;
            let claims = client.get_id_token_claims().await.map_err(explain)?;
            println!("{}", claims.sub);
            for (label, value) in
                [("username", &claims.username), ("name", &claims.name), ("email", &claims.email)]
            {
                if let Some(value) = value {
                    eprintln!("{label}: {value}");
                }
            }
            eprintln!("tokens kept in {kept_in}");
            Ok(())
        }
        Some("token") => {
            signed_in().await?;
            let token = client.get_access_token(target(args)).await.map_err(explain)?;
            println!("{}", token.secret());
            Ok(())
        }
        Some("call") => {
            let url = args.get(1).filter(|u| !u.starts_with("--")).ok_or(USAGE)?;
            signed_in().await?;
            let token = client.get_access_token(target(args)).await.map_err(explain)?;
            let response = reqwest::Client::new()
                .get(url.as_str())
                .bearer_auth(token.secret())
                .send()
                .await
                .map_err(|e| format!("GET {url}: {e}"))?;
            let status = response.status();
            eprintln!("HTTP {status}");
            println!("{}", response.text().await.unwrap_or_default());
            if status.is_success() { Ok(()) } else { Err(format!("GET {url}: HTTP {status}")) }
        }
        Some("logout") => {
            client.sign_out(None).await.map_err(explain)?;
            eprintln!("Signed out");
            Ok(())
        }
        _ => Err(USAGE.to_owned()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("logto-cli: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_link_renders_as_a_qr_code_of_half_blocks() {
        let code = super::qr_code("https://tenant.logto.app/device?user_code=BCDF-GHJK").unwrap();
        let lines: Vec<&str> = code.lines().collect();
        assert!(
            lines.len() > 10 && lines.iter().all(|line| line.chars().count() == lines[0].chars().count())
        );
        assert!(code.contains('\u{2588}') || code.contains('\u{2580}'));
    }
}
