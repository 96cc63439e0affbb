use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    AccountId,
    FoldKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // `account_id`: the account an email belongs to (for an invite, the inviting
        // partner): whose audit log hears when support sends it again, and whose emails
        // support lists. `fold_key`: emails with the same key fold into one waiting
        // delivery (at most one a period), e.g. a client changing a partner's access.
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Deliveries::Table)
                    .add_column(ColumnDef::new(Deliveries::AccountId).big_integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Deliveries::Table)
                    .add_column(ColumnDef::new(Deliveries::FoldKey).string().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("deliveries_account_idx")
                    .table(Deliveries::Table)
                    .col(Deliveries::AccountId)
                    .col(Deliveries::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("deliveries_fold_key_idx")
                    .table(Deliveries::Table)
                    .col(Deliveries::FoldKey)
                    .col(Deliveries::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["deliveries_fold_key_idx", "deliveries_account_idx"] {
            manager
                .drop_index(Index::drop().name(name).table(Deliveries::Table).to_owned())
                .await?;
        }
        for col in [Deliveries::FoldKey, Deliveries::AccountId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Deliveries::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
