//! Passkeys as a second factor (WebAuthn, SPEC §12), by `webauthn-rs`: the relying
//! party from configuration, the options a browser passes to `navigator.credentials`
//! (`create` to enrol, `get` to verify) and the checks of what it answers. The
//! ceremony's state between the two halves is kept by the caller (in the database, so
//! any gateway can finish what another began); the credentials are kept as JSON.

use crate::config::Config;
use sha2::{Digest, Sha256};
use webauthn_rs::prelude::{
    CredentialID, Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

/// The relying party.
pub struct RelyingParty {
    webauthn: Webauthn,
}

impl std::fmt::Debug for RelyingParty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelyingParty")
            .field("rp_id", &self.webauthn.get_allowed_origins())
            .finish()
    }
}

/// Why a passkey was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    /// What the browser answered does not parse.
    #[error("that is not a WebAuthn credential as navigator.credentials answers it: {0}")]
    Malformed(String),
    /// It parsed but did not prove what it had to (signature, challenge, origin…).
    #[error("the passkey did not verify")]
    Rejected,
}

/// The relying party id and origin: configured, or from `PUBLIC_URL`.
pub fn party_of(config: &Config) -> anyhow::Result<(String, Url)> {
    let public = Url::parse(config.worker.public_url())?;
    let host = public.host_str().unwrap_or("localhost").to_owned();
    let bare_address = host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[');
    let rp_id = match &config.webauthn_rp_id {
        Some(id) => id.clone(),
        None if bare_address => "localhost".to_owned(),
        None => host.clone(),
    };
    let origin = match &config.webauthn_origin {
        Some(o) => Url::parse(o)?,
        None if bare_address => {
            let mut u = public.clone();
            u.set_host(Some("localhost"))?;
            u
        }
        None => public,
    };
    Ok((rp_id, origin))
}

impl RelyingParty {
    /// From configuration; an id that is not a domain of the origin is an error.
    pub fn configured(config: &Config) -> anyhow::Result<Self> {
        let (rp_id, origin) = party_of(config)?;
        let webauthn = WebauthnBuilder::new(&rp_id, &origin)
            .map_err(|e| {
                anyhow::anyhow!(
                    "WEBAUTHN_RP_ID {rp_id:?} is not a domain of WEBAUTHN_ORIGIN {origin}: {e}"
                )
            })?
            .rp_name(super::totp::ISSUER)
            .allow_any_port(rp_id == "localhost")
            .build()
            .map_err(|e| anyhow::anyhow!("WebAuthn configuration: {e}"))?;
        Ok(Self { webauthn })
    }

    /// Options for `navigator.credentials.create` for `person_id`, excluding the
    /// passkeys they have; the state to keep until [`finish_enrolment`](Self::finish_enrolment).
    pub fn begin_enrolment(
        &self,
        person_id: i64,
        email: &str,
        name: &str,
        have: &[Passkey],
    ) -> Result<(String, String), PasskeyError> {
        let exclude: Vec<CredentialID> = have.iter().map(|p| p.cred_id().clone()).collect();
        let (options, state) = self
            .webauthn
            .start_passkey_registration(
                user_handle(person_id),
                email,
                name,
                (!exclude.is_empty()).then_some(exclude),
            )
            .map_err(|_| PasskeyError::Rejected)?;
        Ok((to_json(&options), to_json(&state)))
    }

    /// The new passkey (as JSON to keep) from what `navigator.credentials.create`
    /// answered, checked against the kept `state`.
    pub fn finish_enrolment(
        &self,
        state: &str,
        credential_json: &str,
    ) -> Result<(String, Passkey), PasskeyError> {
        let state: PasskeyRegistration = from_json(state)?;
        let credential: RegisterPublicKeyCredential = from_json(credential_json)?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&credential, &state)
            .map_err(|e| {
                tracing::info!(error = %e, "passkey enrolment refused");
                PasskeyError::Rejected
            })?;
        Ok((to_json(&passkey), passkey))
    }

    /// Options for `navigator.credentials.get` over `passkeys`; the state to keep.
    pub fn begin_verification(
        &self,
        passkeys: &[Passkey],
    ) -> Result<(String, String), PasskeyError> {
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(passkeys)
            .map_err(|_| PasskeyError::Rejected)?;
        Ok((to_json(&options), to_json(&state)))
    }

    /// Checks an assertion against the kept `state`; answers the id of the credential
    /// it came from and that passkey brought up to date (its signature counter), as JSON
    /// to keep, given the person's `passkeys` by id.
    pub fn finish_verification(
        &self,
        state: &str,
        assertion_json: &str,
        passkeys: &[(i64, Passkey)],
    ) -> Result<(i64, String), PasskeyError> {
        let state: PasskeyAuthentication = from_json(state)?;
        let assertion: PublicKeyCredential = from_json(assertion_json)?;
        let result = self
            .webauthn
            .finish_passkey_authentication(&assertion, &state)
            .map_err(|e| {
                tracing::info!(error = %e, "passkey assertion refused");
                PasskeyError::Rejected
            })?;
        let (id, passkey) = passkeys
            .iter()
            .find(|(_, p)| p.cred_id() == result.cred_id())
            .ok_or(PasskeyError::Rejected)?;
        let mut passkey = passkey.clone();
        passkey.update_credential(&result);
        Ok((*id, to_json(&passkey)))
    }
}

/// A kept passkey.
pub fn parse_passkey(json: &str) -> Option<Passkey> {
    serde_json::from_str(json).ok()
}

/// The WebAuthn user handle of a person: stable (so their passkeys are recognised) and
/// revealing nothing (not their id or email).
fn user_handle(person_id: i64) -> Uuid {
    let digest = Sha256::digest(format!("partner-dashboard user {person_id}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(bytes)
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("WebAuthn types serialise")
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, PasskeyError> {
    serde_json::from_str(s).map_err(|e| PasskeyError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: &[&str]) -> Config {
        Config::from_args(args.iter().copied()).unwrap()
    }

    #[test]
    fn the_party_comes_from_the_public_url() {
        let c = config(&["--public-url", "https://dash.example.com"]);
        let (id, origin) = party_of(&c).unwrap();
        assert_eq!(id, "dash.example.com");
        assert_eq!(origin.as_str(), "https://dash.example.com/");
        assert!(RelyingParty::configured(&c).is_ok());
    }

    #[test]
    fn a_bare_address_becomes_localhost() {
        let c = config(&["--public-url", "http://127.0.0.1:8000"]);
        let (id, origin) = party_of(&c).unwrap();
        assert_eq!(id, "localhost");
        assert_eq!(origin.as_str(), "http://localhost:8000/");
    }

    #[test]
    fn a_party_that_is_not_a_domain_of_the_origin_is_refused() {
        let c = config(&[
            "--webauthn-rp-id",
            "other.example",
            "--webauthn-origin",
            "https://dash.example.com",
        ]);
        assert!(RelyingParty::configured(&c).is_err());
    }

    #[test]
    fn options_name_the_party_and_the_state_round_trips() {
        let c = config(&["--public-url", "https://dash.example.com"]);
        let rp = RelyingParty::configured(&c).unwrap();
        let (options, state) = rp.begin_enrolment(7, "a@example.com", "A", &[]).unwrap();
        let o: serde_json::Value = serde_json::from_str(&options).unwrap();
        assert_eq!(o["publicKey"]["rp"]["id"], "dash.example.com");
        assert_eq!(o["publicKey"]["user"]["name"], "a@example.com");
        assert!(matches!(
            rp.finish_enrolment(&state, "{}"),
            Err(PasskeyError::Malformed(_))
        ));
        assert_eq!(user_handle(7), user_handle(7));
        assert_ne!(user_handle(7), user_handle(8));
    }
}
