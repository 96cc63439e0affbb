use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    AccountId,
    Email,
    Role,
    Active,
}

const NAME: &str = "users_account_email_role_active_idx";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Every row of a client-list page looks up the calling partner user's own user
        // row in that client account, for its role and state ("Log in", "Reset
        // password"). With both in the index the lookup never visits the table: about
        // 10–15% more pages a second from PostgreSQL (scripts/bench list).
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(Users::Table)
                    .col(Users::AccountId)
                    .col(Users::Email)
                    .col(Users::Role)
                    .col(Users::Active)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Users::Table).to_owned())
            .await
    }
}
