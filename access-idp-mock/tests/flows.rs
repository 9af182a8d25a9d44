//! The mock provider, driven by hand over HTTP and by the client libraries the application uses
//! (`openidconnect` 4, `oauth2` 5). Everything runs on loopback.

use std::collections::HashMap;
use std::str::FromStr as _;

use access_idp_mock::{MockIdp, MockUser, Twist};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet,
    CoreProviderMetadata,
};
use openidconnect::reqwest;
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse as _, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse as _,
};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

const REDIRECT: &str = "http://127.0.0.1:9/callback";
const CLIENT: &str = "app";
/// A secret with characters that form-urlencoding changes (RFC 6749 2.3.1).
const SECRET: &str = "s3c/ret+x:y";

/// A reqwest client that does not follow redirects (as the `openidconnect` docs advise).
fn http() -> reqwest::Client {
    // reqwest is built without a default crypto provider; plain HTTP still wants one.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

/// A PKCE pair: (verifier, S256 challenge).
fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode(rand_bytes());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn rand_bytes() -> [u8; 32] {
    use rand::Rng as _;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    b
}

/// The query parameters of a `Location`.
fn query(location: &str) -> HashMap<String, String> {
    let q = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

/// `GET {authorize}` with the usual parameters; answers (status, Location's query).
async fn authorize(
    http: &reqwest::Client,
    url: &str,
    challenge: &str,
    nonce: Option<&str>,
) -> (u16, HashMap<String, String>) {
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", CLIENT),
        ("redirect_uri", REDIRECT),
        ("scope", "openid email profile"),
        ("state", "st-1"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];
    params.extend(nonce.map(|n| ("nonce", n)));
    let r = http
        .get(url)
        .query(&params)
        .send()
        .await
        .expect("authorize");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default();
    if status == 302 {
        assert!(location.starts_with(REDIRECT), "{location}");
    }
    (status, query(&location))
}

/// `POST {token}` with Basic auth (id and secret form-urlencoded); answers (status, JSON).
async fn token(http: &reqwest::Client, url: &str, code: &str, verifier: &str) -> (u16, Value) {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let basic = STANDARD.encode(format!("{}:{}", enc(CLIENT), enc(SECRET)));
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("code_verifier", verifier)
        .finish();
    let r = http
        .post(url)
        .header("authorization", format!("Basic {basic}"))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("token");
    let status = r.status().as_u16();
    (
        status,
        serde_json::from_str(&r.text().await.expect("body")).expect("JSON"),
    )
}

async fn get_json(http: &reqwest::Client, url: &str) -> Value {
    let r = http.get(url).send().await.expect("GET");
    assert_eq!(r.status().as_u16(), 200, "{url}");
    serde_json::from_str(&r.text().await.expect("body")).expect("JSON")
}

async fn started() -> MockIdp {
    let idp = MockIdp::start().await.expect("start");
    idp.register_client(CLIENT, SECRET, &[REDIRECT.to_owned()]);
    idp
}

/// An OIDC code flow by hand, up to the token response.
async fn oidc_tokens(idp: &MockIdp, http: &reqwest::Client, nonce: &str) -> (u16, Value) {
    let (verifier, challenge) = pkce();
    let iss = idp.issuer();
    let (status, q) = authorize(http, &format!("{iss}/authorize"), &challenge, Some(nonce)).await;
    assert_eq!(status, 302);
    token(http, &format!("{iss}/token"), &q["code"], &verifier).await
}

/// A JWT's header and claims, not verified.
fn peek(jwt: &str) -> (Value, Value) {
    let mut parts = jwt.split('.');
    let mut part = || {
        let raw = URL_SAFE_NO_PAD
            .decode(parts.next().expect("part"))
            .expect("base64url");
        serde_json::from_slice::<Value>(&raw).expect("JSON")
    };
    (part(), part())
}

/// The openidconnect verifier for the mock's current JWKS.
async fn oidc_verify(
    idp: &MockIdp,
    http: &reqwest::Client,
    jwt: &str,
    nonce: &str,
) -> Result<(), String> {
    let jwks: CoreJsonWebKeySet =
        serde_json::from_value(get_json(http, &format!("{}/jwks", idp.issuer())).await)
            .expect("JWKS");
    let verifier = CoreIdTokenVerifier::new_confidential_client(
        ClientId::new(CLIENT.to_owned()),
        ClientSecret::new(SECRET.to_owned()),
        IssuerUrl::new(idp.issuer()).expect("issuer"),
        jwks,
    );
    let token = CoreIdToken::from_str(jwt).map_err(|e| e.to_string())?;
    token
        .claims(&verifier, &Nonce::new(nonce.to_owned()))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn discovery_and_jwks_parse_with_openidconnect() {
    let idp = MockIdp::start().await.expect("start");
    let http = http();
    let iss = idp.issuer();
    assert_eq!(iss, format!("{}/oidc", idp.base()));
    let doc = get_json(&http, &format!("{iss}/.well-known/openid-configuration")).await;
    let meta: CoreProviderMetadata = serde_json::from_value(doc.clone()).expect("metadata");
    assert_eq!(meta.issuer().as_str(), iss);
    assert_eq!(
        meta.authorization_endpoint().as_str(),
        format!("{iss}/authorize")
    );
    assert_eq!(
        meta.token_endpoint().expect("token").as_str(),
        format!("{iss}/token")
    );
    assert_eq!(meta.jwks_uri().as_str(), format!("{iss}/jwks"));
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );

    assert_eq!(idp.jwks_fetches(), 0);
    let jwks: CoreJsonWebKeySet =
        serde_json::from_value(get_json(&http, &meta.jwks_uri().to_string()).await).expect("JWKS");
    assert_eq!(jwks.keys().len(), 1);
    assert_eq!(idp.jwks_fetches(), 1);

    // Discovery as the client does it (it fetches the JWKS too).
    let meta = CoreProviderMetadata::discover_async(IssuerUrl::new(iss).expect("url"), &http)
        .await
        .expect("discovery");
    assert_eq!(meta.jwks().keys().len(), 1);
    assert_eq!(idp.jwks_fetches(), 2);
}

#[tokio::test]
async fn code_flow_by_hand() {
    let idp = started().await;
    let http = http();
    let iss = idp.issuer();
    let (verifier, challenge) = pkce();
    let (status, q) = authorize(&http, &format!("{iss}/authorize"), &challenge, Some("n-1")).await;
    assert_eq!(status, 302);
    assert_eq!(q["state"], "st-1");
    let code = q["code"].clone();

    let (status, body) = token(&http, &format!("{iss}/token"), &code, &verifier).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "openid email profile");
    let id_token = body["id_token"].as_str().expect("id_token");
    let access = body["access_token"].as_str().expect("access_token");

    // The RS256 signature verifies against the JWKS with jsonwebtoken.
    let jwks: jsonwebtoken::jwk::JwkSet =
        serde_json::from_value(get_json(&http, &format!("{iss}/jwks")).await).expect("JWKS");
    let header = jsonwebtoken::decode_header(id_token).expect("header");
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), Some(idp.kid().as_str()));
    let jwk = jwks
        .find(header.kid.as_deref().expect("kid"))
        .expect("key in the JWKS");
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).expect("decoding key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[CLIENT]);
    validation.set_issuer(&[&iss]);
    let claims = jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .expect("valid ID token")
        .claims;
    assert_eq!(claims["nonce"], "n-1");
    assert_eq!(claims["sub"], "mock-1");
    assert_eq!(claims["aud"], CLIENT);
    assert_eq!(claims["email"], "demo@idp.test");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["name"], "Demo User");
    oidc_verify(&idp, &http, id_token, "n-1")
        .await
        .expect("openidconnect accepts it");

    // userinfo with the access token, and without.
    let r = http
        .get(format!("{iss}/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .expect("userinfo");
    assert_eq!(r.status().as_u16(), 200);
    let info: Value = serde_json::from_str(&r.text().await.expect("body")).expect("JSON");
    assert_eq!(info["sub"], "mock-1");
    assert_eq!(info["email"], "demo@idp.test");
    let r = http
        .get(format!("{iss}/userinfo"))
        .send()
        .await
        .expect("userinfo");
    assert_eq!(r.status().as_u16(), 401);
    let r = http
        .get(format!("{iss}/userinfo"))
        .bearer_auth("nope")
        .send()
        .await
        .expect("userinfo");
    assert_eq!(r.status().as_u16(), 401);

    // The code is single use.
    let (status, body) = token(&http, &format!("{iss}/token"), &code, &verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(idp.token_requests(), 2);
}

#[tokio::test]
async fn token_and_authorize_checks() {
    let idp = started().await;
    let http = http();
    let iss = idp.issuer();
    let auth = format!("{iss}/authorize");
    let tok = format!("{iss}/token");

    // A wrong verifier.
    let (_, challenge) = pkce();
    let (_, q) = authorize(&http, &auth, &challenge, Some("n")).await;
    let (other_verifier, _) = pkce();
    let (status, body) = token(&http, &tok, &q["code"], &other_verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // A wrong redirect_uri at the token endpoint.
    let (verifier, challenge) = pkce();
    let (_, q) = authorize(&http, &auth, &challenge, Some("n")).await;
    let r = http
        .post(&tok)
        .basic_auth(
            CLIENT,
            Some(form_urlencoded::byte_serialize(SECRET.as_bytes()).collect::<String>()),
        )
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", "http://127.0.0.1:9/elsewhere"),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(r.status().as_u16(), 400);

    // client_secret_post works; a wrong secret or an unknown client is invalid_client (401).
    let (verifier, challenge) = pkce();
    let (_, q) = authorize(&http, &auth, &challenge, Some("n")).await;
    let post = |secret: &'static str, client: &'static str, code: String, verifier: String| {
        http.post(&tok)
            .form(&[
                ("grant_type", "authorization_code".to_owned()),
                ("code", code),
                ("redirect_uri", REDIRECT.to_owned()),
                ("code_verifier", verifier),
                ("client_id", client.to_owned()),
                ("client_secret", secret.to_owned()),
            ])
            .send()
    };
    let r = post("wrong", CLIENT, q["code"].clone(), verifier.clone())
        .await
        .expect("token");
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.text().await.expect("body").contains("invalid_client"));
    let r = post(SECRET, "stranger", q["code"].clone(), verifier.clone())
        .await
        .expect("token");
    assert_eq!(r.status().as_u16(), 401);
    let r = post(SECRET, CLIENT, q["code"].clone(), verifier)
        .await
        .expect("token");
    assert_eq!(r.status().as_u16(), 200);

    // /authorize: an unknown client or redirect URI is a 400 page, not a redirect.
    let r = http
        .get(&auth)
        .query(&[
            ("response_type", "code"),
            ("client_id", "stranger"),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .expect("authorize");
    assert_eq!(r.status().as_u16(), 400);
    let r = http
        .get(&auth)
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("redirect_uri", "http://evil.test/cb"),
        ])
        .send()
        .await
        .expect("authorize");
    assert_eq!(r.status().as_u16(), 400);

    // No PKCE, or plain PKCE: redirected back with invalid_request.
    let r = http
        .get(&auth)
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("state", "s"),
        ])
        .send()
        .await
        .expect("authorize");
    assert_eq!(r.status().as_u16(), 302);
    let q = query(r.headers()["location"].to_str().expect("ascii"));
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("invalid_request", "s")
    );
    let r = http
        .get(&auth)
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("code_challenge", "abc"),
            ("code_challenge_method", "plain"),
        ])
        .send()
        .await
        .expect("authorize");
    assert_eq!(
        query(r.headers()["location"].to_str().expect("ascii"))["error"],
        "invalid_request"
    );

    // deny_next: access_denied once, then codes again.
    idp.deny_next();
    let (_, challenge) = pkce();
    let (status, q) = authorize(&http, &auth, &challenge, Some("n")).await;
    assert_eq!(status, 302);
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "st-1");
    assert!(!q.contains_key("code"));
    let (verifier, challenge) = pkce();
    let (_, q) = authorize(&http, &auth, &challenge, Some("n")).await;
    let code = q["code"].clone();

    // fail_next_token: invalid_grant once, and the code is still good afterwards.
    idp.fail_next_token();
    let (status, body) = token(&http, &tok, &code, &verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = token(&http, &tok, &code, &verifier).await;
    assert_eq!(status, 200);

    // A code of one form is not good at another's token endpoint.
    let (verifier, challenge) = pkce();
    let (_, q) = authorize(&http, &auth, &challenge, Some("n")).await;
    let gh = format!("{}/login/oauth/access_token", idp.github_web());
    let (status, body) = token(&http, &gh, &q["code"], &verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn open_mode_accepts_any_client() {
    let idp = MockIdp::start().await.expect("start");
    let http = http();
    let (status, body) = oidc_tokens(&idp, &http, "n").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        peek(body["id_token"].as_str().expect("id_token")).1["aud"],
        CLIENT
    );
}

#[tokio::test]
async fn each_twist_changes_what_it_says() {
    let idp = started().await;
    let http = http();
    let kid = idp.kid();
    let base = idp.base();
    let twists = [
        Twist::WrongAud,
        Twist::WrongIss,
        Twist::Expired,
        Twist::AlgNone,
        Twist::OtherKey,
        Twist::OtherKeySameKid,
        Twist::WrongNonce,
        Twist::NoIdToken,
    ];
    for twist in twists {
        idp.twist_next(twist);
        let (status, body) = oidc_tokens(&idp, &http, "n-1").await;
        assert_eq!(status, 200, "{twist:?}: {body}");
        assert!(body["access_token"].is_string());
        if twist == Twist::NoIdToken {
            assert!(body.get("id_token").is_none(), "{body}");
            continue;
        }
        let jwt = body["id_token"].as_str().expect("id_token");
        let (header, claims) = peek(jwt);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_secs() as i64;
        match twist {
            Twist::WrongAud => assert_eq!(claims["aud"], "someone-else"),
            Twist::WrongIss => assert_eq!(claims["iss"], format!("{base}/evil")),
            Twist::Expired => {
                assert!(claims["exp"].as_i64().expect("exp") < now - 3000);
                assert!(claims["iat"].as_i64().expect("iat") < now - 7000);
            }
            Twist::AlgNone => {
                assert_eq!(header, serde_json::json!({ "alg": "none", "typ": "JWT" }));
                assert!(jwt.ends_with('.'));
            }
            Twist::OtherKey => {
                assert_eq!(header["alg"], "RS256");
                assert_ne!(header["kid"], kid.as_str());
            }
            Twist::OtherKeySameKid => assert_eq!(header["kid"], kid.as_str()),
            Twist::WrongNonce => assert_eq!(claims["nonce"], "not-the-nonce"),
            Twist::NoIdToken | Twist::NoEmailInIdToken => unreachable!(),
        }
        let verdict = oidc_verify(&idp, &http, jwt, "n-1").await;
        let why = verdict
            .expect_err("openidconnect accepted the token")
            .to_lowercase();
        let expected = match twist {
            Twist::WrongAud => "audience",
            Twist::WrongIss => "issuer",
            Twist::Expired => "expired",
            Twist::WrongNonce => "nonce",
            _ => "signature",
        };
        assert!(
            why.contains(expected),
            "{twist:?} refused for another reason: {why}"
        );
        if twist != Twist::AlgNone {
            assert_eq!(header["alg"], "RS256");
        }
    }
    // A twist is used once: the next token is sound.
    let (_, body) = oidc_tokens(&idp, &http, "n-2").await;
    oidc_verify(
        &idp,
        &http,
        body["id_token"].as_str().expect("id_token"),
        "n-2",
    )
    .await
    .expect("sound again");
}

#[tokio::test]
async fn rotate_key_changes_the_kid() {
    let idp = started().await;
    let http = http();
    let jwks_url = format!("{}/jwks", idp.issuer());
    let before = get_json(&http, &jwks_url).await["keys"][0]["kid"].clone();
    assert_eq!(before, idp.kid().as_str());
    idp.rotate_key();
    let jwks = get_json(&http, &jwks_url).await;
    assert_eq!(jwks["keys"].as_array().expect("keys").len(), 1);
    assert_ne!(jwks["keys"][0]["kid"], before);
    assert_eq!(jwks["keys"][0]["kid"], idp.kid().as_str());
    assert_eq!(idp.jwks_fetches(), 2);
    let (_, body) = oidc_tokens(&idp, &http, "n").await;
    let jwt = body["id_token"].as_str().expect("id_token");
    assert_eq!(peek(jwt).0["kid"], idp.kid().as_str());
    oidc_verify(&idp, &http, jwt, "n")
        .await
        .expect("signed by the new key");
}

#[tokio::test]
async fn openidconnect_client_end_to_end() {
    let idp = started().await;
    idp.set_user(MockUser {
        sub: "u-42".to_owned(),
        email: "ada@idp.test".to_owned(),
        email_verified: false,
        name: "Ada".to_owned(),
        login: "ada".to_owned(),
    });
    let http = http();
    let meta =
        CoreProviderMetadata::discover_async(IssuerUrl::new(idp.issuer()).expect("url"), &http)
            .await
            .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(CLIENT.to_owned()),
        Some(ClientSecret::new(SECRET.to_owned())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.to_owned()).expect("url"));
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".to_owned()))
        .set_pkce_challenge(challenge)
        .url();
    let r = http.get(url.as_str()).send().await.expect("authorize");
    assert_eq!(r.status().as_u16(), 302);
    let q = query(r.headers()["location"].to_str().expect("ascii"));
    assert_eq!(&q["state"], csrf.secret());

    let tokens = client
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .expect("token endpoint")
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("token response");
    let id_token = tokens.id_token().expect("id_token");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("verified claims");
    assert_eq!(claims.subject().as_str(), "u-42");
    assert_eq!(claims.email().map(|e| e.as_str()), Some("ada@idp.test"));
    assert_eq!(claims.email_verified(), Some(false));

    let info: openidconnect::core::CoreUserInfoClaims = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .expect("userinfo endpoint")
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.email().map(|e| e.as_str()), Some("ada@idp.test"));
    assert_eq!(idp.token_requests(), 1);
}

#[tokio::test]
async fn github_form() {
    let idp = started().await;
    idp.set_user(MockUser {
        sub: "1234".to_owned(),
        ..MockUser::default()
    });
    let http = http();
    let web = idp.github_web();
    let api = idp.github_api();
    assert_eq!(web, format!("{}/github", idp.base()));
    assert_eq!(api, format!("{web}/api"));

    // With the oauth2 crate, as the application does it.
    use oauth2::basic::BasicClient;
    let client = BasicClient::new(oauth2::ClientId::new(CLIENT.to_owned()))
        .set_client_secret(oauth2::ClientSecret::new(SECRET.to_owned()))
        .set_auth_uri(oauth2::AuthUrl::new(format!("{web}/login/oauth/authorize")).expect("url"))
        .set_token_uri(
            oauth2::TokenUrl::new(format!("{web}/login/oauth/access_token")).expect("url"),
        )
        .set_redirect_uri(oauth2::RedirectUrl::new(REDIRECT.to_owned()).expect("url"));
    let (challenge, verifier) = oauth2::PkceCodeChallenge::new_random_sha256();
    let (url, csrf) = client
        .authorize_url(oauth2::CsrfToken::new_random)
        .add_scope(oauth2::Scope::new("read:user".to_owned()))
        .add_scope(oauth2::Scope::new("user:email".to_owned()))
        .set_pkce_challenge(challenge)
        .url();
    let r = http.get(url.as_str()).send().await.expect("authorize");
    assert_eq!(r.status().as_u16(), 302);
    let q = query(r.headers()["location"].to_str().expect("ascii"));
    assert_eq!(&q["state"], csrf.secret());
    assert!(!q.contains_key("nonce"));
    let tokens = client
        .exchange_code(oauth2::AuthorizationCode::new(q["code"].clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("token response");
    let access = tokens.access_token().secret().clone();

    // GitHub answers 403 without a User-Agent, 401 without a token.
    let r = http
        .get(format!("{api}/user"))
        .bearer_auth(&access)
        .send()
        .await
        .expect("user");
    assert_eq!(r.status().as_u16(), 403);
    let r = http
        .get(format!("{api}/user"))
        .header("user-agent", "tests")
        .send()
        .await
        .expect("user");
    assert_eq!(r.status().as_u16(), 401);
    let r = http
        .get(format!("{api}/user"))
        .header("user-agent", "tests")
        .bearer_auth(&access)
        .send()
        .await
        .expect("user");
    assert_eq!(r.status().as_u16(), 200);
    let user: Value = serde_json::from_str(&r.text().await.expect("body")).expect("JSON");
    assert_eq!(user["id"], 1234);
    assert_eq!(user["login"], "demo");
    assert_eq!(user["name"], "Demo User");
    assert!(user["email"].is_null());
    let r = http
        .get(format!("{api}/user/emails"))
        .header("user-agent", "tests")
        .header("authorization", format!("token {access}"))
        .send()
        .await
        .expect("emails");
    let emails: Value = serde_json::from_str(&r.text().await.expect("body")).expect("JSON");
    assert_eq!(emails[0]["email"], "demo@idp.test");
    assert_eq!(emails[0]["primary"], true);
    assert_eq!(emails[0]["verified"], true);
    assert_eq!(emails[1]["primary"], false);

    // An OIDC token is not good at GitHub's API.
    let (_, body) = oidc_tokens(&idp, &http, "n").await;
    let r = http
        .get(format!("{api}/user"))
        .header("user-agent", "tests")
        .bearer_auth(body["access_token"].as_str().expect("token"))
        .send()
        .await
        .expect("user");
    assert_eq!(r.status().as_u16(), 401);

    // Without `Accept: application/json` the token response is form-encoded, as GitHub's is.
    let (verifier, challenge) = pkce();
    let (_, q) = authorize(
        &http,
        &format!("{web}/login/oauth/authorize"),
        &challenge,
        None,
    )
    .await;
    let r = http
        .post(format!("{web}/login/oauth/access_token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(r.status().as_u16(), 200);
    let form = query(&format!("?{}", r.text().await.expect("body")));
    assert_eq!(form["token_type"], "bearer");
    assert_eq!(form["scope"], "openid,email,profile");
}

#[tokio::test]
async fn discord_form() {
    let idp = started().await;
    let http = http();
    let d = idp.discord_base();
    let (verifier, challenge) = pkce();
    let (status, q) = authorize(&http, &format!("{d}/oauth2/authorize"), &challenge, None).await;
    assert_eq!(status, 302);
    let (status, body) = token(
        &http,
        &format!("{d}/api/oauth2/token"),
        &q["code"],
        &verifier,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("id_token").is_none());
    assert_eq!(body["token_type"], "Bearer");
    let access = body["access_token"].as_str().expect("access_token");

    let r = http
        .get(format!("{d}/api/users/@me"))
        .send()
        .await
        .expect("me");
    assert_eq!(r.status().as_u16(), 401);
    let r = http
        .get(format!("{d}/api/users/@me"))
        .bearer_auth(access)
        .send()
        .await
        .expect("me");
    assert_eq!(r.status().as_u16(), 200);
    let me: Value = serde_json::from_str(&r.text().await.expect("body")).expect("JSON");
    let id = MockUser::default().numeric_id().to_string();
    assert_eq!(me["id"], id.as_str());
    assert_eq!(me["username"], "demo");
    assert_eq!(me["global_name"], "Demo User");
    assert_eq!(me["email"], "demo@idp.test");
    assert_eq!(me["verified"], true);
}
