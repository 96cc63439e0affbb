use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    Kind,
    Recipient,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    QueuedAt,
    SentAt,
    LastError,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .col(
                        ColumnDef::new(Deliveries::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Deliveries::Kind).string_len(64).not_null())
                    .col(ColumnDef::new(Deliveries::Recipient).string().not_null())
                    .col(ColumnDef::new(Deliveries::Payload).text().not_null())
                    .col(ColumnDef::new(Deliveries::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Deliveries::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Deliveries::NextAttemptAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Deliveries::QueuedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Deliveries::SentAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Deliveries::LastError).text().null())
                    .col(
                        ColumnDef::new(Deliveries::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        // The dispatcher's scan: what is due, oldest first.
        manager
            .create_index(
                Index::create()
                    .name("deliveries_status_due_idx")
                    .table(Deliveries::Table)
                    .col(Deliveries::Status)
                    .col(Deliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Deliveries::Table).to_owned())
            .await
    }
}
