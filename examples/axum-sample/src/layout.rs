//! The page shell every page shares: head, inline style sheet, top bar with navigation and the
//! signed-in user, and the few lines of script that localise dates and run the expiry countdowns.

use crate::view::{avatar, display_name};
use axum::response::Html;
use logto::IdTokenClaims;
use logto_axum::escape_html;

/// The pages of the top bar's navigation (path, label).
const NAVIGATION: [(&str, &str); 6] = [
    ("/", "Home"),
    ("/protected", "ID token"),
    ("/protected/userinfo", "User info"),
    ("/protected/organizations", "Organizations"),
    ("/protected/api", "API call"),
    ("/protected/account", "My account"),
];

/// A full HTML page: `title` in the browser tab, `body` (HTML) as the content. The top bar
/// shows the navigation and a sign-out button when `user` is given; `current` is the path of
/// the navigation entry to highlight.
pub(crate) fn page(title: &str, current: &str, user: Option<&IdTokenClaims>, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Logto axum sample</title><style>{STYLE}</style></head>\
         <body><header class=\"top\"><div class=\"wrap\">\
         <a class=\"brand\" href=\"/\"><span class=\"mark\">L</span>Logto axum sample</a>{bar}</div></header>\
         <main class=\"wrap\">{body}</main>\
         <footer class=\"wrap\">Rust SDK sample: <code>logto</code> + <code>logto-axum</code> on axum. \
         Tokens stay on the server; the browser holds only a session cookie.</footer>\
         <script>{SCRIPT}</script></body></html>",
        title = escape_html(title),
        bar = top_bar(current, user),
    ))
}

/// A page heading with its lead paragraph (HTML).
pub(crate) fn heading(title: &str, lead: &str) -> String {
    format!("<h1>{}</h1><p class=\"lead\">{lead}</p>", escape_html(title))
}

fn top_bar(current: &str, user: Option<&IdTokenClaims>) -> String {
    let Some(user) = user else {
        return "<span class=\"spacer\"></span>".to_owned();
    };
    let links: String = NAVIGATION
        .iter()
        .map(|(path, label)| {
            let marker = if *path == current { " aria-current=\"page\"" } else { "" };
            format!("<a href=\"{path}\"{marker}>{label}</a>")
        })
        .collect();
    format!(
        "<nav class=\"main\">{links}</nav><div class=\"who\">{avatar}<span class=\"who-name\">{name}</span>\
         <form method=\"post\" action=\"/sign-out\"><button id=\"sign-out\" class=\"btn ghost\" type=\"submit\">Sign out</button></form></div>",
        avatar = avatar(user.picture.as_deref(), display_name(user), "small"),
        name = escape_html(display_name(user)),
    )
}

/// The style sheet: inline, no external fonts or frameworks.
const STYLE: &str = r#"
:root{--bg:#f5f6fa;--card:#fff;--ink:#1b2230;--muted:#5f677a;--faint:#8a91a3;--line:#e5e8ef;
--accent:#5d34f2;--accent-soft:#efeaff;--ok:#12784a;--ok-soft:#e2f5ea;--warn:#985a00;--warn-soft:#fff2d9;
--bad:#b42318;--bad-soft:#fdecea;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:var(--accent)}
.wrap{max-width:1080px;margin:0 auto;padding:0 28px}
header.top{background:#fff;border-bottom:1px solid var(--line)}
header.top .wrap{display:flex;align-items:center;gap:28px;min-height:64px;flex-wrap:wrap}
.brand{display:flex;align-items:center;gap:10px;font-weight:700;color:var(--ink);text-decoration:none;white-space:nowrap}
.mark{width:30px;height:30px;border-radius:9px;background:var(--accent);color:#fff;display:grid;place-items:center;font-size:16px}
nav.main{display:flex;gap:4px;flex:1;flex-wrap:wrap}
nav.main a{padding:6px 12px;border-radius:8px;color:var(--muted);text-decoration:none;font-weight:500;white-space:nowrap}
nav.main a:hover{background:var(--bg);color:var(--ink)}
nav.main a[aria-current=page]{background:var(--accent-soft);color:var(--accent)}
.spacer{flex:1}
.who{display:flex;align-items:center;gap:10px;font-weight:500}
.who form{margin:0 0 0 6px}
main.wrap{padding-top:36px;padding-bottom:28px}
h1{font-size:30px;line-height:1.2;margin:0 0 6px;letter-spacing:-.01em}
.lead{color:var(--muted);margin:0 0 28px;max-width:760px}
h2{font-size:18px;margin:0 0 4px}
.card{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:22px 26px;margin-bottom:22px;box-shadow:0 1px 2px rgba(16,24,40,.05)}
.card>.sub{color:var(--muted);margin:0 0 14px;font-size:14.5px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:22px;margin-bottom:22px}
.grid>.card{margin:0}
.grid.four{grid-template-columns:repeat(auto-fit,minmax(220px,1fr))}
.feature h2{font-size:16px;margin-bottom:6px}
.feature p{margin:0;color:var(--muted);font-size:14.5px}
.btn{display:inline-block;padding:11px 20px;border-radius:10px;font-family:inherit;font-size:15px;font-weight:600;line-height:1.2;text-decoration:none;border:1px solid transparent;cursor:pointer}
.btn.primary{background:var(--accent);color:#fff}
.btn.primary:hover{background:#4a22dd}
.btn.secondary{background:#fff;color:var(--accent);border-color:#c9bcfb}
.btn.ghost{background:#fff;color:var(--muted);border-color:var(--line);padding:7px 13px;font-size:14px}
.btn.ghost:hover{color:var(--ink);border-color:#cfd4df}
.actions{display:flex;gap:12px;flex-wrap:wrap;margin-top:8px}
.hero{padding:40px 44px;display:grid;grid-template-columns:minmax(0,1.5fr) minmax(0,1fr);gap:40px;align-items:center}
.steps{list-style:none;margin:0;padding:22px 24px;background:var(--bg);border-radius:12px;counter-reset:step}
.steps li{counter-increment:step;position:relative;padding-left:40px;margin:0 0 14px;font-size:14.5px;color:var(--muted)}
.steps li:last-child{margin:0}
.steps li strong{color:var(--ink);display:block;font-size:15px}
.steps li::before{content:counter(step);position:absolute;left:0;top:1px;width:26px;height:26px;border-radius:50%;background:var(--accent);color:#fff;font-weight:700;font-size:13px;display:grid;place-items:center}
.hero h1{font-size:36px;margin-top:14px}
.hero .actions{margin-top:0}
.hero .lead{font-size:17.5px}
table{width:100%;border-collapse:collapse}
th{text-align:left;font-weight:500;color:var(--muted)}
.kv th{width:220px;vertical-align:top;padding:10px 16px 10px 0}
.kv td{padding:10px 0;vertical-align:top;overflow-wrap:anywhere}
.kv tr+tr>*{border-top:1px solid var(--line)}
.kv pre{width:fit-content;min-width:min(380px,100%);max-width:100%}
.list th{font-size:13px;text-transform:uppercase;letter-spacing:.04em;padding:0 14px 8px 0;border-bottom:1px solid var(--line)}
.list td{padding:12px 14px 12px 0;vertical-align:top;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
.list td:last-child,.list th:last-child{padding-right:0}
.list .note time{white-space:nowrap}
.list .explain{font-size:14px;color:var(--muted)}
.list tr:last-child td{border-bottom:0}
.claim{display:block;font:12px var(--mono);color:var(--faint);margin-top:1px}
.note{display:block;font-size:13.5px;color:var(--muted);margin-top:2px}
code{font:13.5px var(--mono);background:#f0f2f6;padding:1px 6px;border-radius:5px;overflow-wrap:anywhere}
pre{font:13px/1.55 var(--mono);background:#111827;color:#e5e7eb;padding:14px 18px;border-radius:10px;overflow:auto;margin:6px 0 0;white-space:pre-wrap;overflow-wrap:anywhere}
.chip{display:inline-block;font:12.5px/1.6 var(--mono);padding:1px 10px;border-radius:999px;background:var(--accent-soft);color:var(--accent);margin:2px 6px 2px 0;white-space:nowrap}
.chip.role{background:#e3f1fc;color:#0b5c9e}
.badge{display:inline-block;font-size:12.5px;font-weight:600;padding:2px 10px;border-radius:999px;white-space:nowrap}
.badge.ok{background:var(--ok-soft);color:var(--ok)}
.badge.warn{background:var(--warn-soft);color:var(--warn)}
.badge.bad{background:var(--bad-soft);color:var(--bad)}
.badge.muted{background:#eef0f4;color:var(--muted)}
.dot::before{content:"";display:inline-block;width:8px;height:8px;border-radius:50%;background:currentColor;margin-right:7px;vertical-align:1px}
.countdown{font-weight:600;color:var(--ok);white-space:nowrap}
.countdown.soon{color:var(--warn)}
.countdown.expired{color:var(--bad)}
.muted{color:var(--muted)}
.avatar{position:relative;flex:none;width:76px;height:76px;border-radius:50%;overflow:hidden;display:grid;place-items:center;
background:linear-gradient(135deg,#8b6dff,#5d34f2);color:#fff;font-weight:700;font-size:28px}
.avatar img{position:absolute;inset:0;width:100%;height:100%;object-fit:cover}
.avatar.small{width:32px;height:32px;font-size:13px}
.home-top{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.85fr);gap:22px;margin-bottom:22px}
.home-top>.card{margin:0}
.home-top .kv th{width:150px}
.profile-head{display:flex;gap:18px;align-items:center}
.profile .name{font-size:22px;font-weight:700;margin:4px 0 0;line-height:1.25}
.profile .handle{color:var(--muted);margin:0}
.facts{margin:18px 0 0}
.facts dt{font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.05em;color:var(--faint);margin-top:14px}
.facts dd{margin:2px 0 0;overflow-wrap:anywhere}
.more{display:inline-block;margin-top:20px;font-weight:600;text-decoration:none}
.org-head{display:flex;justify-content:space-between;align-items:baseline;gap:12px;flex-wrap:wrap}
.org-head h2{font-size:20px}
.organization h3{font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.05em;color:var(--faint);margin:18px 0 0}
.organization .kv th{width:120px}
.refusal,.granted{margin-top:18px;padding:14px 18px;border-radius:10px;border:1px solid #f3c4bf;background:var(--bad-soft)}
.refusal strong{color:var(--bad)}
.refusal p{margin:4px 0 0}
.granted{border-color:#b9e3cb;background:var(--ok-soft)}
form.inline{display:flex;gap:10px;flex-wrap:wrap;margin-top:6px}
input[type=text]{font:15px var(--mono);padding:9px 12px;border:1px solid #cfd4df;border-radius:9px;min-width:260px}
.status{font:700 15px var(--mono)}
.error-page{max-width:660px;margin:28px auto 40px;text-align:center;padding:44px 40px}
.error-page .code{font:700 13px var(--mono);letter-spacing:.08em;color:var(--bad);background:var(--bad-soft);display:inline-block;padding:3px 12px;border-radius:999px}
.error-page h1{margin:16px 0 10px}
.error-page .message{font-size:16.5px;margin:0 0 10px;overflow-wrap:anywhere}
.error-page .hint{color:var(--muted);font-size:14.5px;margin:0 0 26px}
.error-page .actions{justify-content:center}
footer{color:var(--faint);font-size:13.5px;padding:0 28px 36px}
footer code{font-size:12.5px}
@media (max-width:760px){.kv th{width:120px}.hero{padding:28px;grid-template-columns:1fr}.home-top{grid-template-columns:1fr}}
"#;

/// Localises absolute dates and runs the expiry countdowns (`data-expires`, seconds since the
/// epoch) once a second.
const SCRIPT: &str = r#"
(() => {
  const pad = (n) => String(n).padStart(2, '0');
  const span = (s) => {
    s = Math.floor(s);
    const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), x = s % 60;
    if (d) return `${d}d ${h}h ${pad(m)}m`;
    if (h) return `${h}h ${pad(m)}m ${pad(x)}s`;
    if (m) return `${m}m ${pad(x)}s`;
    return `${x}s`;
  };
  const tick = () => {
    const now = Date.now() / 1000;
    for (const el of document.querySelectorAll('[data-expires]')) {
      const left = Number(el.dataset.expires) - now;
      el.textContent = left > 0 ? `expires in ${span(left)}` : `expired ${span(-left)} ago`;
      el.classList.toggle('expired', left <= 0);
      el.classList.toggle('soon', left > 0 && left < 300);
    }
  };
  for (const el of document.querySelectorAll('time.local')) {
    el.textContent = new Date(el.getAttribute('datetime')).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  }
  tick();
  setInterval(tick, 1000);
})();
"#;
