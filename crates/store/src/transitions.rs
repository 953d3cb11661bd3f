//! Moving applications between states, with group commit on SQLite.
//!
//! SQLite has one writer and pays a commit (a WAL sync) per transaction; in a storm of submissions that commit,
//! not the statements, sets the pace. So on SQLite one writer task takes every move waiting at that moment and
//! applies them in one transaction — each still its own conditional UPDATE from the state its caller read, so
//! two moves of one application in a batch behave exactly as two transactions in a row — and answers every
//! caller after the commit. PostgreSQL commits concurrently and runs each move in its own transaction.

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

pub(crate) struct Queued {
    movement: Move,
    answer: oneshot::Sender<Result<bool, String>>,
}

/// The most moves one commit carries (a batch waits for nothing: it is whatever is queued at that moment).
const MAX_BATCH: usize = 256;

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
            let mut moved = Vec::with_capacity(batch.len());
            for queued in &batch {
                moved.push(apply_move!(tx, &queued.movement)?);
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(moved)
        }
        .await;
        match outcome {
            Ok(moved) => {
                for (queued, moved) in batch.into_iter().zip(moved) {
                    let _ = queued.answer.send(Ok(moved));
                }
            }
            Err(error) => {
                tracing::error!(%error, moves = batch.len(), "a batch of application moves failed; none was applied");
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
            Db::Sqlite(pool) => {
                let queue = self.transition_queue.get_or_init(|| {
                    let (sender, receiver) = mpsc::channel(4096);
                    tokio::spawn(write_batches(pool.clone(), receiver));
                    sender
                });
                let (answer, answered) = oneshot::channel();
                queue.send(Queued { movement, answer }).await.map_err(|_| StoreError::Corrupt("the application writer has stopped".into()))?;
                let result = answered.await.map_err(|_| StoreError::Corrupt("the application writer has stopped".into()))?;
                result.map_err(|error| StoreError::Corrupt(format!("application move not saved: {error}")))
            }
        }
    }
}
