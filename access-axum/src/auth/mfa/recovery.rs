//! Recovery codes: ten at a time, each 16 characters of Crockford's base32 (80 random bits)
//! shown as `xxxx-xxxx-xxxx-xxxx`, stored as SHA-256 hashes (they are random, so a fast hash
//! suffices, as for the other opaque tokens), each used once. Making a new set removes the
//! old one.

use rand::Rng as _;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::auth::tokens::token_hash;
use crate::db::recovery_code;
use crate::error::ApiError;

/// Codes per set.
pub(super) const COUNT: usize = 10;
/// Characters per code (without the dashes).
const LEN: usize = 16;
/// Crockford's base32, lowercase: no `i`, `l`, `o`, `u`.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A new set of codes, as shown to the user.
pub(super) fn generate() -> Vec<String> {
    (0..COUNT)
        .map(|_| {
            let mut b = [0u8; LEN];
            rand::rng().fill_bytes(&mut b);
            let chars: Vec<char> = b
                .iter()
                .map(|x| char::from(ALPHABET[usize::from(x & 31)]))
                .collect();
            chars
                .chunks(4)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// `code` as stored before hashing: lowercase, without dashes or spaces, `i`/`l` read as `1`
/// and `o` as `0` (Crockford's rule); `None` when it is not a recovery code.
pub(super) fn normalize(code: &str) -> Option<String> {
    if code.len() > 64 {
        return None;
    }
    let c: String = code
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| match c.to_ascii_lowercase() {
            'i' | 'l' => '1',
            'o' => '0',
            c => c,
        })
        .collect();
    (c.len() == LEN && c.bytes().all(|b| ALPHABET.contains(&b))).then_some(c)
}

/// The stored hash of a code.
pub(super) fn hash(code: &str) -> Option<String> {
    normalize(code).map(|c| token_hash(&c))
}

/// Replaces `user_id`'s codes with `codes`, in `db` (a write transaction).
pub(super) async fn replace(
    db: &impl ConnectionTrait,
    user_id: i64,
    codes: &[String],
    now: i64,
) -> Result<(), ApiError> {
    remove(db, user_id).await?;
    let rows = codes
        .iter()
        .filter_map(|c| hash(c))
        .map(|h| recovery_code::ActiveModel {
            user_id: Set(user_id),
            code_hash: Set(h),
            used_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        });
    recovery_code::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Removes every code of `user_id`.
pub(super) async fn remove(db: &impl ConnectionTrait, user_id: i64) -> Result<(), ApiError> {
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// How many unused codes `user_id` has.
pub(super) async fn left(db: &impl ConnectionTrait, user_id: i64) -> Result<usize, ApiError> {
    let n = recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(db)
        .await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_ten_distinct_and_read_back_leniently() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        let mut distinct = codes.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), COUNT);
        for c in &codes {
            assert_eq!(c.len(), 19, "{c}");
            let plain = c.replace('-', "");
            assert_eq!(normalize(c).as_deref(), Some(plain.as_str()));
            assert_eq!(hash(&c.to_uppercase()), hash(c));
            assert_eq!(hash(&format!(" {plain} ")), hash(c));
        }
        assert_eq!(
            normalize("0O1I-lL00-0000-0000").as_deref(),
            Some("0011110000000000")
        );
        for bad in [
            "",
            "123456",
            "uuuu-uuuu-uuuu-uuuu",
            "abcd-abcd-abcd-abc",
            "ä".repeat(16).as_str(),
        ] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
        assert_eq!(normalize(&"a".repeat(100_000)), None);
    }
}
