//! Small HTML pieces the pages are made of: claim rows, scope chips, dates with live expiry
//! countdowns, the avatar. Every value from a token or the identity server is escaped here.

use logto::{AccessTokenClaims, Audience, IdTokenClaims};
use logto_axum::escape_html;
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch.
pub(crate) fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The name to greet the user with: name, username, email, or the user id.
pub(crate) fn display_name(claims: &IdTokenClaims) -> &str {
    claims.name.as_deref().or(claims.username.as_deref()).or(claims.email.as_deref()).unwrap_or(&claims.sub)
}

/// A round avatar: the initials, covered by the picture when there is one and it loads.
pub(crate) fn avatar(picture: Option<&str>, name: &str, class: &str) -> String {
    let initials: String = name
        .split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .collect::<String>()
        .to_uppercase();
    // Only web addresses: a `javascript:` or `data:` URL from a profile has no place in the page.
    let image = picture
        .filter(|url| url.starts_with("https://") || url.starts_with("http://"))
        .map(|url| {
            format!(
                "<img src=\"{}\" alt=\"\" referrerpolicy=\"no-referrer\" onerror=\"this.remove()\">",
                escape_html(url)
            )
        })
        .unwrap_or_default();
    format!("<span class=\"avatar {class}\" aria-hidden=\"true\">{}{image}</span>", escape_html(&initials))
}

/// `text` as inline code.
pub(crate) fn code(text: &str) -> String {
    format!("<code>{}</code>", escape_html(text))
}

/// One chip per scope, or a muted `empty` text.
pub(crate) fn chips<'a>(items: impl IntoIterator<Item = &'a str>, empty: &str) -> String {
    chips_of("chip", items, empty)
}

/// One chip per role (coloured apart from scopes), or a muted `empty` text.
pub(crate) fn role_chips<'a>(items: impl IntoIterator<Item = &'a str>, empty: &str) -> String {
    chips_of("chip role", items, empty)
}

fn chips_of<'a>(class: &str, items: impl IntoIterator<Item = &'a str>, empty: &str) -> String {
    let chips: String = items
        .into_iter()
        .map(|item| format!("<span class=\"{class}\">{}</span>", escape_html(item)))
        .collect();
    if chips.is_empty() { format!("<span class=\"muted\">{}</span>", escape_html(empty)) } else { chips }
}

/// A web address as a link (anything else as text).
pub(crate) fn link(url: &str) -> String {
    if url.starts_with("https://") || url.starts_with("http://") {
        format!("<a href=\"{0}\" rel=\"noreferrer\">{0}</a>", escape_html(url))
    } else {
        escape_html(url)
    }
}

/// A token's audiences as code.
pub(crate) fn audience(aud: &Audience) -> String {
    aud.iter().map(code).collect::<Vec<_>>().join(" ")
}

/// A small coloured label (`ok`, `warn`, `bad`, `muted`).
pub(crate) fn badge(kind: &str, text: &str) -> String {
    format!("<span class=\"badge {kind} dot\">{}</span>", escape_html(text))
}

/// An absolute time (UTC on the server, the reader's local time once the script ran).
pub(crate) fn date(seconds: i64) -> String {
    format!("<time class=\"local\" datetime=\"{}\">{}</time>", iso8601(seconds), utc(seconds))
}

/// A live "expires in 59m 12s" countdown to `seconds`, correct from the server even without
/// the script.
pub(crate) fn countdown(seconds: i64) -> String {
    let left = seconds - now();
    let (class, text) = if left > 0 {
        (if left < 300 { "countdown soon" } else { "countdown" }, format!("expires in {}", span(left)))
    } else {
        ("countdown expired", format!("expired {} ago", span(-left)))
    };
    format!("<span class=\"{class}\" data-expires=\"{seconds}\">{text}</span>")
}

/// An expiry: the countdown with the absolute time under it.
pub(crate) fn expiry(seconds: i64) -> String {
    format!("{}<span class=\"note\">{}</span>", countdown(seconds), date(seconds))
}

/// A key-value table row: a readable label, the claim name under it, and the value (HTML).
pub(crate) fn row(label: &str, claim: &str, value: &str) -> String {
    let claim = if claim.is_empty() {
        String::new()
    } else {
        format!("<span class=\"claim\">{}</span>", escape_html(claim))
    };
    format!("<tr><th>{}{claim}</th><td>{value}</td></tr>", escape_html(label))
}

/// A yes/no flag as a badge.
pub(crate) fn verified(flag: Option<bool>) -> String {
    match flag {
        Some(true) => format!(" {}", badge("ok", "verified")),
        Some(false) => format!(" {}", badge("warn", "not verified")),
        None => String::new(),
    }
}

/// Any JSON value, readably: strings as text, scalars as code, structures pretty-printed.
pub(crate) fn json(value: &Value) -> String {
    match value {
        Value::String(text) => escape_html(text),
        Value::Array(items) if items.iter().all(Value::is_string) => {
            chips(items.iter().filter_map(Value::as_str), "none")
        }
        Value::Array(_) | Value::Object(_) => format!("<pre>{}</pre>", pretty(value)),
        other => code(&other.to_string()),
    }
}

/// A row for a claim the models do not name, readable where its shape is known (Logto's
/// `address`, `created_at` and `updated_at` in milliseconds, `organization_data`).
pub(crate) fn extra_claim_row(claim: &str, value: &Value) -> String {
    match (claim, value) {
        ("address", Value::Object(address)) => {
            let formatted = address.get("formatted").and_then(Value::as_str);
            row("Address", claim, &formatted.map_or_else(|| json(value), escape_html))
        }
        ("created_at" | "updated_at", Value::Number(ms)) => {
            let label = if claim == "created_at" { "Created" } else { "Updated" };
            row(label, claim, &ms.as_i64().map_or_else(|| json(value), |ms| date(ms / 1000)))
        }
        ("organization_data", Value::Array(organizations)) => {
            let names = organizations.iter().filter_map(|organization| {
                let id = organization.get("id")?.as_str()?;
                let name = organization.get("name").and_then(Value::as_str).unwrap_or(id);
                Some(format!("<div><strong>{}</strong> {}</div>", escape_html(name), code(id)))
            });
            row("Organization details", claim, &names.collect::<String>())
        }
        ("sso_identities", Value::Array(items)) if items.is_empty() => {
            row("SSO identities", claim, "<span class=\"muted\">none</span>")
        }
        _ => row(claim, "", &json(value)),
    }
}

/// Pretty-printed, escaped JSON.
pub(crate) fn pretty(value: &impl serde::Serialize) -> String {
    escape_html(&serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("unprintable: {e}")))
}

/// The rows every JWT access token shows: audience, scopes, issued, expiry.
pub(crate) fn access_token_rows(claims: &AccessTokenClaims) -> String {
    [
        row("Audience", "aud", &audience(&claims.aud)),
        row("Scopes", "scope", &chips(claims.scopes(), "no scopes granted")),
        row("Issued", "iat", &date(claims.iat.seconds())),
        row("Expiry", "exp", &expiry(claims.exp.seconds())),
    ]
    .concat()
}

/// "1h 02m 05s", "59m 12s", "12s", "13d 23h 59m".
pub(crate) fn span(seconds: i64) -> String {
    let (d, h, m, s) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60, seconds % 60);
    if d > 0 {
        format!("{d}d {h}h {m:02}m")
    } else if h > 0 {
        format!("{h}h {m:02}m {s:02}s")
    } else if m > 0 {
        format!("{m}m {s:02}s")
    } else {
        format!("{s}s")
    }
}

/// `2024-05-01T12:00:00Z`.
fn iso8601(seconds: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(seconds);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `2024-05-01 12:00:00 UTC`.
pub(crate) fn utc(seconds: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(seconds);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} UTC")
}

/// Calendar date and time of a Unix time (proleptic Gregorian, UTC).
fn civil(seconds: i64) -> (i64, i64, i64, i64, i64, i64) {
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, rest / 3600, rest % 3600 / 60, rest % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_spans() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(span(3725), "1h 02m 05s");
        assert_eq!(span(59), "59s");
        assert_eq!(span(14 * 86_400 - 1), "13d 23h 59m");
    }

    #[test]
    fn values_are_escaped() {
        assert_eq!(json(&Value::String("<b>".into())), "&lt;b&gt;");
        assert!(!avatar(Some("javascript:alert(1)"), "A B", "").contains("<img"));
        assert!(avatar(Some("https://x/\"><script>"), "Ann", "").contains("&quot;&gt;&lt;script&gt;"));
        assert!(chips(["<x>"], "none").contains("&lt;x&gt;"));
    }
}
