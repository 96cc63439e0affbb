use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Clients {
    Table,
    InviteExpiresAt,
    InviteRevokedAt,
    InviteExpiryNotifiedAt,
    LastPartnerLoginAt,
}

#[derive(DeriveIden)]
enum Invites {
    Table,
    EndedBy,
}

#[derive(DeriveIden)]
enum LegacyConnections {
    Table,
    FailureReason,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The client list shows an invite's lifecycle and a partner's access without a
        // join: when the current link stops working, whether the partner revoked it,
        // whether the partner was told it expired, and the partner's last log-in to the
        // client. One column per ALTER: SQLite adds one at a time.
        for col in [
            Clients::InviteExpiresAt,
            Clients::InviteRevokedAt,
            Clients::InviteExpiryNotifiedAt,
            Clients::LastPartnerLoginAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Clients::Table)
                        .add_column(ColumnDef::new(col).timestamp_with_time_zone().null())
                        .to_owned(),
                )
                .await?;
        }
        // Why a link stopped working before its time: REVOKED (the partner revoked the
        // invite) or REPLACED (a newer invite was sent), so its opener is told which.
        manager
            .alter_table(
                Table::alter()
                    .table(Invites::Table)
                    .add_column(ColumnDef::new(Invites::EndedBy).string_len(16).null())
                    .to_owned(),
            )
            .await?;
        // Why a Partner Connect check failed, for support (the V1 partner reads one
        // message whatever the reason).
        manager
            .alter_table(
                Table::alter()
                    .table(LegacyConnections::Table)
                    .add_column(
                        ColumnDef::new(LegacyConnections::FailureReason)
                            .text()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        // Invites already out: their newest unused link's end.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE clients SET invite_expires_at =
                   (SELECT MAX(i.expires_at) FROM invites i WHERE i.client_id = clients.id AND i.used_at IS NULL)
                 WHERE status = 'INVITED'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(LegacyConnections::Table)
                    .drop_column(LegacyConnections::FailureReason)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Invites::Table)
                    .drop_column(Invites::EndedBy)
                    .to_owned(),
            )
            .await?;
        for col in [
            Clients::InviteExpiresAt,
            Clients::InviteRevokedAt,
            Clients::InviteExpiryNotifiedAt,
            Clients::LastPartnerLoginAt,
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
