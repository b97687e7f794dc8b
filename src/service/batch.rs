//! Writes that arrive together, written together.
//!
//! Some requests come in bursts (token requests from a fleet of CI jobs, JIT
//! runners from an autoscaler scaling up), and each would be a write of its
//! own: a turn of the one writer connection, a statement, a commit. Instead,
//! each request leaves its ask in a [`Batch`] and waits for the writer;
//! whoever gets the writer's turn takes every ask waiting and writes them
//! together, in a few statements, then answers each. A request whose ask was
//! taken by an earlier turn finds nothing left and just reads its answer.

use std::future::Future;
use std::sync::{Mutex, PoisonError};

use tokio::sync::oneshot;

use super::{Service, Writer};
use crate::error::Error;

/// An ask waiting for the writer's turn, with where its answer goes.
#[derive(Debug)]
pub struct Asked<A, T> {
    pub ask: A,
    reply: oneshot::Sender<Result<T, Error>>,
}

impl<A, T> Asked<A, T> {
    /// Answers the request that asked (gone requests are not told).
    pub fn answer(self, answer: Result<T, Error>) {
        let _ = self.reply.send(answer);
    }

    /// Answers with what the ask itself makes.
    pub fn answer_with(self, answer: impl FnOnce(A) -> Result<T, Error>) {
        let _ = self.reply.send(answer(self.ask));
    }
}

/// The asks of one kind waiting for the writer.
#[derive(Debug)]
pub struct Batch<A, T> {
    asks: Mutex<Vec<Asked<A, T>>>,
}

impl<A, T> Default for Batch<A, T> {
    fn default() -> Self {
        Batch {
            asks: Mutex::default(),
        }
    }
}

impl<A, T> Batch<A, T> {
    fn asks(&self) -> std::sync::MutexGuard<'_, Vec<Asked<A, T>>> {
        self.asks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Every ask of a batch that failed gets the cause, as a storage error.
pub fn fail_all<A, T>(asks: Vec<Asked<A, T>>, error: &impl std::fmt::Display) {
    let cause = error.to_string();
    for asked in asks {
        asked.answer(Err(Error::Internal(sqlx::Error::Protocol(cause.clone()))));
    }
}

impl Service {
    /// Leaves `ask` in `batch` and waits for its answer. If this request gets
    /// the writer's turn first, `write` writes every ask waiting (this one
    /// among them) and must answer each.
    pub(super) async fn batched<A, T, W, F>(
        &self,
        batch: &Batch<A, T>,
        ask: A,
        write: W,
    ) -> Result<T, Error>
    where
        A: Send + 'static,
        T: Send + 'static,
        W: FnOnce(Writer, Vec<Asked<A, T>>) -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        let (reply, mut answer) = oneshot::channel();
        batch.asks().push(Asked { ask, reply });
        // An earlier turn may take this ask with its own and answer it while
        // this request still waits for the writer: then it need not wait on.
        let writer = tokio::select! {
            answered = &mut answer => return answered_or_lost(answered),
            writer = self.writer() => writer?,
        };
        let asks = std::mem::take(&mut *batch.asks());
        if asks.is_empty() {
            drop(writer);
        } else {
            // In a task of its own, so that a request that goes away cannot
            // cut the batch short.
            tokio::spawn(write(writer, asks));
        }
        answered_or_lost(answer.await)
    }
}

/// The answer to an ask; an ask dropped unanswered means its batch died.
fn answered_or_lost<T>(
    answered: Result<Result<T, Error>, oneshot::error::RecvError>,
) -> Result<T, Error> {
    answered.unwrap_or(Err(Error::Internal(sqlx::Error::WorkerCrashed)))
}
