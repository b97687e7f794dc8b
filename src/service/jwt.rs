//! The JSON web tokens GitHub Apps sign (RS256) to authenticate as
//! themselves: reading, verifying and, for tests, making one.
//!
//! The checks and GitHub's words for each failure are those App clients
//! quote from GitHub's answers (SPEC §8).

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
use sha2::Sha256;

/// A JWT that is not one, or whose signature does not verify.
pub const NOT_DECODED: &str = "A JSON web token could not be decoded";
/// `exp` is missing, not a number, or past.
pub const EXPIRED: &str = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
/// `exp` more than ten minutes ahead.
pub const TOO_LONG: &str = "'Expiration time' claim ('exp') is too far in the future";
/// `iat` is missing, not a number, or ahead.
pub const ISSUED_LATER: &str = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
/// `iss` is neither an App's id nor its client id.
pub const BAD_ISSUER: &str = "'Issuer' claim ('iss') must be an Integer";

/// A JWT may say it expires at most this far ahead of the server's now.
pub const MAX_LIFETIME_SECONDS: i64 = 600;

/// Whom a JWT says issued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issuer {
    /// The App's id, as a number or numeric string.
    Id(i64),
    /// The App's client id.
    ClientId(String),
}

/// A JWT read but not yet verified.
#[derive(Debug, Clone)]
pub struct Unverified {
    pub issuer: Option<Issuer>,
    issued_at: Option<i64>,
    expires_at: Option<i64>,
    signing_input: String,
    signature: Vec<u8>,
}

/// Whether a credential is a JWT rather than a token: three base64url parts,
/// the first a JSON object (`eyJ`).
pub fn looks_like_jwt(credential: &str) -> bool {
    credential.starts_with("eyJ") && credential.split('.').count() == 3
}

fn decode_part(part: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(part)
        .or_else(|_| URL_SAFE.decode(part))
        .ok()
}

/// A whole number of seconds, as JWT clients write them (a float with no
/// fraction is read as one too).
fn seconds(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

/// Reads a JWT's header and claims; the message says why it is not one.
pub fn read(jwt: &str) -> Result<Unverified, &'static str> {
    let mut parts = jwt.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(NOT_DECODED);
    };
    let header: Value = decode_part(header)
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(NOT_DECODED)?;
    // GitHub Apps sign with RS256 alone: `none` and HMAC are refused.
    if header["alg"] != "RS256" {
        return Err(NOT_DECODED);
    }
    let claims: Value = decode_part(payload)
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .filter(Value::is_object)
        .ok_or(NOT_DECODED)?;
    let signature = decode_part(signature).ok_or(NOT_DECODED)?;
    let issuer = match &claims["iss"] {
        Value::Number(n) => n.as_i64().map(Issuer::Id),
        Value::String(s) => Some(match s.parse::<i64>() {
            Ok(id) => Issuer::Id(id),
            Err(_) => Issuer::ClientId(s.clone()),
        }),
        _ => None,
    };
    Ok(Unverified {
        issuer,
        issued_at: seconds(&claims["iat"]),
        expires_at: seconds(&claims["exp"]),
        signing_input: jwt_prefix(jwt).to_owned(),
        signature,
    })
}

/// `header.payload`, what the signature covers.
fn jwt_prefix(jwt: &str) -> &str {
    jwt.rsplit_once('.').map_or(jwt, |(prefix, _)| prefix)
}

/// An App's public key as the signature check takes it: its modulus and
/// exponent, big-endian. ring checks an RS256 signature several times faster
/// than the RSA crate that makes the keys, and every JWT is checked.
#[derive(Debug, Clone)]
pub struct VerifyingKey {
    n: Vec<u8>,
    e: Vec<u8>,
}

impl VerifyingKey {
    /// The key of a public key of 2048 bits or more, as GitHub takes.
    pub fn new(key: &RsaPublicKey) -> Result<VerifyingKey, String> {
        if key.size() < 256 {
            return Err(format!(
                "an App's key has at least 2048 bits, not {}",
                key.size() * 8
            ));
        }
        Ok(VerifyingKey {
            n: key.n().to_bytes_be(),
            e: key.e().to_bytes_be(),
        })
    }
}

impl Unverified {
    /// Checks the signature with the App's key, then the times against the
    /// server's now, in seconds since the epoch.
    pub fn verify(&self, key: &VerifyingKey, now: i64) -> Result<(), &'static str> {
        let components = ring::signature::RsaPublicKeyComponents {
            n: &key.n,
            e: &key.e,
        };
        components
            .verify(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                self.signing_input.as_bytes(),
                &self.signature,
            )
            .map_err(|_| NOT_DECODED)?;
        match self.expires_at {
            Some(exp) if exp > now => {}
            _ => return Err(EXPIRED),
        }
        if self
            .expires_at
            .is_some_and(|exp| exp > now + MAX_LIFETIME_SECONDS)
        {
            return Err(TOO_LONG);
        }
        match self.issued_at {
            Some(iat) if iat <= now => Ok(()),
            _ => Err(ISSUED_LATER),
        }
    }
}

/// A JWT for the App, as App clients make one: issued a minute before `now`
/// (to allow for clock drift), expiring nine minutes after it; a `jti`
/// makes each one new.
pub fn sign(key: &RsaPrivateKey, app_id: i64, now: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "typ": "JWT"}).to_string());
    let claims = json!({
        "iat": now - 60,
        "exp": now + 540,
        "iss": app_id.to_string(),
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    let signing_input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signer = SigningKey::<Sha256>::new(key.clone());
    let signature = signer.sign(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    )
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use super::*;

    static KEY: LazyLock<RsaPrivateKey> =
        LazyLock::new(|| RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap());

    fn jwt_with(header: &Value, claims: &Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(header.to_string());
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{header}.{claims}");
        let signature = SigningKey::<Sha256>::new(KEY.clone()).sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }

    fn public() -> VerifyingKey {
        VerifyingKey::new(&KEY.to_public_key()).unwrap()
    }

    fn check(claims: &Value, now: i64) -> Result<(), &'static str> {
        let jwt = jwt_with(&json!({"alg": "RS256"}), claims);
        read(&jwt)?.verify(&public(), now)
    }

    #[test]
    fn a_signed_jwt_verifies_and_names_its_issuer() {
        let jwt = sign(&KEY, 42, 1_000);
        assert!(looks_like_jwt(&jwt));
        let read = read(&jwt).unwrap();
        assert_eq!(read.issuer, Some(Issuer::Id(42)));
        assert_eq!(read.verify(&public(), 1_000), Ok(()));
        assert!(!looks_like_jwt("ghp_token"));
    }

    #[test]
    fn times_are_checked_against_the_servers_now() {
        let now = 10_000;
        assert_eq!(
            check(&json!({"iat": now - 60, "exp": now + 600}), now),
            Ok(())
        );
        assert_eq!(
            check(&json!({"iat": now - 60, "exp": now}), now),
            Err(EXPIRED)
        );
        assert_eq!(check(&json!({"iat": now - 60}), now), Err(EXPIRED));
        assert_eq!(
            check(&json!({"iat": now, "exp": now + 601}), now),
            Err(TOO_LONG)
        );
        assert_eq!(
            check(&json!({"iat": now + 1, "exp": now + 60}), now),
            Err(ISSUED_LATER)
        );
        assert_eq!(check(&json!({"exp": now + 60}), now), Err(ISSUED_LATER));
    }

    #[test]
    fn other_algorithms_other_keys_and_garbage_are_not_decoded() {
        let hs256 = jwt_with(&json!({"alg": "HS256"}), &json!({"iss": 1}));
        assert_eq!(read(&hs256).unwrap_err(), NOT_DECODED);
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(r#"{"iss":1}"#)
        );
        assert_eq!(read(&none).unwrap_err(), NOT_DECODED);
        assert_eq!(read("eyJ.x.y").unwrap_err(), NOT_DECODED);
        let other = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let jwt = sign(&other, 1, 100);
        assert_eq!(read(&jwt).unwrap().verify(&public(), 100), Err(NOT_DECODED));
        let client = jwt_with(&json!({"alg": "RS256"}), &json!({"iss": "Iv1.abc"}));
        assert_eq!(
            read(&client).unwrap().issuer,
            Some(Issuer::ClientId("Iv1.abc".to_owned()))
        );
    }
}
