//! A software authenticator for the suites: webauthn-authenticator-rs's soft token (a CTAP2
//! token in memory that claims user verification), made to act as a passkey provider. The soft
//! token keeps no resident keys: this device remembers which user handle each of its
//! credentials was made for, offers them when a sign-in lists no credentials (a discoverable
//! sign-in), and returns the user handle with the assertion, as a platform passkey does.

use serde_json::Value;
use webauthn_authenticator_rs::prelude::{Url, WebauthnCError};
use webauthn_authenticator_rs::softtoken::SoftToken;
use webauthn_authenticator_rs::{AuthenticatorBackend, WebauthnAuthenticator};
use webauthn_rs_proto::{
    AllowCredentials, CreationChallengeResponse, PublicKeyCredential,
    PublicKeyCredentialCreationOptions, PublicKeyCredentialRequestOptions,
    RegisterPublicKeyCredential, RequestChallengeResponse,
};

/// A passkey provider: its keys, and for each credential id the user handle it was made for.
pub struct Device {
    token: SoftToken,
    credentials: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Device {
    pub fn new() -> Self {
        let (token, _ca) = SoftToken::new(true).expect("soft token");
        Self {
            token,
            credentials: Vec::new(),
        }
    }

    /// A copy of the device, keys and signature counter included: a cloned authenticator.
    pub fn clone_keys(&self) -> Self {
        let cbor = self.token.to_cbor().expect("token to cbor");
        Self {
            token: SoftToken::from_cbor(&cbor).expect("token from cbor"),
            credentials: self.credentials.clone(),
        }
    }

    /// Answers `options` (a register start's) for a page at `origin`: the credential's JSON.
    pub fn register(&mut self, origin: &str, options: &Value) -> Value {
        let ccr: CreationChallengeResponse =
            serde_json::from_value(options.clone()).expect("creation options");
        let origin = Url::parse(origin).expect("origin");
        let cred = WebauthnAuthenticator::new(Backend(self))
            .do_registration(origin, ccr)
            .expect("registration by the soft token");
        serde_json::to_value(cred).expect("credential json")
    }

    /// Answers `options` (a sign-in start's) for a page at `origin`: the assertion's JSON.
    pub fn sign_in(&mut self, origin: &str, options: &Value) -> Value {
        let rcr: RequestChallengeResponse =
            serde_json::from_value(options.clone()).expect("request options");
        let origin = Url::parse(origin).expect("origin");
        let cred = WebauthnAuthenticator::new(Backend(self))
            .do_authentication(origin, rcr)
            .expect("assertion by the soft token");
        serde_json::to_value(cred).expect("assertion json")
    }
}

struct Backend<'a>(&'a mut Device);

impl AuthenticatorBackend for Backend<'_> {
    fn perform_register(
        &mut self,
        origin: Url,
        mut options: PublicKeyCredentialCreationOptions,
        timeout_ms: u32,
    ) -> Result<RegisterPublicKeyCredential, WebauthnCError> {
        // The soft token refuses to be asked for a resident key; this device is one.
        let asked = options
            .authenticator_selection
            .as_ref()
            .is_some_and(|s| s.require_resident_key);
        assert!(asked, "passkeys are registered as discoverable credentials");
        if let Some(s) = options.authenticator_selection.as_mut() {
            s.require_resident_key = false;
            s.resident_key = None;
        }
        let handle = options.user.id.to_vec();
        let cred =
            AuthenticatorBackend::perform_register(&mut self.0.token, origin, options, timeout_ms)?;
        self.0.credentials.push((cred.raw_id.to_vec(), handle));
        Ok(cred)
    }

    fn perform_auth(
        &mut self,
        origin: Url,
        mut options: PublicKeyCredentialRequestOptions,
        timeout_ms: u32,
    ) -> Result<PublicKeyCredential, WebauthnCError> {
        if options.allow_credentials.is_empty() {
            // Discoverable: the device offers its (newest) credential for the relying party.
            let (id, _) = self.0.credentials.last().expect("a credential").clone();
            options.allow_credentials.push(AllowCredentials {
                type_: "public-key".into(),
                id: id.into(),
                transports: None,
            });
        }
        let mut cred =
            AuthenticatorBackend::perform_auth(&mut self.0.token, origin, options, timeout_ms)?;
        let handle = self
            .0
            .credentials
            .iter()
            .find(|(id, _)| *id == cred.raw_id.to_vec())
            .map(|(_, h)| h.clone())
            .expect("a credential of this device");
        cred.response.user_handle = Some(handle.into());
        Ok(cred)
    }
}
