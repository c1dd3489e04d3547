//! Discourse's user API key flow, the site's side (reference §1.2; core
//! `user_api_keys_controller.rb`, `user_api_key.rb`, `user_api_key_scope.rb`): the approval
//! page, the encrypted payload, revocation, and what each key's scopes let it do.
//!
//! - `HEAD /user-api-key/new` → `Auth-Api-Version: 4`.
//! - `GET /user-api-key/new?application_name&client_id&scopes&public_key&nonce` → an HTML page
//!   with the request's details and a form to approve it. The sandbox has no browser log-in:
//!   the form names the demo account that approves (or the request signs in with `Api-Key` +
//!   `Api-Username`, and the page says as whom).
//! - `POST /user-api-key` (that form) → an HTML page showing the payload to copy.
//! - `POST /user-api-key.json` (the same fields, signed in with `Api-Key` + `Api-Username` as
//!   the approving account) → `{"payload": "...", "instructions": "..."}`, the same payload.
//! - `POST /user-api-key/revoke` with `User-Api-Key` → `{"success":"OK"}`: revokes that key
//!   (or with `id`, another key of the account; any key for an admin).
//!
//! The payload is `{"key","nonce","push","api":4}` encrypted with the request's public key
//! (PKCS#1 v1.5, as Ruby's `public_encrypt`) and base64 encoded with a line break every 60
//! characters (`Base64.encode64`). A new approval for the same account and client id replaces
//! the old key, as Discourse's does. Approved keys keep their scopes and client id in
//! `user_api_key_grants` (store.rs); keys the seed or `/sandbox/user-api-keys.json` made have
//! every scope.

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use base64::Engine;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use super::server::{ApiError, ApiResult, Ctx};
use super::store::{self, UserRow};

/// `AUTH_API_VERSION` of the controller.
const AUTH_API_VERSION: u64 = 4;
/// `allow_user_api_key_scopes`, Discourse's default.
const ALLOWED_SCOPES: [&str; 6] = [
    "read",
    "write",
    "message_bus",
    "push",
    "notifications",
    "session_info",
];
/// The longest field taken from a request (a 4096-bit PEM is about 800 characters).
const MAX_FIELD: usize = 4096;

/// The account behind a `User-Api-Key`, if the key is live and its scopes allow this
/// request. Anything else is Discourse's generic `InvalidAccess` (403): an unknown, revoked or
/// expired key reads like a right the account lacks.
pub(crate) fn user_of_key(
    conn: &Connection,
    key: &str,
    method: &Method,
    path: &str,
    now: i64,
) -> Result<UserRow, ApiError> {
    let row: Option<(i64, Option<String>)> = conn
        .prepare_cached(
            "SELECT k.user_id, g.scopes FROM user_api_keys k \
             LEFT JOIN user_api_key_grants g ON g.key = k.key \
             WHERE k.key = ?1 AND k.revoked_at IS NULL",
        )?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((user_id, scopes)) = row else {
        return Err(ApiError::invalid_access());
    };
    let allowed = match scopes {
        None => true,
        Some(scopes) => {
            is_revoke(method, path) || scopes.split(',').any(|s| permits(s, method, path))
        }
    };
    if !allowed {
        return Err(ApiError::invalid_access());
    }
    match store::user_by_id(conn, user_id)? {
        Some(u) if u.active && !u.suspended(now) => Ok(u),
        _ => Err(ApiError::invalid_access()),
    }
}

/// `UserApiKeyScope::SCOPES`, for the routes the sandbox has.
fn permits(scope: &str, method: &Method, path: &str) -> bool {
    let get = method == Method::GET || method == Method::HEAD;
    let path = path.trim_end_matches(".json");
    match scope {
        "read" => get,
        "write" => {
            get || matches!(
                *method,
                Method::POST | Method::PATCH | Method::PUT | Method::DELETE
            )
        }
        "message_bus" | "notifications" => {
            method == Method::POST && path.starts_with("/message-bus/")
        }
        "session_info" => get && path == "/session/current",
        _ => false,
    }
}

/// Any key may revoke itself, whatever its scopes.
fn is_revoke(method: &Method, path: &str) -> bool {
    method == Method::POST && path.trim_end_matches(".json") == "/user-api-key/revoke"
}

/// The requests whose answer is an HTML page ([`page_response`]) rather than JSON.
pub(crate) fn is_page(method: &Method, path: &str) -> bool {
    match path.trim_end_matches('/') {
        "/user-api-key/new" => method == Method::GET || method == Method::HEAD,
        "/user-api-key" => method == Method::POST,
        _ => false,
    }
}

/// A page handler's result as HTML: its `{"html": ...}`, or the error as a small page.
pub(crate) fn page_response(result: Result<(StatusCode, Value), ApiError>) -> Response {
    let (status, html) = match result {
        Ok((status, v)) => (status, v["html"].as_str().unwrap_or("").to_string()),
        Err(e) => {
            let message = e.body["errors"][0]
                .as_str()
                .unwrap_or("The request failed.")
                .to_string();
            (
                e.status,
                page("Authorization failed", &format!("<p>{}</p>", esc(&message))),
            )
        }
    };
    let mut resp = Response::new(Body::from(html));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp.headers_mut()
        .insert("auth-api-version", HeaderValue::from(AUTH_API_VERSION));
    resp
}

/// The fields every request of the flow carries, checked as `require_params` and
/// `validate_params` do.
struct Request {
    application_name: String,
    client_id: String,
    scopes: Vec<String>,
    public_key: rsa::PublicKey,
    public_pem: String,
    nonce: String,
}

fn field<'a>(ctx: &'a Ctx<'_>, name: &str) -> Result<&'a str, ApiError> {
    let v = ctx
        .params
        .get_nonblank(name)
        .ok_or_else(|| ApiError::param_missing(name))?;
    if v.len() > MAX_FIELD {
        return Err(ApiError::invalid_params(name));
    }
    Ok(v)
}

fn request(ctx: &Ctx<'_>) -> Result<Request, ApiError> {
    let nonce = field(ctx, "nonce")?.to_string();
    let scopes: Vec<String> = field(ctx, "scopes")?
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let client_id = field(ctx, "client_id")?.to_string();
    let public_pem = field(ctx, "public_key")?.to_string();
    let application_name = field(ctx, "application_name")?.to_string();
    if scopes.iter().any(|s| !ALLOWED_SCOPES.contains(&s.as_str())) {
        return Err(ApiError::invalid_access());
    }
    // The sandbox allows no redirect (`allowed_user_api_auth_redirects` names none of its
    // clients): the payload is always shown for copying.
    if ctx.params.get_nonblank("auth_redirect").is_some() {
        return Err(ApiError::invalid_access());
    }
    // Discourse fails with a 500 on a key OpenSSL cannot read; the sandbox names the field.
    let public_key =
        parse_public_key(&public_pem).ok_or_else(|| ApiError::invalid_params("public_key"))?;
    Ok(Request {
        application_name,
        client_id,
        scopes,
        public_key,
        public_pem,
        nonce,
    })
}

/// A PEM public key as OpenSSL reads one: SubjectPublicKeyInfo or PKCS#1.
fn parse_public_key(pem: &str) -> Option<rsa::PublicKey> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;
    let pem = pem.trim();
    rsa::PublicKey::from_public_key_pem(pem)
        .ok()
        .or_else(|| rsa::PublicKey::from_pkcs1_pem(pem).ok())
}

/// Who may have a user API key (`meets_tl?`): staff, and members from trust level 1 (the
/// sandbox's reading of `user_api_key_allowed_groups`; older sites had
/// `min_trust_level_for_user_api_key = 1`).
fn eligible(u: &UserRow) -> bool {
    u.staff() || u.trust_level >= 1
}

/// The approving account: the signed-in one (`Api-Key` + `Api-Username`), or, for the page's
/// form only, the demo account it names.
fn approver(ctx: &Ctx<'_>, form: bool) -> Result<UserRow, ApiError> {
    if let Some(u) = &ctx.g.user {
        return Ok(u.clone());
    }
    let name = match ctx.params.get_nonblank("username") {
        Some(n) if form => n,
        _ => return Err(ApiError::not_logged_in()),
    };
    match store::user_by_username(ctx.tx, name)? {
        Some(u) if u.active && !u.suspended(ctx.now()) => Ok(u),
        _ => Err(ApiError::unprocessable(&[
            "There is no such demo account to approve as.",
        ])),
    }
}

/// `GET /user-api-key/new`: the approval page (`HEAD`: only the version header).
pub(crate) fn new_page(ctx: &Ctx<'_>) -> ApiResult {
    if ctx.method == Method::HEAD {
        return Ok(json!({ "html": "" }));
    }
    let req = request(ctx)?;
    let app = esc(&req.application_name);
    if let Some(u) = &ctx.g.user {
        if !eligible(u) {
            return Ok(json!({ "html": page("Not yet", &format!(
                "<p>{} cannot authorize applications yet (trust level 1 is needed).</p>",
                esc(&u.username)
            )) }));
        }
    }
    let hidden = |name: &str, value: &str| {
        format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n",
            esc(value)
        )
    };
    let mut form = String::new();
    form.push_str(&hidden("application_name", &req.application_name));
    form.push_str(&hidden("client_id", &req.client_id));
    form.push_str(&hidden("scopes", &req.scopes.join(",")));
    form.push_str(&hidden("public_key", &req.public_pem));
    form.push_str(&hidden("nonce", &req.nonce));
    let who = match &ctx.g.user {
        Some(u) => format!(
            "<p>You are signed in as <strong>{0}</strong>.</p>\n{1}",
            esc(&u.username),
            hidden("username", &u.username)
        ),
        None => "<p><label>Approve as (a demo account: the sandbox has no log-in) \
                 <input name=\"username\" required></label></p>\n"
            .to_string(),
    };
    let scopes: String = req
        .scopes
        .iter()
        .map(|s| format!("<li>{}</li>\n", esc(scope_label(s))))
        .collect();
    let body = format!(
        "<h1>{app} is asking for access to your account</h1>\n\
         <p>If you approve, {app} will be able to:</p>\n<ul>\n{scopes}</ul>\n\
         <form method=\"post\" action=\"/user-api-key\">\n{form}{who}\
         <button type=\"submit\">Authorize</button>\n</form>\n"
    );
    Ok(json!({ "html": page(&format!("Authorize {}", req.application_name), &body) }))
}

/// `I18n.t("user_api_key.scopes.*")`, in short.
fn scope_label(scope: &str) -> &str {
    match scope {
        "read" => "Read everything you can see",
        "write" => "Act as you: post, reply, solve, move and everything else you may do",
        "message_bus" => "Receive live updates",
        "notifications" => "Read and clear your notifications",
        "session_info" => "Read your session's details",
        "push" => "Push notifications to an external service",
        other => other,
    }
}

/// `POST /user-api-key(.json)`: approves the request as the signed-in account (the page's form:
/// the account it names), replaces the account's older key of this client, and answers with
/// the encrypted payload: JSON for `.json`, else the page that shows it.
pub(crate) fn create(ctx: &Ctx<'_>) -> ApiResult {
    let html = !ctx.path.ends_with(".json");
    let user = approver(ctx, html)?;
    let req = request(ctx)?;
    if !eligible(&user) {
        return Err(ApiError::invalid_access());
    }
    let key = random_key()?;
    let clear = json!({
        "key": key,
        "nonce": req.nonce,
        "push": false,
        "api": AUTH_API_VERSION,
    })
    .to_string();
    // The payload is one RSA block: a nonce too long to fit is the client's input to fix.
    let sealed = req
        .public_key
        .pkcs1v15_encrypt(clear.as_bytes())
        .map_err(|_| ApiError::unprocessable(&["The nonce is too long for the public key."]))?;
    let payload = encode64(&sealed);

    ctx.tx.execute(
        "DELETE FROM user_api_keys WHERE user_id = ?1 AND key IN \
         (SELECT key FROM user_api_key_grants WHERE user_id = ?1 AND client_id = ?2)",
        params![user.id, req.client_id],
    )?;
    ctx.tx.execute(
        "DELETE FROM user_api_key_grants WHERE user_id = ?1 AND client_id = ?2",
        params![user.id, req.client_id],
    )?;
    ctx.tx.execute(
        "INSERT INTO user_api_keys (key, user_id, application_name, created_at) \
         VALUES (?1, ?2, ?3, ?4)",
        params![key, user.id, req.application_name, ctx.now()],
    )?;
    ctx.tx.execute(
        "INSERT INTO user_api_key_grants (key, user_id, client_id, scopes) VALUES (?1, ?2, ?3, ?4)",
        params![key, user.id, req.client_id, req.scopes.join(",")],
    )?;

    let instructions = format!(
        "Thank you for authorizing {}. Copy the text below and paste it into the application.",
        req.application_name
    );
    if html {
        let body = format!(
            "<h1>{0} is authorized</h1>\n<p>{1}</p>\n<pre id=\"payload\">{2}</pre>\n",
            esc(&req.application_name),
            esc(&instructions),
            esc(&payload)
        );
        return Ok(json!({ "html": page("Authorized", &body) }));
    }
    Ok(json!({ "payload": payload, "instructions": instructions }))
}

/// `POST /user-api-key/revoke`: the key the request signs in with, or the account's key `id`
/// (any key for an admin).
pub(crate) fn revoke(ctx: &Ctx<'_>) -> ApiResult {
    let user = ctx.require_user()?;
    let key = match ctx.int_param("id")? {
        // Revoking another key is no longer revoking oneself: the key needs `write`
        // (Discourse's revoke matcher allows only its own id).
        Some(_)
            if ctx
                .user_api_key
                .as_deref()
                .is_some_and(|k| !may_write(ctx, k)) =>
        {
            return Err(ApiError::invalid_access())
        }
        Some(id) => {
            let row: Option<(String, i64)> = ctx
                .tx
                .query_row(
                    "SELECT key, user_id FROM user_api_keys WHERE rowid = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (key, owner) = row.ok_or_else(ApiError::not_found)?;
            if owner != user.id && !user.admin {
                return Err(ApiError::invalid_access());
            }
            key
        }
        None => ctx.user_api_key.clone().ok_or_else(ApiError::not_found)?,
    };
    ctx.tx.execute(
        "UPDATE user_api_keys SET revoked_at = ?2 WHERE key = ?1",
        params![key, ctx.now()],
    )?;
    Ok(json!({ "success": "OK" }))
}

/// Whether the key has the `write` scope (keys without a grant have every scope).
fn may_write(ctx: &Ctx<'_>, key: &str) -> bool {
    let scopes: Option<String> = ctx
        .tx
        .query_row(
            "SELECT scopes FROM user_api_key_grants WHERE key = ?1",
            [key],
            |r| r.get(0),
        )
        .optional()
        .unwrap_or(None);
    scopes.is_none_or(|s| s.split(',').any(|s| s == "write"))
}

/// 32 hex digits from the operating system's random numbers (Discourse: `SecureRandom.hex`).
fn random_key() -> Result<String, ApiError> {
    use rsa::Generate;
    let bytes = <[u8; 16]>::try_generate().map_err(ApiError::internal)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Ruby's `Base64.encode64`: standard alphabet, padded, a line break every 60 characters and
/// at the end.
fn encode64(bytes: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::with_capacity(b64.len() + b64.len() / 60 + 1);
    for (i, c) in b64.chars().enumerate() {
        if i > 0 && i % 60 == 0 {
            out.push('\n');
        }
        out.push(c);
    }
    out.push('\n');
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <title>{} | modterm sandbox</title></head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

/// HTML-escapes text for element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_as_discourse_matches_them() {
        assert!(permits("read", &Method::GET, "/latest.json"));
        assert!(!permits("read", &Method::POST, "/posts.json"));
        assert!(permits("write", &Method::POST, "/posts.json"));
        assert!(permits("write", &Method::DELETE, "/post_actions/1"));
        assert!(permits(
            "session_info",
            &Method::GET,
            "/session/current.json"
        ));
        assert!(!permits("session_info", &Method::GET, "/latest.json"));
        assert!(permits(
            "message_bus",
            &Method::POST,
            "/message-bus/abc/poll"
        ));
        assert!(!permits("push", &Method::GET, "/latest.json"));
        assert!(is_revoke(&Method::POST, "/user-api-key/revoke.json"));
        assert!(!is_revoke(&Method::GET, "/user-api-key/revoke"));
    }

    #[test]
    fn encode64_breaks_lines_like_ruby() {
        let out = encode64(&[0u8; 256]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 6);
        assert!(lines[..5].iter().all(|l| l.len() == 60));
        assert_eq!(lines[5].len(), 44);
        assert!(out.ends_with("==\n"));
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert!(is_page(&Method::GET, "/user-api-key/new"));
        assert!(is_page(&Method::POST, "/user-api-key"));
        assert!(!is_page(&Method::POST, "/user-api-key.json"));
        assert!(!is_page(&Method::POST, "/user-api-key/revoke"));
    }
}
