use crate::domain::{TaskKind, TaskStatus};
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;

/// A piece of background work other than email (a Partner Connect check, a client
/// upgrade), recorded in the transaction of the mutation that promises it. The worker's
/// dispatcher hands it to the job queue and hands it out again if its job is lost or
/// fails, with backoff, until it is DONE or FAILED: the same outbox as `deliveries`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: TaskKind,
    /// The row the work is about (see `TaskKind`).
    pub subject_id: i64,
    pub status: TaskStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub queued_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Records that `kind` of work on `subject_id` is to be done. Call it in the transaction
/// of the mutation that promises the work, so both commit or neither does. Asking again
/// for work that already has a row (a failed Partner Connect request sent again) makes
/// that row PENDING afresh.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    kind: TaskKind,
    subject_id: i64,
    now: DateTimeUtc,
) -> Result<(), DbErr> {
    let row = ActiveModel {
        kind: Set(kind),
        subject_id: Set(subject_id),
        status: Set(TaskStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        queued_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    };
    Entity::insert(row)
        .on_conflict(
            OnConflict::columns([Column::Kind, Column::SubjectId])
                .update_columns([
                    Column::Status,
                    Column::Attempts,
                    Column::NextAttemptAt,
                    Column::QueuedAt,
                    Column::LastError,
                    Column::FinishedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
