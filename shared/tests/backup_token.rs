//! Backup file and token: round trips, wrong passphrase / recovery code /
//! PIN, every region mutated, truncation at every field boundary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::rng;

use shared::crypto::password::Argon2Params;
use shared::format::backup::{self, BackupError};
use shared::format::token::{self, TokenError};
use shared::identity::{IdentitySeeds, Keyring};
use shared::recovery::RecoveryCode;

fn params() -> Argon2Params {
    Argon2Params::insecure_for_tests(64, 1).unwrap()
}

fn keyring_with_history() -> (Keyring, RecoveryCode) {
    let code = RecoveryCode::generate(&mut rng(1));
    let k0 = Keyring::new(
        IdentitySeeds::generate(0, &mut rng(2)),
        code.backup_public_key(),
    );
    let k2 = k0
        .rotated(IdentitySeeds::generate(1, &mut rng(3)))
        .rotated(IdentitySeeds::generate(2, &mut rng(4)));
    assert_eq!(k2.previous.len(), 2);
    (k2, code)
}

// Field boundaries of a backup: magic, version, suite, rotation, params,
// salt, key id, ML-KEM ct, nonce, sealed_len, sealed token.
const BACKUP_FIELDS: [usize; 11] = [0, 4, 5, 6, 10, 22, 54, 86, 1654, 1666, 1670];

#[test]
fn backup_round_trip_and_wrong_secrets() {
    let (k, code) = keyring_with_history();
    let file = backup::seal(&k, b"correct horse", &params(), &mut rng(5)).unwrap();
    assert_eq!(backup::open(&file, b"correct horse", &code), Ok(k.clone()));
    let info = backup::inspect(&file).unwrap();
    assert_eq!((info.rotation, info.params), (2, params()));

    assert_eq!(
        backup::open(&file, b"correct horsf", &code),
        Err(BackupError::WrongPassphrase)
    );
    let other = RecoveryCode::generate(&mut rng(99));
    assert_eq!(
        backup::open(&file, b"correct horse", &other),
        Err(BackupError::WrongRecoveryCode)
    );
    // A typo in the code is caught before anything else runs.
    let mut typed: Vec<char> = code.to_text().chars().collect();
    typed[0] = if typed[0] == 'A' { 'B' } else { 'A' };
    assert!(RecoveryCode::parse(&typed.into_iter().collect::<String>()).is_err());
}

#[test]
fn backup_every_region_mutated() {
    let (k, code) = keyring_with_history();
    let file = backup::seal(&k, b"pw", &params(), &mut rng(6)).unwrap();
    assert!(file.len() > 1670 + 16);
    let mut bounds = BACKUP_FIELDS.to_vec();
    bounds.push(file.len());
    for w in bounds.windows(2) {
        let (start, end) = (w[0], w[1]);
        for pos in [start, (start + end) / 2, end - 1] {
            let mut f = file.clone();
            f[pos] ^= 0x01;
            let e = backup::open(&f, b"pw", &code).expect_err("mutated backup accepted");
            let ok = match start {
                0 => e == BackupError::NotABackup,
                4 => matches!(e, BackupError::UnsupportedVersion(_)),
                5 => matches!(e, BackupError::UnsupportedSuite(_)),
                // rotation is authenticated as AAD
                6 => e == BackupError::WrongPassphrase,
                // params: out of range, or a different (valid) cost → wrong key
                10 => matches!(e, BackupError::Password(_) | BackupError::WrongPassphrase),
                54 => e == BackupError::WrongRecoveryCode,
                1666 => matches!(e, BackupError::Malformed(_)),
                _ => e == BackupError::WrongPassphrase,
            };
            assert!(ok, "byte {pos} (field at {start}): {e:?}");
        }
    }
}

#[test]
fn backup_truncation_at_every_boundary() {
    let (k, code) = keyring_with_history();
    let file = backup::seal(&k, b"pw", &params(), &mut rng(7)).unwrap();
    for &b in BACKUP_FIELDS
        .iter()
        .chain([file.len() - 16, file.len() - 1].iter())
    {
        for cut in [b.saturating_sub(1), b, b + 1] {
            if cut >= file.len() {
                continue;
            }
            let e =
                backup::open(&file[..cut], b"pw", &code).expect_err("truncated backup accepted");
            assert!(
                matches!(e, BackupError::NotABackup | BackupError::Malformed(_)),
                "cut {cut}: {e:?}"
            );
        }
    }
    let mut longer = file.clone();
    longer.push(0);
    assert_eq!(
        backup::open(&longer, b"pw", &code),
        Err(BackupError::Malformed("trailing bytes"))
    );
}

#[test]
fn argon2_policy_applies_at_creation_only() {
    assert!(Argon2Params::new(1024, 1, 1).is_err());
    assert!(Argon2Params::new(64 * 1024, 3, 1).is_ok());
}

#[test]
fn token_plain_and_pin_round_trip() {
    let (k, _) = keyring_with_history();
    let plain = token::encode_plain(&k);
    assert_eq!(token::needs_pin(&plain), Ok(false));
    assert_eq!(token::decode(&plain, None), Ok(k.clone()));
    let sealed = token::encode_pin_sealed(&k, b"1234", &params(), &mut rng(8)).unwrap();
    assert_eq!(token::needs_pin(&sealed), Ok(true));
    assert_eq!(token::decode(&sealed, None), Err(TokenError::PinRequired));
    assert_eq!(
        token::decode(&sealed, Some(b"1235")),
        Err(TokenError::WrongPin)
    );
    assert_eq!(token::decode(&sealed, Some(b"1234")), Ok(k));
}

#[test]
fn token_mutations_and_truncations() {
    let (k, _) = keyring_with_history();
    let plain = token::encode_plain(&k).to_vec();
    for cut in 0..plain.len() {
        assert!(
            token::decode(&plain[..cut], None).is_err(),
            "plain cut {cut}"
        );
    }
    let mut f = plain.clone();
    f[4] = 2;
    assert_eq!(
        token::decode(&f, None),
        Err(TokenError::UnsupportedVersion(2))
    );
    let mut f = plain.clone();
    f[5] = 9;
    assert_eq!(
        token::decode(&f, None),
        Err(TokenError::UnsupportedProtection(9))
    );
    let mut f = plain.clone();
    f.push(0);
    assert_eq!(
        token::decode(&f, None),
        Err(TokenError::Malformed("trailing bytes"))
    );
    // previous rotations out of order: set the first previous rotation to 9
    let prev = 6 + 4 + 64 + 1568 + 2;
    let mut f = plain.clone();
    f[prev..prev + 4].copy_from_slice(&9u32.to_be_bytes());
    assert_eq!(
        token::decode(&f, None),
        Err(TokenError::Malformed("rotations out of order"))
    );

    let sealed = token::encode_pin_sealed(&k, b"1234", &params(), &mut rng(9)).unwrap();
    for pos in [6, 20, 40, 60, 65, 70, sealed.len() / 2, sealed.len() - 1] {
        let mut f = sealed.clone();
        f[pos] ^= 1;
        assert!(
            token::decode(&f, Some(b"1234")).is_err(),
            "sealed byte {pos}"
        );
    }
    for cut in [0, 5, 6, 17, 50, 62, 66, 70, sealed.len() - 1] {
        assert!(
            token::decode(&sealed[..cut], Some(b"1234")).is_err(),
            "sealed cut {cut}"
        );
    }
}
