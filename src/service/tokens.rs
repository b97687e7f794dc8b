//! Registration and remove tokens.

use uuid::Uuid;

use super::Service;
use super::memory::TokenEntry;
use crate::clock::format_ms;
use crate::error::Error;
use crate::model::{Scope, Token, TokenKind};
use crate::store::tokens;

/// The characters GitHub's runner tokens are made of (`LLBF3JGZDX3P5PMEXLND6TS6FCWO6`).
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// 29 characters of A-Z and digits from 145 random bits. A v4 uuid has six
/// fixed bits; XOR-ing one uuid with another rotated by 32 lands each fixed
/// bit on a random one, giving 128 uniform bits, and a third uuid's low bits
/// (all random) give the last 20.
pub(super) fn new_token() -> String {
    let uniform = Uuid::new_v4().as_u128() ^ Uuid::new_v4().as_u128().rotate_left(32);
    let extra = Uuid::new_v4().as_u128();
    let digit = |bits: u128, i: usize| char::from(ALPHABET[((bits >> (5 * i)) & 31) as usize]);
    (0..25)
        .map(|i| digit(uniform, i))
        .chain((0..4).map(|i| digit(extra, i)))
        .collect()
}

impl Service {
    /// A new token for the scope, live for the configured time on the mock
    /// clock. A scope holds at most 10,000 live tokens of each kind; the
    /// oldest gives way.
    #[tracing::instrument(skip(self))]
    pub async fn create_token(&self, scope: &Scope, kind: TokenKind) -> Result<Token, Error> {
        let ttl = i64::try_from(self.settings.token_ttl.as_millis()).unwrap_or(i64::MAX);
        let expires_at = self.clock.now_ms().saturating_add(ttl);
        let mut writer = self.writer().await?;
        let scope_id = self.ensure_scope(&mut writer, scope).await?;
        let evicted = self.memory().token_to_evict(scope_id, kind);
        if let Some(old) = evicted {
            tokens::delete(writer.conn()?, &old).await?;
            writer.apply(|memory| memory.remove_token(&old));
        }
        let row = tokens::TokenRow {
            token: new_token(),
            scope_id,
            kind: kind.as_str().to_owned(),
            expires_at,
        };
        tokens::insert(writer.conn()?, &row).await?;
        writer.apply(|memory| {
            memory.insert_token(
                &row.token,
                TokenEntry {
                    scope_id,
                    kind,
                    expires_at,
                },
            );
        });
        Ok(Token {
            token: row.token,
            expires_at: format_ms(expires_at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_29_uppercase_letters_and_digits_and_differ() {
        let a = new_token();
        assert_eq!(a.len(), 29);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
            "{a}"
        );
        assert_ne!(a, new_token());
    }
}
