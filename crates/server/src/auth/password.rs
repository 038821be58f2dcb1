//! Passwords: the policy a new password must meet, and Argon2 hashing and checking.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use zakupka_core::wire::Refusal;

use crate::error::AppError;

/// The shortest password `user add` and `user passwd` accept.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A new password must be at least [`MIN_PASSWORD_CHARS`] long and not guessable: zxcvbn
/// (its lists of the most common passwords, words and names, keyboard walks, dates and
/// repeats) must rate it 3 of 4 or better, "safely unguessable" against a slow hash.
/// So `password123`, `qwertyuiop` and `1234567890` are refused although long enough.
pub fn check_policy(password: &str, login: &str) -> Result<(), AppError> {
    let weak = |why: String| Err(AppError::bad(Refusal::WeakPassword, "password", why));
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return weak(format!("at least {MIN_PASSWORD_CHARS} characters"));
    }
    if password == login {
        return weak("the password is the login".into());
    }
    if zxcvbn::zxcvbn(password, &[]).score() < zxcvbn::Score::Three {
        return weak("a common password or too easy to guess: use a few unrelated words".into());
    }
    Ok(())
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal("password hashing", e))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// An Argon2 hash of no one's password, with the same parameters as real ones, checked for
/// logins that do not exist so that they take as long as those that do.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password").unwrap_or_default())
}

/// Makes the dummy hash now, so the first unknown login is not the one slower request.
pub fn warm_up() {
    dummy_hash();
}

/// Checks `password` against `hash`; an unknown login (`None`) is checked against the
/// dummy hash and fails, taking the same time.
pub fn verify(password: &str, hash: Option<&str>) -> bool {
    match hash {
        Some(h) => verify_password(password, h),
        None => {
            verify_password(password, dummy_hash());
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_common_passwords_are_refused() {
        for weak in [
            "demo",
            "short9!",
            "password123",
            "qwertyuiop",
            "1234567890",
            "iloveyou12",
        ] {
            let e = check_policy(weak, "auditor1").unwrap_err();
            assert_eq!(e.code(), Refusal::WeakPassword, "{weak}");
        }
        assert_eq!(
            check_policy("auditor1auditor1", "auditor1auditor1")
                .unwrap_err()
                .code(),
            Refusal::WeakPassword
        );
        for strong in [
            "correct horse battery",
            "Zakupka2026!",
            "auditor1-secret",
            "secret1-violet-ice",
            "secret3-violet-ice",
            "load-test-password",
            "klin-violet-ice",
        ] {
            check_policy(strong, "auditor1").unwrap();
        }
    }
}
