//! Registration and remove tokens.

use uuid::Uuid;

use super::batch::{Asked, fail_all};
use super::memory::TokenEntry;
use super::{Service, Writer};
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

/// A token asked for, waiting for the writer's turn (see [`super::batch`]).
#[derive(Debug)]
pub(super) struct TokenAsk {
    scope: Scope,
    kind: TokenKind,
    expires_at: i64,
}

impl Service {
    /// A new token for the scope, live for the configured time on the mock
    /// clock. A scope holds at most 10,000 live tokens of each kind; the
    /// oldest gives way. Token requests that arrive together are written
    /// together.
    #[tracing::instrument(skip(self))]
    pub async fn create_token(&self, scope: &Scope, kind: TokenKind) -> Result<Token, Error> {
        let ttl = i64::try_from(self.settings.token_ttl.as_millis()).unwrap_or(i64::MAX);
        let ask = TokenAsk {
            scope: scope.clone(),
            kind,
            expires_at: self.clock.now_ms().saturating_add(ttl),
        };
        self.batched(&self.token_asks, ask, create_tokens).await
    }
}

/// Writes the asked tokens in the writer's turn and answers each ask.
async fn create_tokens(mut writer: Writer, asks: Vec<Asked<TokenAsk, Token>>) {
    let wanted: Vec<&TokenAsk> = asks.iter().map(|a| &a.ask).collect();
    match write_tokens(&mut writer, &wanted).await {
        Ok(tokens) => {
            for (asked, token) in asks.into_iter().zip(tokens) {
                asked.answer(Ok(token));
            }
        }
        Err(error) => fail_all(asks, &error),
    }
}

async fn write_tokens(writer: &mut Writer, asks: &[&TokenAsk]) -> Result<Vec<Token>, Error> {
    let mut rows = Vec::with_capacity(asks.len());
    for ask in asks {
        rows.push(tokens::TokenRow {
            token: new_token(),
            scope_id: writer.ensure_scope(&ask.scope).await?,
            kind: ask.kind.as_str().to_owned(),
            expires_at: ask.expires_at,
        });
    }
    let evicted = writer.memory().tokens_to_evict(
        rows.iter()
            .zip(asks)
            .map(|(row, ask)| (row.scope_id, ask.kind)),
    );
    tokens::insert(writer.conn()?, &rows).await?;
    if !evicted.is_empty() {
        tokens::delete(writer.conn()?, &evicted).await?;
    }
    writer.apply(|memory| {
        for old in &evicted {
            memory.remove_token(old);
        }
        for (row, ask) in rows.iter().zip(asks) {
            let entry = TokenEntry {
                scope_id: row.scope_id,
                kind: ask.kind,
                expires_at: row.expires_at,
            };
            memory.insert_token(&row.token, entry);
        }
    });
    Ok(rows
        .into_iter()
        .map(|row| Token {
            expires_at: format_ms(row.expires_at),
            token: row.token,
        })
        .collect())
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
