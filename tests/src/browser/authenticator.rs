//! A passkey device for the browser: Chromium's virtual authenticator (WebDriver's
//! WebAuthn extension). Once added, the page's `navigator.credentials.create` and `.get`
//! work headless against it, as a platform authenticator that verifies its user.

use super::driver::Browser;
use serde_json::json;

impl Browser {
    /// Adds a virtual platform authenticator (CTAP2, resident keys, user verification
    /// that succeeds) to this browser; answers its id.
    pub async fn add_virtual_authenticator(&self) -> String {
        let v = self
            .command(
                "POST",
                "/webauthn/authenticator",
                json!({
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": true,
                    "hasUserVerification": true,
                    "isUserConsenting": true,
                    "isUserVerified": true,
                }),
            )
            .await;
        v.as_str()
            .expect("an authenticator id from WebDriver")
            .to_owned()
    }

    /// How many credentials (passkeys) the virtual authenticator `id` holds.
    pub async fn passkeys_held(&self, id: &str) -> usize {
        let v = self
            .command(
                "GET",
                &format!("/webauthn/authenticator/{id}/credentials"),
                json!({}),
            )
            .await;
        v.as_array().map_or(0, Vec::len)
    }

    /// Takes the virtual authenticator `id` away, with the passkeys it holds.
    pub async fn remove_virtual_authenticator(&self, id: &str) {
        self.command(
            "DELETE",
            &format!("/webauthn/authenticator/{id}"),
            json!({}),
        )
        .await;
    }
}
