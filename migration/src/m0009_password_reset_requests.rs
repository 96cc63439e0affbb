use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PasswordResetRequests {
    Table,
    Id,
    Email,
    CompanyId,
    Ip,
    RequestId,
    RequestedAt,
    SettledAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // `requestPasswordReset` only records the request here, the same single insert
        // whether or not the email belongs to anyone, so neither its answer nor its
        // timing tells the caller which emails exist. The worker settles each request:
        // it looks the person up and, if found, issues the link and queues the email.
        manager
            .create_table(
                Table::create()
                    .table(PasswordResetRequests::Table)
                    .col(
                        ColumnDef::new(PasswordResetRequests::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PasswordResetRequests::Email)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PasswordResetRequests::CompanyId)
                            .string_len(7)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PasswordResetRequests::Ip)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PasswordResetRequests::RequestId)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PasswordResetRequests::RequestedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PasswordResetRequests::SettledAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("password_reset_requests_settled_idx")
                    .table(PasswordResetRequests::Table)
                    .col(PasswordResetRequests::SettledAt)
                    .col(PasswordResetRequests::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PasswordResetRequests::Table).to_owned())
            .await
    }
}
