use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    Kind,
    SubjectId,
    Status,
    Attempts,
    NextAttemptAt,
    QueuedAt,
    LastError,
    CreatedAt,
    FinishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Background work other than email (Partner Connect checks, client upgrades) is
        // recorded here in the transaction of the mutation that promises it, and handed to
        // the job queue by the same dispatcher as the mail outbox: a lost or failed job is
        // handed out again, with backoff, until it is done or fails for good.
        // One row per piece of work: (kind, subject_id) is unique, and asking again for
        // work that failed resets its row.
        manager
            .create_table(
                Table::create()
                    .table(Tasks::Table)
                    .col(
                        ColumnDef::new(Tasks::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Tasks::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Tasks::SubjectId).big_integer().not_null())
                    .col(ColumnDef::new(Tasks::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Tasks::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Tasks::NextAttemptAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Tasks::QueuedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Tasks::LastError).text().null())
                    .col(
                        ColumnDef::new(Tasks::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Tasks::FinishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("tasks_kind_subject_idx")
                    .table(Tasks::Table)
                    .col(Tasks::Kind)
                    .col(Tasks::SubjectId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("tasks_status_next_attempt_idx")
                    .table(Tasks::Table)
                    .col(Tasks::Status)
                    .col(Tasks::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        // Work promised before this table existed: PENDING Partner Connect requests and
        // upgrades asked for and not done (which nothing re-queued before).
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO tasks (kind, subject_id, status, attempts, next_attempt_at, created_at)
             SELECT 'partner_connect_check', id, 'PENDING', 0, requested_at, requested_at
             FROM legacy_connections WHERE status = 'PENDING'",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO tasks (kind, subject_id, status, attempts, next_attempt_at, created_at)
             SELECT 'client_upgrade', id, 'PENDING', 0, upgrade_requested_at, upgrade_requested_at
             FROM clients WHERE upgrade_requested_at IS NOT NULL AND upgraded_at IS NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Tasks::Table).to_owned())
            .await
    }
}
