//! Access the client controls (issue 26, SPEC §13): which of the firm's clients each
//! member sees (`users.client_scope`, `client_assignees`), the access grant behind a firm
//! person's seat in a client account (`access_grants`: requested, approved with a role
//! and an end, declined, expired, revoked), every session a firm person had in a client
//! account for the client's log (`access_sessions`), and the firm's rule that entering a
//! client needs a reason (`accounts.access_reason_required`). The seats that exist
//! become ACTIVE grants with no end: what they were.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    ClientScope,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    AccessReasonRequired,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ClientAssignees {
    Table,
    ClientId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AccessGrants {
    Table,
    Id,
    ClientAccountId,
    FirmAccountId,
    PersonId,
    Role,
    Status,
    Reason,
    RequestedAt,
    DecidedAt,
    DecidedBy,
    ExpiresAt,
    Warned14At,
    Warned3At,
}

#[derive(DeriveIden)]
enum AccessSessions {
    Table,
    Id,
    SessionId,
    ClientAccountId,
    FirmAccountId,
    PersonId,
    SeatUserId,
    StartedAt,
    ExpiresAt,
    EndedAt,
    Reason,
    Ip,
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn big(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn at(col: impl IntoIden, null: bool) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    c.timestamp_with_time_zone();
    if null {
        c.null();
    } else {
        c.not_null();
    }
    c.to_owned()
}

fn cascade(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Users::ClientScope)
                            .string_len(16)
                            .not_null()
                            .default("ALL_CLIENTS"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .add_column(
                        ColumnDef::new(Accounts::AccessReasonRequired)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ClientAssignees::Table)
                    .col(big(ClientAssignees::ClientId))
                    .col(big(ClientAssignees::UserId))
                    .col(at(ClientAssignees::CreatedAt, false))
                    .primary_key(
                        Index::create()
                            .col(ClientAssignees::ClientId)
                            .col(ClientAssignees::UserId),
                    )
                    .foreign_key(&mut cascade(
                        (ClientAssignees::Table, ClientAssignees::ClientId),
                        (Clients::Table, Clients::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (ClientAssignees::Table, ClientAssignees::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("client_assignees_user_idx")
                    .table(ClientAssignees::Table)
                    .col(ClientAssignees::UserId)
                    .col(ClientAssignees::ClientId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccessGrants::Table)
                    .col(id(AccessGrants::Id))
                    .col(big(AccessGrants::ClientAccountId))
                    .col(big(AccessGrants::FirmAccountId))
                    .col(big(AccessGrants::PersonId))
                    .col(ColumnDef::new(AccessGrants::Role).string_len(16).not_null())
                    .col(
                        ColumnDef::new(AccessGrants::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AccessGrants::Reason).text().null())
                    .col(at(AccessGrants::RequestedAt, false))
                    .col(at(AccessGrants::DecidedAt, true))
                    .col(ColumnDef::new(AccessGrants::DecidedBy).big_integer().null())
                    .col(at(AccessGrants::ExpiresAt, true))
                    .col(at(AccessGrants::Warned14At, true))
                    .col(at(AccessGrants::Warned3At, true))
                    .foreign_key(&mut cascade(
                        (AccessGrants::Table, AccessGrants::ClientAccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (AccessGrants::Table, AccessGrants::PersonId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("access_grants_client_person_idx")
                    .table(AccessGrants::Table)
                    .col(AccessGrants::ClientAccountId)
                    .col(AccessGrants::PersonId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("access_grants_status_expiry_idx")
                    .table(AccessGrants::Table)
                    .col(AccessGrants::Status)
                    .col(AccessGrants::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccessSessions::Table)
                    .col(id(AccessSessions::Id))
                    .col(big(AccessSessions::SessionId))
                    .col(big(AccessSessions::ClientAccountId))
                    .col(big(AccessSessions::FirmAccountId))
                    .col(big(AccessSessions::PersonId))
                    .col(big(AccessSessions::SeatUserId))
                    .col(at(AccessSessions::StartedAt, false))
                    .col(at(AccessSessions::ExpiresAt, false))
                    .col(at(AccessSessions::EndedAt, true))
                    .col(ColumnDef::new(AccessSessions::Reason).text().null())
                    .col(ColumnDef::new(AccessSessions::Ip).string_len(64).null())
                    .foreign_key(&mut cascade(
                        (AccessSessions::Table, AccessSessions::ClientAccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("access_sessions_client_idx")
                    .table(AccessSessions::Table)
                    .col(AccessSessions::ClientAccountId)
                    .col(AccessSessions::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("access_sessions_session_idx")
                    .table(AccessSessions::Table)
                    .col(AccessSessions::SessionId)
                    .to_owned(),
            )
            .await?;
        // Every seat a firm person has in one of the firm's client accounts is what the
        // client allowed until now: an ACTIVE grant with no end, in the seat's role.
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO access_grants (client_account_id, firm_account_id, person_id, role, status, requested_at, decided_at)
                 SELECT seat.account_id, c.partner_account_id, person.id, seat.role, 'ACTIVE', seat.created_at, seat.created_at
                 FROM users seat
                 JOIN clients c ON c.client_account_id = seat.account_id
                 JOIN users person ON person.account_id = c.partner_account_id AND person.email = seat.email",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            AccessSessions::Table.into_iden(),
            AccessGrants::Table.into_iden(),
            ClientAssignees::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}
