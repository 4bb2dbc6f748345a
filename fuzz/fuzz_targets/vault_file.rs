//! Vault file decoder on arbitrary bytes, fed in two pieces at a split the
//! input chooses: must return an error or a verified file, never panic, and
//! never leave pending plaintext after an error in the header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::crypto::secret::Secret32;
use shared::format::vault::{VaultDecoder, parse_header};
use shared::identity::{Fingerprint, IdentitySeeds, Keyring, PublicIdentity};
use shared::recovery::RecoveryCode;

fn keyring(a: u8, b: u8) -> Keyring {
    let seeds = IdentitySeeds {
        rotation: 0,
        sign_seed: Secret32::from_bytes([a; 32]),
        kem_seed: Secret32::from_bytes([b; 32]),
    };
    Keyring::new(seeds, RecoveryCode::from_bytes([0; 32]).backup_public_key())
}

fuzz_target!(|data: &[u8]| {
    let _ = parse_header(data);
    // Keys of the project vector's recipient (shared/tests/vectors/vault.json).
    let bob = keyring(5, 6);
    let sender = keyring(1, 2).current.identity().public().clone();
    let links = |_: &[u8; 16]| Some(Secret32::from_bytes([0x22; 32]));
    let lookup = move |_: &Fingerprint| -> Option<PublicIdentity> { Some(sender.clone()) };
    let split = data
        .first()
        .map_or(0, |b| usize::from(*b) * 97)
        .min(data.len());
    let mut dec = VaultDecoder::new(&bob, &links);
    let mut pending = Vec::new();
    let res = dec
        .update(&data[..split], &mut pending)
        .and_then(|()| dec.update(&data[split..], &mut pending))
        .and_then(|()| dec.finish(&mut pending, &lookup));
    if res.is_err() {
        let _ = dec
            .update(b"x", &mut pending)
            .expect_err("decoder must stay failed");
    }
});
