use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sessions {
    Table,
    OpenedByUserId,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Plan,
    SubscribedAt,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    Status,
    TrialEndsAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    Action,
    ActorUserId,
    OnBehalfOfUserId,
    AccountId,
    PartnerAccountId,
    TargetClientId,
    Detail,
    Ip,
    RequestId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A session opened by `logInToClient` records the partner user who opened it.
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .add_column(
                        ColumnDef::new(Sessions::OpenedByUserId)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .add_column(ColumnDef::new(Accounts::Plan).string_len(64).null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .add_column(
                        ColumnDef::new(Accounts::SubscribedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        // The trial sweep's scan: trials that have ended.
        manager
            .create_index(
                Index::create()
                    .name("clients_status_trial_idx")
                    .table(Clients::Table)
                    .col(Clients::Status)
                    .col(Clients::TrialEndsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(
                        ColumnDef::new(AuditEvents::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::Action)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::ActorUserId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::OnBehalfOfUserId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(AuditEvents::AccountId).big_integer().null())
                    .col(
                        ColumnDef::new(AuditEvents::PartnerAccountId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::TargetClientId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(AuditEvents::Detail).text().null())
                    .col(ColumnDef::new(AuditEvents::Ip).string_len(64).null())
                    .col(ColumnDef::new(AuditEvents::RequestId).string_len(64).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_events_partner_idx")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::PartnerAccountId)
                    .col(AuditEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("clients_status_trial_idx")
                    .table(Clients::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .drop_column(Accounts::SubscribedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .drop_column(Accounts::Plan)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .drop_column(Sessions::OpenedByUserId)
                    .to_owned(),
            )
            .await
    }
}
