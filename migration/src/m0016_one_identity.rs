//! One identity per person (issue 25, SPEC §12): a firm person's seat in a client
//! account (a user row there, other than the owner, whose email is a person of the
//! client's partner firm) holds no password of its own; signing in there checks the
//! person's own. The sign-up form used to copy the partner's password hash into the
//! seat once: those copies are dropped, so an old password opens nothing.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The seats: rows of client accounts (not the owner) whose email is a user of the
/// client's partner firm. Plain SQL that PostgreSQL and SQLite read alike.
const DROP_COPIED_HASHES: &str = "
UPDATE users SET password_hash = NULL
WHERE password_hash IS NOT NULL
  AND role <> 'OWNER'
  AND EXISTS (
    SELECT 1 FROM clients c
    JOIN users f ON f.account_id = c.partner_account_id AND f.email = users.email
    WHERE c.client_account_id = users.account_id
  )";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(DROP_COPIED_HASHES)
            .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // A dropped hash cannot come back; the seats keep working through the person's
        // own password either way.
        Ok(())
    }
}
