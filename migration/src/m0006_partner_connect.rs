use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LegacyConnections {
    Table,
    Id,
    V1AccountId,
    CompanyId,
    OwnerEmail,
    Status,
    Message,
    V2AccountId,
    RequestedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One bridge per V1 partner account to a V2 partner dashboard (Partner Connect).
        manager
            .create_table(
                Table::create()
                    .table(LegacyConnections::Table)
                    .col(
                        ColumnDef::new(LegacyConnections::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(LegacyConnections::V1AccountId)
                            .big_integer()
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(LegacyConnections::CompanyId)
                            .string_len(7)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LegacyConnections::OwnerEmail)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LegacyConnections::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(LegacyConnections::Message).text().null())
                    .col(
                        ColumnDef::new(LegacyConnections::V2AccountId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(LegacyConnections::RequestedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LegacyConnections::CompletedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LegacyConnections::Table, LegacyConnections::V1AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("legacy_connections_status_idx")
                    .table(LegacyConnections::Table)
                    .col(LegacyConnections::Status)
                    .col(LegacyConnections::RequestedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LegacyConnections::Table).to_owned())
            .await
    }
}
