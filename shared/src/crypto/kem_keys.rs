//! The key wrappers both KEMs share. X-Wing ([`super::kem`]) and ML-KEM-1024
//! ([`super::backup_kem`]) implement the same RustCrypto `kem` traits, so
//! their public and private key types only differ in names, sizes and error
//! types; these macros write them once. Each module keeps its own public
//! API (type names, constants, error enum) and its own key derivation.

/// Defines a public (encapsulation) key type: the parsed key plus its
/// encoding, equality on the encoding, a `Debug` that shows 8 bytes, and
/// `from_bytes` / `as_bytes` / `encapsulate`. The invoking module must have
/// the `kem` traits `TryKeyInit`, `KeyExport` and `Encapsulate` in scope.
macro_rules! kem_public_key {
    (
        $(#[$meta:meta])*
        $name:ident($ek:ty), len: $len:expr, ciphertext: $ct_len:expr,
        invalid: $err:ident::$invalid:ident
    ) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name {
            ek: $ek,
            bytes: [u8; $len],
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.bytes == other.bytes
            }
        }
        impl Eq for $name {}

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, concat!(stringify!($name), "({:02x?}…)"), self.bytes.get(..8))
            }
        }

        impl $name {
            fn from_key(ek: $ek) -> Self {
                let bytes = ek.to_bytes().into();
                Self { ek, bytes }
            }

            /// Parses and validates a public key (length and, for the ML-KEM
            /// part, the FIPS 203 §7.2 modulus check).
            ///
            /// # Errors
            #[doc = concat!("[`", stringify!($err), "::", stringify!($invalid), "`] on a wrong length or invalid encoding.")]
            pub fn from_bytes(bytes: &[u8]) -> Result<Self, $err> {
                let arr: [u8; $len] = bytes.try_into().map_err(|_| $err::$invalid)?;
                let ek = <$ek>::new(&arr.into()).map_err(|_| $err::$invalid)?;
                Ok(Self { ek, bytes: arr })
            }

            /// The encoded key.
            #[must_use]
            pub fn as_bytes(&self) -> &[u8; $len] {
                &self.bytes
            }

            /// A fresh shared secret and the ciphertext that carries it.
            pub fn encapsulate<R: rand_core::CryptoRng + ?Sized>(
                &self,
                rng: &mut R,
            ) -> ([u8; $ct_len], $crate::crypto::secret::Secret32) {
                let (ct, ss) = self.ek.encapsulate_with_rng(rng);
                (ct.into(), $crate::crypto::secret::Secret32::from_bytes(ss.into()))
            }
        }
    };
}

/// Defines a private (decapsulation) key type: the crate's key (which
/// zeroizes itself), a redacting `Debug`, `public_key` and `decapsulate`
/// (implicit rejection: a tampered ciphertext of the right length yields an
/// unrelated secret, which the AEAD above then refuses). Derivation from a
/// seed stays with each KEM. The invoking module must have the `kem` traits
/// `Decapsulate` and `Decapsulator` in scope.
macro_rules! kem_secret_key {
    (
        $(#[$meta:meta])*
        $name:ident($dk:ty), public: $public:ident, bad_ciphertext: $err:ident::$bad:ident
    ) => {
        $(#[$meta])*
        pub struct $name {
            dk: $dk,
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($name), "(redacted)"))
            }
        }

        impl $name {
            /// The matching public key.
            #[must_use]
            pub fn public_key(&self) -> $public {
                $public::from_key(self.dk.encapsulation_key().clone())
            }

            /// The shared secret a ciphertext carries.
            ///
            /// # Errors
            #[doc = concat!("[`", stringify!($err), "::", stringify!($bad), "`] on a wrong length.")]
            pub fn decapsulate(&self, ciphertext: &[u8]) -> Result<$crate::crypto::secret::Secret32, $err> {
                let ss = self.dk.decapsulate_slice(ciphertext).map_err(|_| $err::$bad)?;
                Ok($crate::crypto::secret::Secret32::from_bytes(ss.into()))
            }
        }
    };
}

pub(crate) use {kem_public_key, kem_secret_key};
