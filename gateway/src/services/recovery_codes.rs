//! Recovery codes (SPEC §12): ten single-use codes a person writes down in case their
//! authenticator app is gone, stored only as SHA-256 (`entity::recovery_code`).

use crate::error::ApiResult;
use chrono::{DateTime, Utc};
use entity::recovery_code;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

/// Recovery codes a person holds at a time.
pub const RECOVERY_CODES: usize = 10;

/// A recovery code as stored: SHA-256 of it without spaces and dashes, lower-case.
pub fn code_hash(code: &str) -> String {
    let plain: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    hex::encode(Sha256::digest(plain.as_bytes()))
}

/// Ten new recovery codes (`xxxxx-xxxxx`).
fn fresh_codes() -> Vec<String> {
    use rand::Rng;
    // No 0/o, 1/l/i: read off paper without doubt.
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..10)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// Replaces `person_id`'s recovery codes with 10 new ones; answers them.
pub(super) async fn new_recovery_codes<C: ConnectionTrait>(
    conn: &C,
    person_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<Vec<String>> {
    let codes = fresh_codes();
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(person_id))
        .exec(conn)
        .await?;
    let rows = codes.iter().map(|c| recovery_code::ActiveModel {
        user_id: Set(person_id),
        code_hash: Set(code_hash(c)),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    });
    recovery_code::Entity::insert_many(rows).exec(conn).await?;
    Ok(codes)
}
