//! Protocol tests: round trips, every bad input, the crash matrix, the
//! audit log, and the native folder implementation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::rc::Rc;

use futures_executor::block_on;
use rand_core::SeedableRng;

use super::audit::{self, AuditProblem, Event};
use super::layout;
use super::testing::{MemDrive, Power, Store};
use super::*;
use crate::crypto::password::Argon2Params;
use crate::format::backup;
use crate::format::token::TokenError;
use crate::identity::Keyring;
use crate::recovery::{RecoveryCode, RecoveryCodeError};

const NOW: UnixTime = UnixTime(1_795_435_200);
const PASS: &[u8] = b"correct horse battery staple";

type Rng = chacha20::ChaCha20Rng;

fn rng(seed: u8) -> Rng {
    Rng::from_seed([seed; 32])
}

fn params() -> Argon2Params {
    Argon2Params::insecure_for_tests(8, 1).unwrap()
}

fn drives(power: &Rc<Power>) -> (MemDrive, MemDrive) {
    (MemDrive::new("/media/usb1/QuantumVault", power.clone()), MemDrive::new("/media/usb2/QuantumVault", power.clone()))
}

fn set_up(pin: Option<&[u8]>) -> (MemDrive, MemDrive, InitOutcome) {
    let (p, b) = drives(&Power::unlimited());
    let out = block_on(init(&p, &b, PASS, pin, &params(), NOW, &mut rng(1))).unwrap();
    (p, b, out)
}

fn names(store: &Store) -> Vec<String> {
    store.files.keys().cloned().collect()
}

fn fp(k: &Keyring) -> crate::identity::Fingerprint {
    k.current.identity().public().fingerprint()
}

// ---------------------------------------------------------------- round trips

#[test]
fn drive_init_unlock_round_trip() {
    let (p, b, out) = set_up(None);
    assert_eq!(names(&p.snapshot()), ["audit.log", "state.json", "token_0.bin"]);
    assert_eq!(names(&b.snapshot()), [".system_backup/backup_0.enc", ".system_backup/pair.json"]);
    let u = block_on(unlock(&p, None, UnixTime(NOW.0 + 60))).unwrap();
    assert_eq!(u, out.unlocked);
    assert_eq!(u.state.rotation, 0);
    assert_eq!(u.state.fingerprint, fp(&u.keyring));
    let report = block_on(audit::read_and_verify(&p, &u.keyring)).unwrap();
    assert_eq!(report.problem, None);
    let events: Vec<Event> = report.entries.iter().map(|e| e.event).collect();
    assert_eq!(events, [Event::Init, Event::Unlock]);
    // The backup opens with passphrase + the one recovery code, to the same keyring.
    let sealed = b.get(&layout::backup(0)).unwrap();
    assert_eq!(backup::open(&sealed, PASS, &out.recovery_code).unwrap(), u.keyring);
}

#[test]
fn drive_pin_protected_token() {
    let (p, _b, out) = set_up(Some(b"2468"));
    assert_eq!(
        block_on(unlock(&p, None, NOW)),
        Err(DriveError::Token { rotation: 0, source: TokenError::PinRequired })
    );
    assert_eq!(
        block_on(unlock(&p, Some(b"1357"), NOW)),
        Err(DriveError::Token { rotation: 0, source: TokenError::WrongPin })
    );
    assert_eq!(block_on(unlock(&p, Some(b"2468"), NOW)).unwrap().keyring, out.unlocked.keyring);
}

#[test]
fn drive_rotate_keeps_old_kem_keys_and_is_compare_and_swap() {
    let (p, b, out) = set_up(Some(b"11"));
    let old = out.unlocked.keyring;
    let r1 = block_on(rotate(&p, &b, Some(b"11"), PASS, 0, &params(), NOW, &mut rng(2))).unwrap();
    assert_eq!(r1.state.rotation, 1);
    assert_ne!(fp(&r1.keyring), fp(&old));
    assert_eq!(r1.keyring.previous.len(), 1);
    assert_eq!(r1.keyring.previous[0].fingerprint, fp(&old));
    assert!(r1.keyring.kem_key_for(&fp(&old)).is_some());
    assert_eq!(names(&p.snapshot()), ["audit.log", "state.json", "token_1.bin"]);
    assert_eq!(names(&b.snapshot()), [".system_backup/backup_1.enc", ".system_backup/pair.json"]);
    // A stale caller (still believing rotation 0) gets a conflict and changes nothing.
    let (ps, bs) = (p.snapshot(), b.snapshot());
    assert_eq!(
        block_on(rotate(&p, &b, Some(b"11"), PASS, 0, &params(), NOW, &mut rng(3))),
        Err(DriveError::RotationConflict { expected: 0, found: 1 })
    );
    assert_eq!((p.snapshot(), b.snapshot()), (ps, bs));
    assert_eq!(block_on(unlock(&p, Some(b"11"), NOW)).unwrap().keyring, r1.keyring);
    let r2 = block_on(rotate(&p, &b, Some(b"11"), PASS, 1, &params(), NOW, &mut rng(4))).unwrap();
    assert_eq!(r2.keyring.previous.len(), 2);
    let log = block_on(audit::read_and_verify(&p, &r2.keyring)).unwrap();
    assert_eq!(log.problem, None);
    assert_eq!(log.entries.last().map(|e| (e.event, e.rotation)), Some((Event::Rotate, 2)));
}

/// Another writer commits rotation 1 while our rotation is between its
/// first check and its commit: the second compare-and-swap catches it and
/// our uncommitted files are cleaned by the next open.
#[test]
fn drive_rotate_detects_a_commit_in_between() {
    struct Racing {
        inner: MemDrive,
        other_state: Vec<u8>,
    }
    impl Drive for Racing {
        fn describe(&self) -> String {
            self.inner.describe()
        }
        async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, IoError> {
            self.inner.read(path).await
        }
        async fn write_atomic(&self, path: &str, data: &[u8]) -> Result<(), IoError> {
            self.inner.write_atomic(path, data).await?;
            if path == layout::token(1) {
                self.inner.put(layout::STATE, &self.other_state);
            }
            Ok(())
        }
        async fn list(&self, dir: &str) -> Result<Option<Vec<Entry>>, IoError> {
            self.inner.list(dir).await
        }
        async fn remove(&self, path: &str) -> Result<(), IoError> {
            self.inner.remove(path).await
        }
        async fn create_dir(&self, path: &str) -> Result<(), IoError> {
            self.inner.create_dir(path).await
        }
        async fn relation_to(&self, other: &Self) -> Result<Relation, IoError> {
            self.inner.relation_to(&other.inner).await
        }
    }
    let (p, b, out) = set_up(None);
    let mut theirs = out.unlocked.state.clone();
    theirs.rotation = 1;
    let p = Racing { inner: p, other_state: theirs.to_bytes() };
    let b = Racing { inner: b, other_state: Vec::new() };
    assert_eq!(
        block_on(rotate(&p, &b, None, PASS, 0, &params(), NOW, &mut rng(2))).map(|_| ()),
        Err(DriveError::RotationConflict { expected: 0, found: 1 })
    );
    assert_eq!(p.inner.get(layout::STATE), Some(theirs.to_bytes()), "their commit stands");
}

#[test]
fn drive_restore_after_losing_primary() {
    let (p, b, out) = set_up(None);
    let r1 = block_on(rotate(&p, &b, None, PASS, 0, &params(), NOW, &mut rng(2))).unwrap();
    drop(p); // the primary is lost
    let fresh = MemDrive::new("/media/usb3/QV", Power::unlimited());
    let code = out.recovery_code.to_text();
    let restored = block_on(restore(&b, &fresh, PASS, &code, None, &params(), NOW, &mut rng(5))).unwrap();
    assert_eq!(restored.keyring, r1.keyring);
    assert_eq!(restored.state.pair_id, r1.state.pair_id);
    assert_ne!(restored.state.device_id, r1.state.device_id);
    let u = block_on(unlock(&fresh, None, NOW)).unwrap();
    assert_eq!(fp(&u.keyring), fp(&r1.keyring));
    assert!(block_on(verify_backup(&fresh, &b, PASS, &code.to_lowercase())).is_ok());
    let log = block_on(audit::read_and_verify(&fresh, &u.keyring)).unwrap();
    assert_eq!(log.problem, None);
    assert_eq!(log.entries[0].event, Event::Restore);
    // The restored drive rotates on like the original.
    block_on(rotate(&fresh, &b, None, PASS, 1, &params(), NOW, &mut rng(6))).unwrap();
}

#[test]
fn drive_verify_backup_reports_and_writes_nothing() {
    let (p, b, out) = set_up(None);
    let code = out.recovery_code.to_text();
    let before = (p.snapshot(), b.snapshot());
    let ok = block_on(verify_backup(&p, &b, PASS, &code)).unwrap();
    assert_eq!((ok.rotation, ok.fingerprint), (0, out.unlocked.state.fingerprint));
    assert_eq!(block_on(verify_backup(&p, &b, b"wrong", &code)), Err(DriveError::WrongPassphrase));
    let other = RecoveryCode::generate(&mut rng(9)).to_text();
    assert_eq!(block_on(verify_backup(&p, &b, PASS, &other)), Err(DriveError::WrongRecoveryCode));
    // One character changed: a typo, named before any slow work.
    let mut typo: Vec<char> = code.chars().collect();
    typo[0] = if typo[0] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    assert_eq!(
        block_on(verify_backup(&p, &b, PASS, &typo)),
        Err(DriveError::RecoveryCodeTypo(RecoveryCodeError::Typo))
    );
    assert!(matches!(
        block_on(verify_backup(&p, &b, PASS, "ABC")),
        Err(DriveError::RecoveryCodeTypo(RecoveryCodeError::WrongLength { got: 3 }))
    ));
    assert!(matches!(
        block_on(verify_backup(&p, &b, PASS, &code.replace('-', "!"))),
        Err(DriveError::RecoveryCodeTypo(RecoveryCodeError::InvalidCharacter { .. }))
    ));
    assert_eq!((p.snapshot(), b.snapshot()), before);
    // A damaged backup is reported by verify.
    let mut sealed = b.get(&layout::backup(0)).unwrap();
    sealed.truncate(100);
    b.put(&layout::backup(0), &sealed);
    assert!(matches!(block_on(verify_backup(&p, &b, PASS, &code)), Err(DriveError::BadBackup { .. })));
    b.delete(&layout::backup(0));
    assert!(matches!(
        block_on(verify_backup(&p, &b, PASS, &code)),
        Err(DriveError::MissingFile { role: DriveRole::Backup, .. })
    ));
}

#[test]
fn drive_change_passphrase() {
    let (p, b, out) = set_up(None);
    let code = out.recovery_code.to_text();
    block_on(change_passphrase(&p, &b, None, b"new pass", &params(), NOW, &mut rng(7))).unwrap();
    assert_eq!(block_on(verify_backup(&p, &b, PASS, &code)), Err(DriveError::WrongPassphrase));
    assert!(block_on(verify_backup(&p, &b, b"new pass", &code)).is_ok());
    let u = block_on(unlock(&p, None, NOW)).unwrap();
    assert_eq!(u.keyring, out.unlocked.keyring);
    let log = block_on(audit::read_and_verify(&p, &u.keyring)).unwrap();
    assert!(log.entries.iter().any(|e| e.event == Event::PassphraseChange));
}

#[test]
fn drive_replace_lost_backup() {
    let (p, b, out) = set_up(None);
    let code = out.recovery_code.to_text();
    let r1 = block_on(rotate(&p, &b, None, PASS, 0, &params(), NOW, &mut rng(2))).unwrap();
    drop(b); // the backup drive is lost
    let nb = MemDrive::new("/media/usb4/QV", Power::unlimited());
    // Refused: the primary itself, a folder with foreign files, another pair's backup.
    assert_eq!(
        block_on(replace_backup(&p, &p.alias(), None, PASS, &params(), NOW, &mut rng(3))),
        Err(DriveError::SameFolder)
    );
    let (_, other_b, _) = {
        let (p2, b2) = (MemDrive::new("/w/p", Power::unlimited()), MemDrive::new("/w/b", Power::unlimited()));
        let o = block_on(init(&p2, &b2, PASS, None, &params(), NOW, &mut rng(9))).unwrap();
        (p2, b2, o)
    };
    let before = other_b.snapshot();
    assert_eq!(
        block_on(replace_backup(&p, &other_b, None, PASS, &params(), NOW, &mut rng(3))),
        Err(DriveError::AlreadyInUse { role: DriveRole::Backup })
    );
    assert_eq!(other_b.snapshot(), before);
    // Crash at every step: the identity is untouched and a re-run completes.
    let steps = crash_matrix(
        (&p, &nb),
        |p, b| block_on(replace_backup(p, b, None, PASS, &params(), NOW, &mut rng(3))),
        |p, b| {
            assert_eq!(block_on(unlock(&p, None, NOW)).unwrap().keyring, r1.keyring);
            block_on(replace_backup(&p, &b, None, PASS, &params(), NOW, &mut rng(4))).unwrap();
            assert_eq!(block_on(verify_backup(&p, &b, PASS, &code)).unwrap().rotation, 1);
        },
    );
    // mkdir, pair (2), backup (2), audit (2)
    assert_eq!(steps, 7);
    block_on(replace_backup(&p, &nb, None, PASS, &params(), NOW, &mut rng(3))).unwrap();
    assert_eq!(block_on(verify_backup(&p, &nb, PASS, &code)).unwrap().fingerprint, r1.state.fingerprint);
    block_on(rotate(&p, &nb, None, PASS, 1, &params(), NOW, &mut rng(5))).unwrap();
}

// ---------------------------------------------------------------- bad input

#[test]
fn drive_refuses_same_or_nested_folders() {
    let power = Power::unlimited();
    let a = MemDrive::new("/media/usb1/QV", power.clone());
    let inner = MemDrive::new("/media/usb1/QV/backup", power.clone());
    let run = |p: &MemDrive, b: &MemDrive| block_on(init(p, b, PASS, None, &params(), NOW, &mut rng(1)));
    assert_eq!(run(&a, &a.alias()).map(|_| ()), Err(DriveError::SameFolder));
    assert_eq!(run(&a, &inner).map(|_| ()), Err(DriveError::NestedFolders));
    assert_eq!(run(&inner, &a).map(|_| ()), Err(DriveError::NestedFolders));
    assert!(a.snapshot().files.is_empty() && inner.snapshot().files.is_empty());
    // Also on an existing identity.
    let (p, _b, out) = set_up(None);
    let code = out.recovery_code.to_text();
    assert_eq!(block_on(verify_backup(&p, &p.alias(), PASS, &code)), Err(DriveError::SameFolder));
    assert_eq!(
        block_on(rotate(&p, &p.alias(), None, PASS, 0, &params(), NOW, &mut rng(2))).map(|_| ()),
        Err(DriveError::SameFolder)
    );
}

#[test]
fn drive_refuses_foreign_files_and_used_folders() {
    let (p, b) = drives(&Power::unlimited());
    p.put("holiday.jpg", b"...");
    let r = block_on(init(&p, &b, PASS, None, &params(), NOW, &mut rng(1)));
    assert_eq!(
        r.map(|_| ()),
        Err(DriveError::ForeignFiles { role: DriveRole::Primary, names: vec!["holiday.jpg".into()] })
    );
    p.delete("holiday.jpg");
    p.put(".DS_Store", b"os noise is fine");
    b.put("report.docx", b"...");
    assert!(matches!(
        block_on(init(&p, &b, PASS, None, &params(), NOW, &mut rng(1))),
        Err(DriveError::ForeignFiles { role: DriveRole::Backup, .. })
    ));
    assert_eq!(b.get("report.docx").as_deref(), Some(&b"..."[..]));
    // A set-up identity is never overwritten by a second set-up or a restore.
    let (p, b, out) = set_up(None);
    let before = (p.snapshot(), b.snapshot());
    let (p2, b2) = (MemDrive::new("/x/p", Power::unlimited()), MemDrive::new("/x/b", Power::unlimited()));
    assert!(matches!(
        block_on(init(&p, &b2, PASS, None, &params(), NOW, &mut rng(3))),
        Err(DriveError::AlreadyInUse { role: DriveRole::Primary })
    ));
    assert!(matches!(
        block_on(init(&p2, &b, PASS, None, &params(), NOW, &mut rng(3))),
        Err(DriveError::AlreadyInUse { role: DriveRole::Backup })
    ));
    let code = out.recovery_code.to_text();
    assert!(matches!(
        block_on(restore(&b, &p, PASS, &code, None, &params(), NOW, &mut rng(3))),
        Err(DriveError::AlreadyInUse { role: DriveRole::Primary })
    ));
    assert_eq!((p.snapshot(), b.snapshot()), before);
}

#[test]
fn drive_reports_swapped_drives() {
    let (p, b, out) = set_up(None);
    let code = out.recovery_code.to_text();
    assert_eq!(block_on(unlock(&b, None, NOW)), Err(DriveError::BackupPickedAsPrimary));
    assert_eq!(
        block_on(rotate(&b, &p, None, PASS, 0, &params(), NOW, &mut rng(2))).map(|_| ()),
        Err(DriveError::BackupPickedAsPrimary)
    );
    assert_eq!(
        block_on(restore(&p, &b, PASS, &code, None, &params(), NOW, &mut rng(2))).map(|_| ()),
        Err(DriveError::PrimaryPickedAsBackup)
    );
    let fresh = MemDrive::new("/media/usb9/QV", Power::unlimited());
    assert_eq!(
        block_on(init(&fresh, &p, PASS, None, &params(), NOW, &mut rng(2))).map(|_| ()),
        Err(DriveError::PrimaryPickedAsBackup)
    );
    assert_eq!(
        block_on(init(&b, &fresh, PASS, None, &params(), NOW, &mut rng(2))).map(|_| ()),
        Err(DriveError::BackupPickedAsPrimary)
    );
}

#[test]
fn drive_reports_a_backup_of_another_pair() {
    let (p, _b, _) = set_up(None);
    let (p2, b2) = (MemDrive::new("/y/p", Power::unlimited()), MemDrive::new("/y/b", Power::unlimited()));
    let other = block_on(init(&p2, &b2, PASS, None, &params(), NOW, &mut rng(8))).unwrap();
    let before = b2.snapshot();
    assert!(matches!(
        block_on(rotate(&p, &b2, None, PASS, 0, &params(), NOW, &mut rng(2))),
        Err(DriveError::DifferentPair { .. })
    ));
    assert!(matches!(
        block_on(verify_backup(&p, &b2, PASS, &other.recovery_code.to_text())),
        Err(DriveError::DifferentPair { .. })
    ));
    assert_eq!(b2.snapshot(), before);
}

#[test]
fn drive_reports_missing_garbage_and_truncated_files() {
    let empty = MemDrive::new("/e", Power::unlimited());
    assert_eq!(block_on(unlock(&empty, None, NOW)), Err(DriveError::NoIdentity { role: DriveRole::Primary }));

    let (p, _b, out) = set_up(None);
    let state = p.get(layout::STATE).unwrap();
    let token = p.get(&layout::token(0)).unwrap();

    p.put(layout::STATE, b"{\"format\":1,\"rotation\":");
    assert!(matches!(block_on(unlock(&p, None, NOW)), Err(DriveError::BadState(_))));
    p.put(layout::STATE, b"\x00\x01garbage");
    assert!(matches!(block_on(unlock(&p, None, NOW)), Err(DriveError::BadState(_))));
    p.delete(layout::STATE);
    assert_eq!(
        block_on(unlock(&p, None, NOW)),
        Err(DriveError::MissingFile { role: DriveRole::Primary, name: "state.json".into() })
    );
    // A missing state.json never makes recovery delete the token.
    assert_eq!(p.get(&layout::token(0)), Some(token.clone()));
    p.put(layout::STATE, &state);

    p.put(&layout::token(0), &token[..token.len() / 2]);
    assert!(matches!(
        block_on(unlock(&p, None, NOW)),
        Err(DriveError::Token { rotation: 0, source: TokenError::Malformed(_) })
    ));
    p.put(&layout::token(0), b"PK\x03\x04 a zip file");
    assert!(matches!(
        block_on(unlock(&p, None, NOW)),
        Err(DriveError::Token { rotation: 0, source: TokenError::NotAToken })
    ));
    p.delete(&layout::token(0));
    assert_eq!(
        block_on(unlock(&p, None, NOW)),
        Err(DriveError::MissingFile { role: DriveRole::Primary, name: "token_0.bin".into() })
    );
    // A token of another identity under the right name.
    let (p2, _b2, _) = {
        let (p2, b2) = (MemDrive::new("/z/p", Power::unlimited()), MemDrive::new("/z/b", Power::unlimited()));
        let o = block_on(init(&p2, &b2, PASS, None, &params(), NOW, &mut rng(9))).unwrap();
        (p2, b2, o)
    };
    p.put(&layout::token(0), &p2.get(&layout::token(0)).unwrap());
    assert_eq!(block_on(unlock(&p, None, NOW)), Err(DriveError::TokenMismatch { rotation: 0, what: "fingerprint" }));
    p.put(&layout::token(0), &token);
    assert_eq!(block_on(unlock(&p, None, NOW)).unwrap().keyring, out.unlocked.keyring);
}

#[test]
fn drive_restore_bad_inputs() {
    let (_p, b, out) = set_up(None);
    let code = out.recovery_code.to_text();
    let fresh = MemDrive::new("/n/p", Power::unlimited());
    let run = |pass: &[u8], code: &str| {
        block_on(restore(&b, &fresh, pass, code, None, &params(), NOW, &mut rng(4))).map(|_| ())
    };
    assert_eq!(run(b"nope", &code), Err(DriveError::WrongPassphrase));
    let other = RecoveryCode::generate(&mut rng(10)).to_text();
    assert_eq!(run(PASS, &other), Err(DriveError::WrongRecoveryCode));
    assert_eq!(
        run(PASS, &code[..code.len() - 1]),
        Err(DriveError::RecoveryCodeTypo(RecoveryCodeError::WrongLength { got: 55 }))
    );
    assert!(fresh.snapshot().files.is_empty(), "failed restores write nothing");
    let empty = MemDrive::new("/n/b", Power::unlimited());
    assert_eq!(
        block_on(restore(&empty, &fresh, PASS, &code, None, &params(), NOW, &mut rng(4))).map(|_| ()),
        Err(DriveError::NoIdentity { role: DriveRole::Backup })
    );
    b.delete(&layout::backup(0));
    assert!(matches!(run(PASS, &code), Err(DriveError::MissingFile { role: DriveRole::Backup, .. })));
}

#[test]
fn drive_recovery_never_removes_the_only_copy() {
    let (p, b, out) = set_up(None);
    // Leftovers of an interrupted rotation, and temp files from a torn write.
    p.put(&layout::token(1), b"leftover");
    p.put("state.json.qvtmp", b"torn");
    p.put("token_0.bin.crswap", b"swap");
    b.put(&layout::backup(1), b"leftover");
    p.put("notes.txt", b"user file");
    let (_, report) = block_on(recover_interrupted(&p, Some(&b))).unwrap();
    assert_eq!(report.foreign, ["notes.txt"]);
    assert_eq!(report.backup_current, Some(true));
    assert_eq!(names(&p.snapshot()), ["audit.log", "notes.txt", "state.json", "token_0.bin"]);
    assert_eq!(names(&b.snapshot()), [".system_backup/backup_0.enc", ".system_backup/pair.json"]);
    // If the file state.json names is gone, the others are kept.
    b.delete(&layout::backup(0));
    b.put(&layout::backup(1), b"maybe needed");
    let (_, report) = block_on(recover_interrupted(&p, Some(&b))).unwrap();
    assert_eq!(report.backup_current, Some(false));
    assert!(b.get(&layout::backup(1)).is_some());
    assert_eq!(block_on(unlock(&p, None, NOW)).unwrap().keyring, out.unlocked.keyring);
}

#[test]
fn drive_reports_a_damaged_pair_file() {
    let (p, b, out) = set_up(None);
    b.put(layout::PAIR, b"{\"format\":1}");
    let code = out.recovery_code.to_text();
    assert!(matches!(block_on(verify_backup(&p, &b, PASS, &code)), Err(DriveError::BadPairFile(_))));
    assert!(matches!(
        block_on(rotate(&p, &b, None, PASS, 0, &params(), NOW, &mut rng(2))),
        Err(DriveError::BadPairFile(_))
    ));
    let msg = DriveError::BadPairFile(super::state::StateError::Missing("pair_id")).to_string();
    assert!(msg.contains("backup drive"), "{msg}");
}

#[test]
fn drive_error_messages_name_the_problem() {
    let cases = [
        (DriveError::SameFolder, "same folder"),
        (DriveError::NestedFolders, "inside the other"),
        (DriveError::BackupPickedAsPrimary, "swapped"),
        (DriveError::PrimaryPickedAsBackup, "swapped"),
        (DriveError::WrongPassphrase, "wrong passphrase"),
        (DriveError::WrongRecoveryCode, "does not belong to this backup"),
        (DriveError::RecoveryCodeTypo(RecoveryCodeError::Typo), "typo"),
        (DriveError::RotationConflict { expected: 1, found: 2 }, "reload"),
        (DriveError::NoIdentity { role: DriveRole::Primary }, "restore"),
        (DriveError::ForeignFiles { role: DriveRole::Backup, names: vec!["a.txt".into()] }, "a.txt"),
        (DriveError::DifferentPair { primary: "aa".into(), backup: "bb".into() }, "another identity"),
        (DriveError::Token { rotation: 2, source: TokenError::Malformed("truncated") }, "token_2.bin"),
    ];
    for (e, needle) in cases {
        assert!(e.to_string().contains(needle), "{e}");
    }
}

// ---------------------------------------------------------------- crash matrix

/// Runs `op` with the power failing after 0, 1, 2, ... steps until it
/// completes; after each crash, `check` gets the rebooted drives. Returns
/// the number of crash points exercised.
fn crash_matrix(
    start: (&MemDrive, &MemDrive),
    op: impl Fn(&MemDrive, &MemDrive) -> Result<(), DriveError>,
    check: impl Fn(MemDrive, MemDrive),
) -> usize {
    for n in 0.. {
        let power = Power::failing_after(n);
        let (p, b) = (start.0.reboot(power.clone()), start.1.reboot(power.clone()));
        // After its commit point an operation may report success although
        // the power went during its best-effort clean-up: the durable state
        // is checked either way.
        match op(&p, &b) {
            Ok(()) if !power.is_off() => return n,
            Ok(()) => {}
            Err(DriveError::Io { source, .. }) if source.kind == IoErrorKind::PowerLoss => {}
            Err(e) => panic!("step {n}: unexpected error {e}"),
        }
        assert!(power.is_off(), "step {n}");
        check(p.reboot(Power::unlimited()), b.reboot(Power::unlimited()));
    }
    unreachable!()
}

/// After recovery: the backup drive holds exactly the current rotation's
/// backup, and it opens to exactly the unlocked keyring (never a mix).
fn assert_consistent(p: &MemDrive, b: &MemDrive, code: &RecoveryCode, pass: &[u8], k: &Keyring) {
    let r = k.current.rotation;
    assert_eq!(names(&p.snapshot()), ["audit.log".to_string(), "state.json".into(), layout::token(r)]);
    assert_eq!(names(&b.snapshot()), [layout::backup(r), layout::PAIR.into()]);
    let sealed = b.get(&layout::backup(r)).unwrap();
    assert_eq!(&backup::open(&sealed, pass, code).unwrap(), k);
    let log = block_on(audit::read_and_verify(p, k)).unwrap();
    assert_eq!(log.problem, None);
}

#[test]
fn drive_crash_matrix_init() {
    let (p0, b0) = drives(&Power::unlimited());
    let op =
        |p: &MemDrive, b: &MemDrive| block_on(init(p, b, PASS, Some(b"12"), &params(), NOW, &mut rng(1))).map(|_| ());
    let steps = crash_matrix((&p0, &b0), op, |p, b| {
        // Old = no identity yet ...
        let err = block_on(unlock(&p, Some(b"12"), NOW)).unwrap_err();
        assert!(matches!(err, DriveError::NoIdentity { .. } | DriveError::MissingFile { .. }), "{err}");
        // ... and set-up runs again cleanly on the same folders.
        let again = block_on(init(&p, &b, PASS, Some(b"12"), &params(), NOW, &mut rng(2))).unwrap();
        let u = block_on(unlock(&p, Some(b"12"), NOW)).unwrap();
        assert_eq!(u.keyring, again.unlocked.keyring);
        assert_consistent(&p, &b, &again.recovery_code, PASS, &u.keyring);
    });
    // audit (2), mkdir, pair (2), backup (2), token (2), state (2)
    assert_eq!(steps, 11);
}

#[test]
fn drive_crash_matrix_rotate() {
    let (p0, b0, out) = set_up(None);
    let old = out.unlocked.keyring.clone();
    let new = {
        let (p, b) = (p0.reboot(Power::unlimited()), b0.reboot(Power::unlimited()));
        block_on(rotate(&p, &b, None, PASS, 0, &params(), NOW, &mut rng(2))).unwrap().keyring
    };
    let code = out.recovery_code.clone();
    let seen = std::cell::RefCell::new((0usize, 0usize));
    let steps = crash_matrix(
        (&p0, &b0),
        |p, b| block_on(rotate(p, b, None, PASS, 0, &params(), NOW, &mut rng(2))).map(|_| ()),
        |p, b| {
            block_on(recover_interrupted(&p, Some(&b))).unwrap();
            let u = block_on(unlock(&p, None, NOW)).unwrap();
            if u.keyring == old {
                seen.borrow_mut().0 += 1;
            } else {
                assert_eq!(u.keyring, new, "neither the old nor the new identity");
                seen.borrow_mut().1 += 1;
            }
            assert_eq!(u.state.fingerprint, fp(&u.keyring));
            assert_consistent(&p, &b, &code, PASS, &u.keyring);
        },
    );
    let (olds, news) = *seen.borrow();
    // backup (2), token (2), state (2), remove token, remove backup, audit (2)
    assert_eq!(steps, 10);
    assert_eq!((olds, news), (6, 4));
}

#[test]
fn drive_crash_matrix_restore() {
    let (p0, b0, out) = set_up(None);
    let code_text = out.recovery_code.to_text();
    drop(p0);
    let fresh = MemDrive::new("/media/usb3/QV", Power::unlimited());
    let steps = crash_matrix(
        (&fresh, &b0),
        |p, b| block_on(restore(b, p, PASS, &code_text, None, &params(), NOW, &mut rng(3))).map(|_| ()),
        |p, b| {
            match block_on(unlock(&p, None, NOW)) {
                Err(DriveError::NoIdentity { .. } | DriveError::MissingFile { .. }) => {}
                other => panic!("uncommitted restore must leave no identity, got {other:?}"),
            }
            let u = block_on(restore(&b, &p, PASS, &code_text, None, &params(), NOW, &mut rng(4))).unwrap();
            assert_eq!(u.keyring, out.unlocked.keyring);
            assert_eq!(block_on(unlock(&p, None, NOW)).unwrap().keyring, out.unlocked.keyring);
        },
    );
    // token (2), audit (2), state (2)
    assert_eq!(steps, 6);
}

#[test]
fn drive_crash_matrix_change_passphrase() {
    let (p0, b0, out) = set_up(None);
    let code = out.recovery_code.clone();
    let seen = std::cell::RefCell::new([0usize; 2]);
    let steps = crash_matrix(
        (&p0, &b0),
        |p, b| block_on(change_passphrase(p, b, None, b"new", &params(), NOW, &mut rng(3))).map(|_| ()),
        |p, b| {
            block_on(recover_interrupted(&p, Some(&b))).unwrap();
            let u = block_on(unlock(&p, None, NOW)).unwrap();
            assert_eq!(u.keyring, out.unlocked.keyring);
            let sealed = b.get(&layout::backup(0)).unwrap();
            let with_old = backup::open(&sealed, PASS, &code);
            let with_new = backup::open(&sealed, b"new", &code);
            assert!(with_old.is_ok() != with_new.is_ok(), "exactly one passphrase opens it");
            seen.borrow_mut()[usize::from(with_new.is_ok())] += 1;
            let pass: &[u8] = if with_old.is_ok() { PASS } else { b"new" };
            assert_consistent(&p, &b, &code, pass, &u.keyring);
        },
    );
    // backup (2), audit (2): crashes before the backup's rename keep the old
    // passphrase, the ones after it have the new one.
    assert_eq!(steps, 4);
    assert_eq!(*seen.borrow(), [2, 2]);
}

/// A crash can also hit recovery itself: for every crash point of a
/// rotation, crash the clean-up at every one of its steps too.
#[test]
fn drive_crash_matrix_recovery_itself() {
    let (p0, b0, out) = set_up(None);
    let old = out.unlocked.keyring.clone();
    let mut pairs = 0;
    for k in 0..10 {
        let power = Power::failing_after(k);
        let (p1, b1) = (p0.reboot(power.clone()), b0.reboot(power.clone()));
        let _ = block_on(rotate(&p1, &b1, None, PASS, 0, &params(), NOW, &mut rng(2)));
        assert!(power.is_off());
        for m in 0.. {
            let power = Power::failing_after(m);
            let (p2, b2) = (p1.reboot(power.clone()), b1.reboot(power.clone()));
            let done = block_on(recover_interrupted(&p2, Some(&b2))).is_ok();
            let (p3, b3) = (p2.reboot(Power::unlimited()), b2.reboot(Power::unlimited()));
            block_on(recover_interrupted(&p3, Some(&b3))).unwrap();
            let u = block_on(unlock(&p3, None, NOW)).unwrap();
            assert!(u.keyring == old || u.keyring.previous.len() == 1, "k={k} m={m}");
            assert_consistent(&p3, &b3, &out.recovery_code, PASS, &u.keyring);
            pairs += 1;
            if done {
                break;
            }
        }
    }
    eprintln!("recovery crash matrix: {pairs} (rotation crash, recovery crash) pairs");
    assert_eq!(pairs, 23);
}

// ---------------------------------------------------------------- audit log

fn log_with_entries() -> (Vec<u8>, Keyring) {
    let (p, b, out) = set_up(None);
    block_on(unlock(&p, None, NOW)).unwrap();
    let r1 = block_on(rotate(&p, &b, None, PASS, 0, &params(), NOW, &mut rng(2))).unwrap();
    block_on(unlock(&p, None, NOW)).unwrap();
    let _ = out;
    (p.get(layout::AUDIT).unwrap(), r1.keyring)
}

fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8(bytes.to_vec()).unwrap().lines().map(str::to_owned).collect()
}

fn join(lines: &[String]) -> Vec<u8> {
    lines.iter().flat_map(|l| format!("{l}\n").into_bytes()).collect()
}

#[test]
fn drive_audit_detects_edit_delete_reorder_and_torn_tail() {
    let (log, k) = log_with_entries();
    let ok = audit::verify(&log, &k);
    assert_eq!(ok.problem, None);
    let events: Vec<Event> = ok.entries.iter().map(|e| e.event).collect();
    assert_eq!(events, [Event::Init, Event::Unlock, Event::Rotate, Event::Unlock]);
    assert_eq!(ok.entries.iter().map(|e| e.rotation).collect::<Vec<_>>(), [0, 0, 1, 1]);
    let l = lines(&log);

    let mut edited = l.clone();
    edited[1] = edited[1].replace("rotation 0", "rotation 7");
    assert_eq!(audit::verify(&join(&edited), &k).problem, Some(AuditProblem::BadMac { line: 2 }));

    let mut deleted = l.clone();
    deleted.remove(1);
    assert_eq!(
        audit::verify(&join(&deleted), &k).problem,
        Some(AuditProblem::OutOfSequence { line: 2, expected: 1, found: 2 })
    );

    let mut swapped = l.clone();
    swapped.swap(1, 2);
    assert!(matches!(audit::verify(&join(&swapped), &k).problem, Some(AuditProblem::OutOfSequence { line: 2, .. })));

    let mut cut = log.clone();
    cut.truncate(log.len() - 10);
    let r = audit::verify(&cut, &k);
    assert_eq!(r.problem, Some(AuditProblem::Torn { line: 4 }));
    assert_eq!(r.entries.len(), 3);

    let mut garbage = l.clone();
    garbage[2] = "not json".into();
    assert_eq!(audit::verify(&join(&garbage), &k).problem, Some(AuditProblem::Malformed { line: 3 }));

    // Known limit: whole lines cut from the end leave a valid prefix.
    let r = audit::verify(&join(&l[..2]), &k);
    assert_eq!((r.problem, r.entries.len()), (None, 2));
    assert_eq!(audit::verify(b"", &k), audit::AuditReport { entries: vec![], problem: None });
}

#[test]
fn drive_audit_resealing_needs_the_keys() {
    let (log, k) = log_with_entries();
    let l = lines(&log);
    // An attacker deletes line 2 and re-seals the rest with keys of their own:
    // the renumbered, re-chained lines fail the MAC.
    let attacker = Keyring::new(crate::identity::IdentitySeeds::generate(0, &mut rng(50)), k.backup_key.clone());
    let mut forged = vec![l[0].clone()];
    let mut prev = audit::line_hash(l[0].as_bytes());
    for seq in 1..3u64 {
        let line = audit::seal_line(&attacker, seq, &prev, &[0; 16], Event::Unlock, "x", NOW);
        prev = audit::line_hash(line.as_bytes());
        forged.push(line);
    }
    assert_eq!(audit::verify(&join(&forged), &k).problem, Some(AuditProblem::BadMac { line: 2 }));
    // A keyring without the rotation a line names cannot vouch for it.
    let fresh = Keyring::new(crate::identity::IdentitySeeds::generate(5, &mut rng(51)), k.backup_key.clone());
    assert_eq!(audit::verify(&log, &fresh).problem, Some(AuditProblem::UnknownRotation { line: 1, rotation: 0 }));
    // Appending continues the chain, even after a torn tail.
    let mut torn = log.clone();
    torn.truncate(log.len() - 1);
    let appended = audit::appended(&torn, &k, &[0; 16], Event::FailedAttempt, "2 wrong PINs", NOW);
    assert_eq!(audit::verify(&appended, &k).problem, None);
    assert_eq!(audit::verify(&appended, &k).entries.len(), 5);
}

// ---------------------------------------------------------------- native folders

#[test]
fn drive_native_folders_end_to_end() {
    use super::native::FolderDrive;
    let dir = tempfile::tempdir().unwrap();
    let (pp, bp) = (dir.path().join("usb1"), dir.path().join("usb2"));
    std::fs::create_dir_all(&pp).unwrap();
    std::fs::create_dir_all(bp.join("nested")).unwrap();
    let p = FolderDrive::open(&pp).unwrap();
    let b = FolderDrive::open(&bp).unwrap();
    // The same folder through another path; a folder inside the other.
    let same = FolderDrive::open(pp.join("..").join("usb1")).unwrap();
    let nested = FolderDrive::open(bp.join("nested")).unwrap();
    assert_eq!(block_on(p.relation_to(&same)).unwrap(), Relation::Same);
    assert_eq!(block_on(nested.relation_to(&b)).unwrap(), Relation::InsideOther);
    assert_eq!(block_on(b.relation_to(&nested)).unwrap(), Relation::ContainsOther);
    assert_eq!(
        block_on(init(&p, &same, PASS, None, &params(), NOW, &mut rng(1))).map(|_| ()),
        Err(DriveError::SameFolder)
    );
    std::fs::remove_dir(bp.join("nested")).unwrap();
    let out = block_on(init(&p, &b, PASS, None, &params(), NOW, &mut rng(1))).unwrap();
    assert!(pp.join("state.json").is_file() && bp.join(".system_backup/backup_0.enc").is_file());
    std::fs::write(pp.join("token_0.bin.qvtmp"), b"torn").unwrap();
    let u = block_on(unlock(&p, None, NOW)).unwrap();
    assert_eq!(u.keyring, out.unlocked.keyring);
    assert!(!pp.join("token_0.bin.qvtmp").exists());
    let r = block_on(rotate(&p, &b, None, PASS, 0, &params(), NOW, &mut rng(2))).unwrap();
    assert!(!pp.join("token_0.bin").exists() && pp.join("token_1.bin").is_file());
    let v = block_on(verify_backup(&p, &b, PASS, &out.recovery_code.to_text())).unwrap();
    assert_eq!(v.fingerprint, r.state.fingerprint);
    // Paths outside the layout are refused.
    for bad in ["../escape", "/etc/passwd", "a/../../b"] {
        let e = block_on(p.read(bad)).unwrap_err();
        assert_eq!(e.kind, IoErrorKind::InvalidPath, "{bad}");
    }
    assert_eq!(block_on(p.read("missing")).unwrap(), None);
    assert_eq!(block_on(p.list(".system_backup")).unwrap(), None);
}

// ---------------------------------------------------------------- hostile bytes

mod hostile {
    use proptest::prelude::*;

    use super::*;

    fn keyring() -> Keyring {
        Keyring::new(
            crate::identity::IdentitySeeds::generate(0, &mut rng(60)),
            RecoveryCode::from_bytes([7; 32]).backup_public_key(),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn drive_parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), text in ".{0,80}") {
            let _ = super::super::state::State::parse(&bytes);
            let _ = super::super::state::PairMarker::parse(&bytes);
            let _ = audit::verify(&bytes, &keyring());
            let _ = audit::first_pair_id(&bytes);
            let _ = audit::appended(&bytes, &keyring(), &[0; 16], Event::Unlock, &text, NOW);
            let _ = layout::classify(&text, false);
            let _ = layout::classify(&text, true);
            let _ = UnixTime::parse_rfc3339(&text);
            let _ = UnixTime(i64::from_le_bytes([bytes.first().copied().unwrap_or(0); 8])).to_rfc3339();
        }

        #[test]
        fn drive_hostile_files_give_errors_not_panics(
            state in proptest::collection::vec(any::<u8>(), 0..300),
            token in proptest::collection::vec(any::<u8>(), 0..300),
            audit_log in proptest::collection::vec(any::<u8>(), 0..300),
            name in "[a-z_.0-9]{1,16}",
        ) {
            let (p, b) = drives(&Power::unlimited());
            p.put(layout::STATE, &state);
            p.put(&layout::token(0), &token);
            p.put(layout::AUDIT, &audit_log);
            p.put(&name, b"x");
            b.put(layout::PAIR, &state);
            b.put(&layout::backup(0), &token);
            prop_assert!(block_on(unlock(&p, Some(b"1"), NOW)).is_err());
            prop_assert!(block_on(verify_backup(&p, &b, PASS, &RecoveryCode::from_bytes([7; 32]).to_text())).is_err());
            prop_assert!(block_on(restore(&b, &p, PASS, "0000", None, &params(), NOW, &mut rng(1))).is_err());
        }
    }
}
