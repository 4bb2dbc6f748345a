//! The browser `Drive`s and the Drives page's pure helpers, in real
//! headless Chromium: `FolderDrive` over real OPFS folders (the same
//! File System Access handles a USB folder gives), the custody protocol
//! run on it end to end, and the upload/download fallback drive.
#![cfg(target_arch = "wasm32")]

use app::components::emergency_kit::qr_svg;
use app::components::passphrase_meter::{MIN_SCORE, rate};
use app::pages::drives::errors::{locate_typo, recovery_code_message};
use app::pages::drives::run::capitalised;
use app::platform::drive::files::{FileSetDrive, place};
use app::platform::drive::folder::FolderDrive;
use app::platform::drive::lock::with_drive_lock;
use shared::crypto::password::Argon2Params;
use shared::drive::{self, Drive, DriveError, Entry, IoErrorKind, Relation, UnixTime};
use shared::recovery::{RecoveryCode, RecoveryCodeError};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{FileSystemDirectoryHandle, FileSystemGetDirectoryOptions};

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh OPFS folder `name` (emptied first), and the OPFS root.
async fn folder(path: &str) -> FileSystemDirectoryHandle {
    let storage = web_sys::window().expect("window").navigator().storage();
    let mut dir: FileSystemDirectoryHandle =
        JsFuture::from(storage.get_directory()).await.expect("opfs root").unchecked_into();
    let opts = FileSystemGetDirectoryOptions::new();
    opts.set_create(true);
    for part in path.split('/') {
        dir = JsFuture::from(dir.get_directory_handle_with_options(part, &opts))
            .await
            .expect("create folder")
            .unchecked_into();
    }
    dir
}

async fn fresh(path: &str) -> FolderDrive {
    let d = FolderDrive::new(folder(path).await);
    for e in d.list("").await.expect("list").unwrap_or_default() {
        let h = d.handle().clone();
        let opts = web_sys::FileSystemRemoveOptions::new();
        opts.set_recursive(true);
        JsFuture::from(h.remove_entry_with_options(&e.name, &opts)).await.expect("empty folder");
    }
    d
}

#[wasm_bindgen_test]
async fn folder_drive_reads_writes_lists_and_removes() {
    let d = fresh("unit-a").await;
    assert_eq!(d.read("state.json").await, Ok(None));
    assert_eq!(d.list(".system_backup").await, Ok(None));
    d.write_atomic("state.json", b"one").await.expect("write");
    d.write_atomic("state.json", b"two, longer").await.expect("overwrite");
    assert_eq!(d.read("state.json").await, Ok(Some(b"two, longer".to_vec())));
    d.create_dir(".system_backup").await.expect("mkdir");
    d.create_dir(".system_backup").await.expect("mkdir is idempotent");
    d.write_atomic(".system_backup/pair.json", b"{}").await.expect("write inside");
    assert_eq!(
        d.list("").await,
        Ok(Some(vec![
            Entry { name: ".system_backup".into(), is_dir: true },
            Entry { name: "state.json".into(), is_dir: false },
        ]))
    );
    assert_eq!(d.list(".system_backup").await, Ok(Some(vec![Entry { name: "pair.json".into(), is_dir: false }])));
    d.remove(".system_backup/pair.json").await.expect("remove");
    d.remove(".system_backup/pair.json").await.expect("remove is idempotent");
    assert_eq!(d.read(".system_backup/pair.json").await, Ok(None));
    // Writing into a missing folder is an error, not a silent success.
    assert!(d.write_atomic("nowhere/x", b"x").await.is_err());
    for bad in ["../x", "a/b/c", "", "./x", "a\\b"] {
        let e = d.read(bad).await.expect_err(bad);
        assert_eq!(e.kind, IoErrorKind::InvalidPath, "{bad}");
    }
}

#[wasm_bindgen_test]
async fn folder_drive_tells_same_nested_and_distinct_folders() {
    let a = FolderDrive::new(folder("unit-rel").await);
    let a_again = FolderDrive::new(folder("unit-rel").await);
    let inner = FolderDrive::new(folder("unit-rel/inner").await);
    let other = FolderDrive::new(folder("unit-other").await);
    assert_eq!(a.relation_to(&a_again).await, Ok(Relation::Same));
    assert_eq!(a.relation_to(&inner).await, Ok(Relation::ContainsOther));
    assert_eq!(inner.relation_to(&a).await, Ok(Relation::InsideOther));
    assert_eq!(a.relation_to(&other).await, Ok(Relation::Distinct));
}

#[wasm_bindgen_test]
async fn the_custody_protocol_runs_on_opfs_folders() {
    let (primary, backup) = (fresh("unit-primary").await, fresh("unit-backup").await);
    // Weak Argon2id only to keep this unit test quick; the e2e tests use the calibrated cost.
    let params = Argon2Params::insecure_for_tests(64, 1).expect("params");
    let mut rng = shared::crypto::rng::os_rng();
    let t = UnixTime(1_795_435_200);
    let made = drive::init(&primary, &backup, b"pass", None, &params, t, &mut rng).await.expect("init");
    let opened = drive::unlock(&primary, None, t).await.expect("unlock");
    assert_eq!(opened.state.fingerprint, made.unlocked.state.fingerprint);
    let code = made.recovery_code.to_text();
    let report = drive::verify_backup(&primary, &backup, b"pass", &code).await.expect("verify");
    assert_eq!(report.rotation, 0);
    assert_eq!(
        drive::init(&primary, &primary, b"p", None, &params, t, &mut rng).await.err(),
        Some(DriveError::SameFolder)
    );
    // Everything under the Web Lock too: the lock is taken and released.
    let inside = with_drive_lock(async { drive::unlock(&primary, None, t).await.map(|u| u.state.rotation) }).await;
    assert_eq!(inside, Ok(Ok(0)));
    assert_eq!(with_drive_lock(async { 7 }).await, Ok(7), "the lock was released");
}

#[wasm_bindgen_test]
async fn the_lock_refuses_a_second_writer() {
    let outer = with_drive_lock(async { with_drive_lock(async {}).await }).await;
    assert_eq!(outer.map(|inner| inner.is_err()), Ok(true));
}

#[wasm_bindgen_test]
async fn uploaded_files_act_as_a_drive_and_report_their_changes() {
    assert_eq!(place("backup_3.enc"), ".system_backup/backup_3.enc");
    assert_eq!(place("C:\\stick\\pair.json"), ".system_backup/pair.json");
    assert_eq!(place("token_3.bin"), "token_3.bin");
    let (primary, backup) = (FileSetDrive::new("primary files"), FileSetDrive::new("backup files"));
    let params = Argon2Params::insecure_for_tests(64, 1).expect("params");
    let mut rng = shared::crypto::rng::os_rng();
    let t = UnixTime(1_795_435_200);
    let made = drive::init(&primary, &backup, b"pass", None, &params, t, &mut rng).await.expect("init");
    let written: Vec<String> = backup.take_changes().into_iter().map(|d| d.path).collect();
    assert_eq!(written, [".system_backup/backup_0.enc", ".system_backup/pair.json"]);
    let files = primary.take_changes();
    assert_eq!(files.iter().map(|d| d.path.as_str()).collect::<Vec<_>>(), ["audit.log", "state.json", "token_0.bin"]);
    // Re-uploaded into a fresh set, the downloads open again.
    let again = FileSetDrive::new("primary files");
    for f in files {
        again.add(&f.path, f.data.expect("written"));
    }
    let opened = drive::unlock(&again, None, t).await.expect("unlock uploaded");
    assert_eq!(opened.state.fingerprint, made.unlocked.state.fingerprint);
    assert_eq!(primary.relation_to(&primary.clone()).await, Ok(Relation::Same));
    assert_eq!(primary.relation_to(&backup).await, Ok(Relation::Distinct));
}

#[wasm_bindgen_test]
fn a_mistyped_group_is_located() {
    let code = RecoveryCode::from_bytes([7; 32]).to_text();
    let mut chars: Vec<char> = code.chars().collect();
    // Group 6 starts at character index 5 * 5 (4 characters + a dash each).
    chars[26] = if chars[26] == 'A' { 'B' } else { 'A' };
    let typo: String = chars.iter().collect();
    assert_eq!(RecoveryCode::parse(&typo).err(), Some(RecoveryCodeError::Typo));
    assert_eq!(locate_typo(&typo), Some(6));
    assert!(recovery_code_message(&RecoveryCodeError::Typo, &typo).contains("group 6"));
    let bad = recovery_code_message(&RecoveryCodeError::InvalidCharacter { position: 9, character: 'U' }, "");
    assert!(bad.contains("group 3"), "{bad}");
}

#[wasm_bindgen_test]
fn page_helpers_say_things_plainly() {
    assert_eq!(capitalised("wrong passphrase"), "Wrong passphrase.");
    assert_eq!(capitalised("state.json is damaged"), "state.json is damaged.");
    let svg = qr_svg("7K3Q-9D2M").expect("qr");
    assert!(svg.starts_with("<svg") && !svg.contains("style=") && !svg.contains("<script"));
    assert!(rate("password", &[]).score < MIN_SCORE);
    assert!(rate("violet harbour quietly nine lanterns", &[]).score >= MIN_SCORE);
}
