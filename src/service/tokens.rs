//! Registration and remove tokens.

use uuid::Uuid;

use tokio::sync::oneshot;

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

/// A token asked for, waiting for the writer's turn.
///
/// Token requests come in bursts (a fleet of CI jobs, an autoscaler scaling
/// up), and each would be a write of its own. Instead, each request leaves
/// its ask here and waits for the writer; whoever gets the writer's turn
/// takes every ask waiting and writes them together, in one or two
/// statements, then answers each. A request whose ask was taken by an
/// earlier turn finds nothing left and just reads its answer.
#[derive(Debug)]
pub(super) struct TokenAsk {
    scope: Scope,
    kind: TokenKind,
    expires_at: i64,
    reply: oneshot::Sender<Result<Token, Error>>,
}

impl Service {
    /// A new token for the scope, live for the configured time on the mock
    /// clock. A scope holds at most 10,000 live tokens of each kind; the
    /// oldest gives way.
    #[tracing::instrument(skip(self))]
    pub async fn create_token(&self, scope: &Scope, kind: TokenKind) -> Result<Token, Error> {
        let ttl = i64::try_from(self.settings.token_ttl.as_millis()).unwrap_or(i64::MAX);
        let (reply, mut answer) = oneshot::channel();
        self.asks().push(TokenAsk {
            scope: scope.clone(),
            kind,
            expires_at: self.clock.now_ms().saturating_add(ttl),
            reply,
        });
        // An earlier turn may take this ask with its own and answer it while
        // this request still waits for the writer: then it need not wait on.
        let writer = tokio::select! {
            answered = &mut answer => return answered_or_lost(answered),
            writer = self.writer() => writer?,
        };
        let asks = std::mem::take(&mut *self.asks());
        if asks.is_empty() {
            drop(writer);
        } else {
            // In a task of its own, so that a request that goes away cannot
            // cut the batch short.
            tokio::spawn(create_tokens(writer, asks));
        }
        answered_or_lost(answer.await)
    }

    fn asks(&self) -> std::sync::MutexGuard<'_, Vec<TokenAsk>> {
        self.token_asks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The answer to an ask; an ask dropped unanswered means its batch died.
fn answered_or_lost(
    answered: Result<Result<Token, Error>, oneshot::error::RecvError>,
) -> Result<Token, Error> {
    answered.unwrap_or(Err(Error::Internal(sqlx::Error::WorkerCrashed)))
}

/// Writes the asked tokens in the writer's turn and answers each ask.
async fn create_tokens(mut writer: Writer, asks: Vec<TokenAsk>) {
    match write_tokens(&mut writer, &asks).await {
        Ok(tokens) => {
            for (ask, token) in asks.into_iter().zip(tokens) {
                let _ = ask.reply.send(Ok(token));
            }
        }
        Err(error) => {
            let cause = error.to_string();
            for ask in asks {
                let error = sqlx::Error::Protocol(cause.clone());
                let _ = ask.reply.send(Err(Error::Internal(error)));
            }
        }
    }
}

async fn write_tokens(writer: &mut Writer, asks: &[TokenAsk]) -> Result<Vec<Token>, Error> {
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
