//! Second factors (issue 25, SPEC §12): a person's TOTP authenticators (the secret
//! encrypted at rest) and passkeys, their single-use recovery codes (hashed), the
//! session's stage (a pending token after the right password, a session that may only
//! enrol, when a factor was last verified for step-up), and the firm's policy.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Pending,
    Tries,
    SecondFactorAt,
    EnrolOnly,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    SecondFactorRequiredFrom,
}

#[derive(DeriveIden)]
enum SecondFactors {
    Table,
    Id,
    UserId,
    Kind,
    Label,
    Secret,
    Confirmed,
    LastStep,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    UsedAt,
    CreatedAt,
}

/// SQLite adds one column per ALTER TABLE.
async fn add(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    col: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(col).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let flag = |c: Sessions| {
            ColumnDef::new(c)
                .boolean()
                .not_null()
                .default(false)
                .to_owned()
        };
        add(manager, Sessions::Table, flag(Sessions::Pending)).await?;
        add(manager, Sessions::Table, flag(Sessions::EnrolOnly)).await?;
        add(
            manager,
            Sessions::Table,
            ColumnDef::new(Sessions::Tries)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
        )
        .await?;
        add(
            manager,
            Sessions::Table,
            ColumnDef::new(Sessions::SecondFactorAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        )
        .await?;
        add(
            manager,
            Accounts::Table,
            ColumnDef::new(Accounts::SecondFactorRequiredFrom)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(SecondFactors::Table)
                    .col(
                        ColumnDef::new(SecondFactors::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(SecondFactors::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SecondFactors::Kind)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SecondFactors::Label)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(SecondFactors::Secret).text().null())
                    .col(
                        ColumnDef::new(SecondFactors::Confirmed)
                            .boolean()
                            .not_null(),
                    )
                    .col(ColumnDef::new(SecondFactors::LastStep).big_integer().null())
                    .col(
                        ColumnDef::new(SecondFactors::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SecondFactors::LastUsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SecondFactors::Table, SecondFactors::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("second_factors_user_idx")
                    .table(SecondFactors::Table)
                    .col(SecondFactors::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecoveryCodes::Table)
                    .col(
                        ColumnDef::new(RecoveryCodes::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(RecoveryCodes::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RecoveryCodes::CodeHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RecoveryCodes::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(RecoveryCodes::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RecoveryCodes::Table, RecoveryCodes::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("recovery_codes_user_idx")
                    .table(RecoveryCodes::Table)
                    .col(RecoveryCodes::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RecoveryCodes::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SecondFactors::Table).to_owned())
            .await
    }
}
