use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    ClaimedUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A send job claims its delivery until this time with a conditional UPDATE, so two
        // workers holding a job for the same delivery (an orphan re-run, a re-dispatched
        // job) never both send it.
        manager
            .alter_table(
                Table::alter()
                    .table(Deliveries::Table)
                    .add_column(
                        ColumnDef::new(Deliveries::ClaimedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Deliveries::Table)
                    .drop_column(Deliveries::ClaimedUntil)
                    .to_owned(),
            )
            .await
    }
}
