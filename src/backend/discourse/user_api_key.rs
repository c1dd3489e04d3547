//! Ending the user API key the adapter signs in with (`modterm logout`): `POST
//! /user-api-key/revoke` with the key itself in `User-Api-Key` revokes it (reference §1.2;
//! Discourse lets a key of any scope revoke itself).

use reqwest::Method;
use serde_json::json;

use super::Discourse;
use crate::backend::{BackendError, Result};

impl Discourse {
    /// Revokes the key on the site. A key the site no longer accepts (already revoked,
    /// expired) is `NotSignedIn`; an admin key is refused here, before anything is sent.
    pub async fn revoke_user_api_key(&self) -> Result<()> {
        // Only an admin key acts as a named user (`Api-Username`).
        if self.api_username.is_some() {
            return Err(BackendError::Refused(
                "only a user API key can be revoked this way (admin keys are managed in the \
                 site's admin pages)"
                    .into(),
            ));
        }
        // Any success is a revoked key; the body (`{"success":"OK"}`) says nothing more.
        self.client
            .send(Method::POST, "/user-api-key/revoke", &json!({}))
            .await?;
        Ok(())
    }
}
