use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Clients {
    Table,
    UpgradeEligible,
    UpgradeDeadline,
    UpgradedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A V1 partner's clients, imported from the legacy export: whether and until when
        // each may be upgraded to V2, and when it was.
        for col in [
            ColumnDef::new(Clients::UpgradeEligible)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Clients::UpgradeDeadline)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Clients::UpgradedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Clients::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            Clients::UpgradedAt,
            Clients::UpgradeDeadline,
            Clients::UpgradeEligible,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Clients::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
