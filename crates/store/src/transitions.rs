//! Moving applications between states, and session activity, with group commit on SQLite.
//!
//! SQLite has one writer and pays a commit (a WAL sync) per transaction; in a storm of submissions that commit,
//! not the statements, sets the pace. So on SQLite one writer task takes every write waiting at that moment and
//! applies them in one transaction — each move still its own conditional UPDATE from the state its caller read,
//! so two moves of one application in a batch behave exactly as two transactions in a row — and answers every
//! caller after the commit. Session activity (`last_seen_at`, see sessions.rs) goes the same way: a candidate who
//! logged in minutes ago touches their session on the very request that submits, and that bookkeeping must not
//! cost the storm a commit of its own. PostgreSQL commits concurrently and runs each write in its own
//! transaction.

use crate::audit::AuditEntry;
use crate::{Db, Store, StoreError, StoreResult};
use domain::application::ApplicationState;
use tokio::sync::{mpsc, oneshot};

/// One move, owned so it can wait in the writer's queue.
#[derive(Debug, Clone)]
pub(crate) struct Move {
    pub id: String,
    pub from: ApplicationState,
    pub to: ApplicationState,
    pub actor: crate::applications::EventActor,
    pub reason: String,
    pub now: i64,
    pub audit: Option<AuditEntry>,
}

/// A write for the SQLite writer.
pub(crate) enum Write {
    Move(Move),
    /// A session was used at `now`.
    Touch { token_hash: String, now: i64 },
}

/// A write waiting for the SQLite writer, and where its outcome (did it change a row) goes after the commit.
pub(crate) struct Queued {
    write: Write,
    answer: oneshot::Sender<Result<bool, String>>,
}

/// The most writes one commit carries (a batch waits for nothing: it is whatever is queued at that moment).
const MAX_BATCH: usize = 256;
/// Writes that may wait for the writer; beyond that, callers wait to queue.
const QUEUE: usize = 4096;

// What entering a state does to the row is the domain's rule (`hands_in`, `carries_reason`), bound as $6 and $7.
const UPDATE: &str = "UPDATE applications SET state = $3, updated_at = $4, \
     submitted_at = CASE WHEN $6 THEN $4 ELSE submitted_at END, \
     decision_reason = CASE WHEN $7 THEN $5 WHEN $6 THEN NULL ELSE decision_reason END \
     WHERE id = $1 AND state = $2";
const LOCK_PHOTO: &str = "UPDATE photos SET locked_at = $2 WHERE account_id = (SELECT account_id FROM applications WHERE id = $1) AND locked_at IS NULL";
use crate::applications::INSERT_EVENT;

/// Applies one move inside an open transaction `$tx`; true when the application was still in `from`.
macro_rules! apply_move {
    ($tx:expr, $m:expr) => {{
        let m: &Move = $m;
        let moved = sqlx::query(UPDATE).bind(&m.id).bind(m.from.code()).bind(m.to.code()).bind(m.now).bind(&m.reason)
            .bind(m.to.hands_in()).bind(m.to.carries_reason())
            .execute(&mut *$tx).await?.rows_affected() > 0;
        if moved {
            if m.to.hands_in() {
                sqlx::query(LOCK_PHOTO).bind(&m.id).bind(m.now).execute(&mut *$tx).await?;
            }
            sqlx::query(INSERT_EVENT)
                .bind(crate::audit::entry_id()).bind(&m.id).bind(m.now).bind(m.actor.kind).bind(&m.actor.id).bind(&m.actor.name)
                .bind(m.from.code()).bind(m.to.code()).bind(&m.reason)
                .execute(&mut *$tx).await?;
            if let Some(entry) = &m.audit {
                crate::audit::insert_audit!(entry).execute(&mut *$tx).await?;
            }
        }
        Ok::<bool, sqlx::Error>(moved)
    }};
}

/// The SQLite writer: batches of whatever is queued, one transaction each.
async fn write_batches(pool: sqlx::SqlitePool, mut queue: mpsc::Receiver<Queued>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let outcome = async {
            let mut tx = pool.begin().await?;
            let mut changed = Vec::with_capacity(batch.len());
            for queued in &batch {
                changed.push(match &queued.write {
                    Write::Move(movement) => apply_move!(tx, movement)?,
                    Write::Touch { token_hash, now } => sqlx::query(crate::sessions::TOUCH).bind(token_hash).bind(now).execute(&mut *tx).await?.rows_affected() > 0,
                });
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(changed)
        }
        .await;
        match outcome {
            Ok(changed) => {
                for (queued, changed) in batch.into_iter().zip(changed) {
                    let _ = queued.answer.send(Ok(changed));
                }
            }
            Err(error) => {
                tracing::error!(%error, writes = batch.len(), "a batch of application moves and session touches failed; none was applied");
                for queued in batch {
                    let _ = queued.answer.send(Err(error.to_string()));
                }
            }
        }
    }
}

impl Store {
    /// Applies `movement`: false when the application was no longer in `from` (nothing changed then).
    pub(crate) async fn apply_move(&self, movement: Move) -> StoreResult<bool> {
        match &self.db {
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let moved = apply_move!(tx, &movement)?;
                tx.commit().await?;
                Ok(moved)
            }
            Db::Sqlite(pool) => self.write_in_batch(pool, Write::Move(movement)).await,
        }
    }

    /// Records that a session was used at `now`.
    pub(crate) async fn touch_session(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        match &self.db {
            Db::Postgres(pool) => {
                sqlx::query(crate::sessions::TOUCH).bind(token_hash).bind(now).execute(pool).await?;
            }
            Db::Sqlite(pool) => {
                self.write_in_batch(pool, Write::Touch { token_hash: token_hash.to_owned(), now }).await?;
            }
        }
        Ok(())
    }

    /// Hands `write` to the SQLite writer task (started on first use) and waits for its batch's commit.
    async fn write_in_batch(&self, pool: &sqlx::SqlitePool, write: Write) -> StoreResult<bool> {
        let queue = self.sqlite_writer.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(QUEUE);
            tokio::spawn(write_batches(pool.clone(), receiver));
            sender
        });
        let stopped = || StoreError::Corrupt("the SQLite writer has stopped".into());
        let (answer, answered) = oneshot::channel();
        queue.send(Queued { write, answer }).await.map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?.map_err(|error| StoreError::Corrupt(format!("not saved: {error}")))
    }
}
