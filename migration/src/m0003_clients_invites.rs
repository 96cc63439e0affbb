use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    InviteCode,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    Id,
    PartnerAccountId,
    ClientAccountId,
    CompanyId,
    Email,
    Name,
    SortName,
    Status,
    StatusRank,
    InvitedVia,
    InvitedAt,
    LastInviteSentAt,
    TrialEndsAt,
}

#[derive(DeriveIden)]
enum Invites {
    Table,
    Id,
    ClientId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PasswordTokens {
    Table,
    Id,
    UserId,
    TokenHash,
    Purpose,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .add_column(ColumnDef::new(Accounts::InviteCode).string_len(64).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("accounts_invite_code_key")
                    .table(Accounts::Table)
                    .col(Accounts::InviteCode)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Clients::Table)
                    .col(
                        ColumnDef::new(Clients::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Clients::PartnerAccountId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Clients::ClientAccountId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(Clients::CompanyId).string_len(7).null())
                    .col(ColumnDef::new(Clients::Email).string().not_null())
                    .col(ColumnDef::new(Clients::Name).string().null())
                    .col(ColumnDef::new(Clients::SortName).string().not_null())
                    .col(ColumnDef::new(Clients::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Clients::StatusRank)
                            .small_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Clients::InvitedVia).string_len(8).not_null())
                    .col(
                        ColumnDef::new(Clients::InvitedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Clients::LastInviteSentAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Clients::TrialEndsAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Clients::Table, Clients::PartnerAccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Clients::Table, Clients::ClientAccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // One row per client email per partner: inviting again is a conflict.
        manager
            .create_index(
                Index::create()
                    .name("clients_partner_email_key")
                    .table(Clients::Table)
                    .col(Clients::PartnerAccountId)
                    .col(Clients::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Keyset pagination of the client list, one index per sort order.
        for (name, col) in [
            ("clients_partner_name_idx", Clients::SortName),
            ("clients_partner_status_idx", Clients::StatusRank),
            ("clients_partner_invited_idx", Clients::InvitedAt),
            ("clients_partner_trial_idx", Clients::TrialEndsAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Clients::Table)
                        .col(Clients::PartnerAccountId)
                        .col(col)
                        .col(Clients::Id)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("clients_client_account_idx")
                    .table(Clients::Table)
                    .col(Clients::ClientAccountId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Invites::Table)
                    .col(
                        ColumnDef::new(Invites::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Invites::ClientId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Invites::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Invites::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Invites::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Invites::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invites::Table, Invites::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("invites_client_idx")
                    .table(Invites::Table)
                    .col(Invites::ClientId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PasswordTokens::Table)
                    .col(
                        ColumnDef::new(PasswordTokens::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PasswordTokens::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PasswordTokens::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(PasswordTokens::Purpose)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PasswordTokens::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PasswordTokens::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PasswordTokens::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PasswordTokens::Table, PasswordTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PasswordTokens::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Invites::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Clients::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("accounts_invite_code_key")
                    .table(Accounts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .drop_column(Accounts::InviteCode)
                    .to_owned(),
            )
            .await
    }
}
