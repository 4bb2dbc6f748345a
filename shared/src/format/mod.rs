//! Byte formats: the Cobblestone body stream, the vault file, the backup
//! file and the token. Specified in `docs/FORMAT.md`; every parser here
//! returns a typed error on any input and never panics.

pub mod backup;
pub mod body_digest;
pub mod bytes;
pub mod stream;
pub mod token;
pub mod vault;
