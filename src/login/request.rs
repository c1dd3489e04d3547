//! One sign-in request of Discourse's user API key flow (reference §1.2): a fresh RSA key
//! pair and nonce, the authorisation URL made from them, and the payload the site shows once
//! the user approves, decrypted and checked against the nonce.
//!
//! The site encrypts `{"key","nonce","push","api"}` with the public half using PKCS#1 v1.5
//! (Ruby's `public_encrypt` default) and shows it base64 encoded with a line break every 60
//! characters (`Base64.encode64`). The private half never leaves this process and a new login
//! makes a new pair, so a payload opens only for the request that asked for it.

use std::fmt;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::rand_core::{TryCryptoRng, TryRng};
use rsa::traits::PublicKeyParts;
use rsa::{Generate, PrivateKey};
use serde::Deserialize;

/// The key size: what Discourse's own apps use, and what its payload is sized for (the site
/// keeps the payload short so that it fits a PKCS#1 v1.5 block of the key).
pub const KEY_BITS: usize = 2048;
/// What the key may do: read anything, and write (reply, solve, move, award).
pub const SCOPES: &str = "read,write";
/// How the application is called on the approval page and in the user's list of apps.
pub const APPLICATION_NAME: &str = "modterm";
/// The most text a paste may hold (a 2048-bit payload is 344 characters plus line breaks).
pub const MAX_PASTE_BYTES: usize = 16 * 1024;
/// The longest key taken from a payload (Discourse's are 32 hex digits).
const MAX_KEY_CHARS: usize = 256;

/// Why a pasted payload was not used. Nothing is stored after any of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("the pasted text is not the site's payload: {0}")]
    NotPayload(String),
    /// PKCS#1 v1.5 with implicit rejection: a block that is not for this key opens to noise,
    /// so "made for another request" and "altered on the way" read the same.
    #[error(
        "the payload does not open with this login's key: it was made for another request, or \
         changed on the way (approve the page this `modterm login` printed, and paste all of \
         what that page shows)"
    )]
    OtherRequest,
    #[error("the payload opens, but {0}")]
    Malformed(String),
    #[error(
        "the payload's nonce is not this login's: it answers another request (or was altered), \
         so its key is not used"
    )]
    NonceMismatch,
}

/// What the site sent, once opened and checked. `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct Payload {
    pub key: String,
    /// Whether the key may push notifications (modterm never asks for it).
    pub push: bool,
    /// The flow's version the site speaks (Discourse: 4).
    pub api: Option<u64>,
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Payload")
            .field("key", &"<redacted>")
            .field("push", &self.push)
            .field("api", &self.api)
            .finish()
    }
}

/// One login attempt: the key pair, the nonce and the client id it asks with.
pub struct LoginRequest {
    private_key: PrivateKey,
    public_pem: String,
    nonce: String,
    client_id: String,
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("private_key", &"<redacted>")
            .field("nonce", &self.nonce)
            .field("client_id", &self.client_id)
            .finish()
    }
}

impl LoginRequest {
    /// A new key pair and nonce. `client_id` is the profile's, so that approving again
    /// replaces the key the site issued before to this client (Discourse deletes the account's
    /// older keys of the same client id); `None` makes a new one.
    pub fn new(client_id: Option<String>) -> Result<LoginRequest, String> {
        let private_key = PrivateKey::new(&mut OsRandom, KEY_BITS)
            .map_err(|e| format!("cannot make a key pair: {e}"))?;
        let public_pem = private_key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| format!("cannot encode the public key: {e}"))?;
        let client_id = match client_id.filter(|c| !c.trim().is_empty()) {
            Some(c) => c,
            None => random_hex(16)?,
        };
        Ok(LoginRequest {
            private_key,
            public_pem,
            nonce: random_hex(16)?,
            client_id,
        })
    }

    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The public half, PEM (SubjectPublicKeyInfo, as OpenSSL reads it).
    pub fn public_key_pem(&self) -> &str {
        &self.public_pem
    }

    /// `SITE/user-api-key/new?...`: the page where the user approves. No `auth_redirect`: the
    /// site then shows the payload for copying, which is what a terminal (over SSH too) can
    /// receive.
    pub fn authorization_url(&self, site: &str) -> Result<String, String> {
        let mut url =
            reqwest::Url::parse(&format!("{}/user-api-key/new", site.trim_end_matches('/')))
                .map_err(|e| format!("the site URL is not valid: {e}"))?;
        url.query_pairs_mut()
            .append_pair("application_name", APPLICATION_NAME)
            .append_pair("client_id", &self.client_id)
            .append_pair("scopes", SCOPES)
            .append_pair("public_key", &self.public_pem)
            .append_pair("nonce", &self.nonce);
        Ok(url.into())
    }

    /// How many base64 characters a whole payload has (one RSA block, padded).
    pub fn payload_chars(&self) -> usize {
        self.private_key.size().div_ceil(3) * 4
    }

    /// Opens a pasted payload: base64 (line breaks, spaces and a terminal's bracketed-paste
    /// marks ignored), decrypted with this request's private key, its nonce compared with
    /// this request's.
    pub fn open(&self, pasted: &str) -> Result<Payload, PayloadError> {
        if pasted.len() > MAX_PASTE_BYTES {
            return Err(PayloadError::NotPayload("it is far too long".into()));
        }
        let text: String = pasted
            .replace("\u{1b}[200~", "")
            .replace("\u{1b}[201~", "")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if text.is_empty() {
            return Err(PayloadError::NotPayload("nothing was pasted".into()));
        }
        let lenient = GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
        );
        let sealed = lenient.decode(text.as_bytes()).map_err(|_| {
            PayloadError::NotPayload(
                "it is not base64, or not all of it (copy the whole block of letters and digits \
                 the site shows)"
                    .into(),
            )
        })?;
        let block = self.private_key.size();
        if sealed.len() != block {
            return Err(PayloadError::NotPayload(format!(
                "it holds {} bytes where the payload has {block} (was all of it copied?)",
                sealed.len()
            )));
        }
        let opened = self
            .private_key
            .pkcs1v15_decrypt(&sealed)
            .map_err(|_| PayloadError::OtherRequest)?;
        // rsa decrypts PKCS#1 v1.5 with implicit rejection: a block that was not sealed for
        // this key opens to pseudo-random bytes, never to an error, so JSON is the check.
        let json: serde_json::Value =
            serde_json::from_slice(&opened).map_err(|_| PayloadError::OtherRequest)?;
        let wire: Wire = Some(json)
            .filter(serde_json::Value::is_object)
            .and_then(|j| serde_json::from_value(j).ok())
            .ok_or_else(|| {
                PayloadError::Malformed("it is not the JSON a Discourse site sends".into())
            })?;
        if wire.nonce.as_deref() != Some(self.nonce.as_str()) {
            return Err(PayloadError::NonceMismatch);
        }
        let key = wire
            .key
            .filter(|k| usable_key(k))
            .ok_or_else(|| PayloadError::Malformed("it carries no usable key".into()))?;
        Ok(Payload {
            key,
            push: wire.push.unwrap_or(false),
            api: wire.api,
        })
    }
}

/// The payload's JSON, every field optional (the site's versions differ).
#[derive(Deserialize)]
struct Wire {
    key: Option<String>,
    nonce: Option<String>,
    push: Option<bool>,
    api: Option<u64>,
}

/// A key that can travel in an HTTP header: visible ASCII, no spaces, bounded.
fn usable_key(k: &str) -> bool {
    !k.is_empty() && k.len() <= MAX_KEY_CHARS && k.chars().all(|c| c.is_ascii_graphic())
}

/// `bytes` random bytes from the operating system, as hex.
fn random_hex(bytes: usize) -> Result<String, String> {
    let mut buf = vec![0u8; bytes];
    OsRandom
        .try_fill_bytes(&mut buf)
        .map_err(|e| e.to_string())?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// The operating system's random numbers (getrandom, through the `Generate` rsa re-exports),
/// as the RNG key generation asks for.
struct OsRandom;

#[derive(Debug)]
struct OsRandomError;

impl fmt::Display for OsRandomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operating system's random number source failed")
    }
}

impl std::error::Error for OsRandomError {}

impl TryRng for OsRandom {
    type Error = OsRandomError;

    fn try_next_u32(&mut self) -> Result<u32, OsRandomError> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, OsRandomError> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), OsRandomError> {
        for chunk in dst.chunks_mut(32) {
            let random = <[u8; 32]>::try_generate().map_err(|_| OsRandomError)?;
            chunk.copy_from_slice(&random[..chunk.len()]);
        }
        Ok(())
    }
}

impl TryCryptoRng for OsRandom {}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a Discourse site does with the request: encrypt the JSON with the public key and
    /// base64 it with a line break every 60 characters.
    fn seal(req: &LoginRequest, json: &str) -> String {
        use rsa::pkcs8::DecodePublicKey;
        let public = rsa::PublicKey::from_public_key_pem(req.public_key_pem()).unwrap();
        let sealed = public.pkcs1v15_encrypt(json.as_bytes()).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(sealed);
        let mut out = String::new();
        for (i, c) in b64.chars().enumerate() {
            if i > 0 && i % 60 == 0 {
                out.push('\n');
            }
            out.push(c);
        }
        out.push('\n');
        out
    }

    #[test]
    fn a_payload_for_this_request_opens() {
        let req = LoginRequest::new(Some("client-1".into())).unwrap();
        assert_eq!(req.client_id(), "client-1");
        assert_eq!(req.nonce().len(), 32);
        let json = format!(
            r#"{{"key":"abc123","nonce":"{}","push":false,"api":4}}"#,
            req.nonce()
        );
        let pasted = seal(&req, &json);
        assert_eq!(
            pasted.chars().filter(|c| !c.is_whitespace()).count(),
            req.payload_chars()
        );
        let p = req.open(&pasted).unwrap();
        assert_eq!(p.key, "abc123");
        assert_eq!(p.api, Some(4));
        assert!(!format!("{p:?}").contains("abc123"));
    }

    #[test]
    fn wrong_nonce_other_request_and_garbage_are_refused() {
        let req = LoginRequest::new(None).unwrap();
        let other = LoginRequest::new(None).unwrap();
        let wrong = seal(&req, r#"{"key":"k","nonce":"not-it","push":false,"api":4}"#);
        assert_eq!(req.open(&wrong), Err(PayloadError::NonceMismatch));
        let json = format!(r#"{{"key":"k","nonce":"{}"}}"#, req.nonce());
        assert_eq!(
            other.open(&seal(&req, &json)),
            Err(PayloadError::OtherRequest)
        );
        assert!(matches!(
            req.open("hello, world!"),
            Err(PayloadError::NotPayload(_))
        ));
        assert!(matches!(req.open("  \n"), Err(PayloadError::NotPayload(_))));
        // Cut short: the length says so before anything is decrypted.
        let good = seal(&req, &json);
        let short: String = good
            .chars()
            .filter(|c| !c.is_whitespace())
            .take(200)
            .collect();
        assert!(
            matches!(req.open(&short), Err(PayloadError::NotPayload(m)) if m.contains("bytes"))
        );
        // One character changed: it no longer opens.
        let mut chars: Vec<char> = good.chars().collect();
        chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
        let flipped: String = chars.into_iter().collect();
        assert_eq!(req.open(&flipped), Err(PayloadError::OtherRequest));
        // JSON, sealed for this key, but not a payload.
        assert!(matches!(
            req.open(&seal(&req, "[1,2,3]")),
            Err(PayloadError::Malformed(_))
        ));
        // No key, or one that cannot be sent.
        let nokey = seal(&req, &format!(r#"{{"nonce":"{}"}}"#, req.nonce()));
        assert!(matches!(req.open(&nokey), Err(PayloadError::Malformed(_))));
        let spaced = seal(
            &req,
            &format!(r#"{{"key":"a b\u001b","nonce":"{}"}}"#, req.nonce()),
        );
        assert!(matches!(req.open(&spaced), Err(PayloadError::Malformed(_))));
    }

    #[test]
    fn the_url_asks_for_read_and_write_without_a_redirect() {
        let req = LoginRequest::new(None).unwrap();
        let url = req.authorization_url("https://forum.example.com/").unwrap();
        let url = reqwest::Url::parse(&url).unwrap();
        assert_eq!(url.path(), "/user-api-key/new");
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["scopes"], "read,write");
        assert_eq!(q["application_name"], "modterm");
        assert_eq!(q["nonce"], req.nonce());
        assert_eq!(q["client_id"], req.client_id());
        assert_eq!(q["public_key"], req.public_key_pem());
        assert!(q["public_key"].starts_with("-----BEGIN PUBLIC KEY-----"));
        assert!(!q.contains_key("auth_redirect"));
    }
}
