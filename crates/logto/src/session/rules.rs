//! The request rules every face shares: which `return_to` targets are honoured, and whether a
//! state-changing request comes from the app's own origin.

/// Whether `target` is a path on this app (`/x?y`), the only `return_to` honoured, so a sign-in
/// link is never an open redirect: `//host`, `/\host`, absolute URLs, `javascript:` and anything
/// with a control character (browsers strip tabs and newlines, turning `/\t/host` into `//host`)
/// are refused. The value is the decoded query parameter: `%2F%2Fhost` arrives as `//host`.
///
/// ```
/// use logto::session::is_local_path;
/// assert!(is_local_path("/protected?x=1"));
/// for refused in ["//evil.example", "/\\evil.example", "/\t/evil.example", "javascript:alert(1)", "https://evil.example/"] {
///     assert!(!is_local_path(refused), "{refused}");
/// }
/// ```
pub fn is_local_path(target: &str) -> bool {
    target.starts_with('/')
        && !target.starts_with("//")
        && !target.starts_with("/\\")
        && !target.chars().any(char::is_control)
}

/// The request headers that tell where a state-changing request (a sign-out) comes from.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestOrigin<'a> {
    /// The `Origin` header.
    pub origin: Option<&'a str>,
    /// The `Sec-Fetch-Site` header.
    pub sec_fetch_site: Option<&'a str>,
}

/// Whether a request comes from the app at `base_url`: its `Origin` (or, without one,
/// `Sec-Fetch-Site`) must not name another site. Origins are compared as origins, so a base URL
/// with the scheme's default port (`https://app.example:443`) matches the `Origin` a browser
/// sends (`https://app.example`), and the comparison ignores case. A request with neither header
/// (an old browser, a script) is allowed: the session cookie is `SameSite=Lax`, so a cross-site
/// POST does not carry it anyway.
///
/// ```
/// use logto::session::{RequestOrigin, same_origin};
/// let from = |origin| RequestOrigin { origin: Some(origin), sec_fetch_site: None };
/// assert!(same_origin("https://app.example:443/prefix", &from("https://APP.example")));
/// assert!(!same_origin("https://app.example", &from("https://evil.example")));
/// assert!(!same_origin("https://app.example", &from("null")));
/// let fetch = RequestOrigin { origin: None, sec_fetch_site: Some("cross-site") };
/// assert!(!same_origin("https://app.example", &fetch));
/// ```
pub fn same_origin(base_url: &str, request: &RequestOrigin<'_>) -> bool {
    if let Some(origin) = request.origin {
        let origin_of = |value: &str| url::Url::parse(value).ok().map(|url| url.origin());
        return match (origin_of(base_url), origin_of(origin.trim())) {
            (Some(ours), Some(theirs)) => ours.is_tuple() && ours == theirs,
            _ => false,
        };
    }
    match request.sec_fetch_site {
        Some(site) => matches!(site.trim(), "same-origin" | "none"),
        None => true,
    }
}
