use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Clients {
    Table,
    PartnerAccountId,
    Id,
}

const NAME: &str = "clients_partner_id_idx";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The CSV export walks a partner's clients by id, a batch at a time
        // (`client_list::export_batch`): each batch starts where the last ended in this
        // index instead of rescanning the partner's rows by one of the list's orders.
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(Clients::Table)
                    .col(Clients::PartnerAccountId)
                    .col(Clients::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Clients::Table).to_owned())
            .await
    }
}
