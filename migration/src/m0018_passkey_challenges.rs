//! Passkey ceremonies under way (issue 25, SPEC §12): the state `webauthn-rs` keeps
//! between the options a browser gets and the credential or assertion it answers, so
//! that any gateway can finish what another began. Each is used once and lasts minutes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PasskeyChallenges {
    Table,
    Id,
    UserId,
    SessionId,
    Purpose,
    State,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PasskeyChallenges::Table)
                    .col(
                        ColumnDef::new(PasskeyChallenges::Id)
                            .string_len(36)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PasskeyChallenges::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PasskeyChallenges::SessionId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PasskeyChallenges::Purpose)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(PasskeyChallenges::State).text().not_null())
                    .col(
                        ColumnDef::new(PasskeyChallenges::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PasskeyChallenges::Table, PasskeyChallenges::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("passkey_challenges_user_idx")
                    .table(PasskeyChallenges::Table)
                    .col(PasskeyChallenges::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PasskeyChallenges::Table).to_owned())
            .await
    }
}
