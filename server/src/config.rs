//! Server configuration, from command-line flags or `QV_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// How to run the QuantumVault server. Every flag can also be set by the
/// environment variable named beside it, so containers and CI need no flags.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "quantumvault-server",
    version,
    about = "QuantumVault's server: it stores ciphertext and metadata, never a secret."
)]
pub struct Config {
    /// Address and port to listen on. Use port 0 to let the OS pick a free one
    /// (the chosen address is logged and, with `--port-file`, written out).
    #[arg(long, env = "QV_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Folder for the embedded database and the ciphertext blobs; created on first run.
    #[arg(long, env = "QV_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Metadata database. Defaults to a SQLite file in the data folder;
    /// `postgres://…` selects PostgreSQL.
    #[arg(long, env = "QV_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Ciphertext blob store: unset for the `blobs` folder in the data folder,
    /// `s3://bucket[/prefix]` for S3-compatible storage (credentials, region and
    /// endpoint from the standard `AWS_*` variables, e.g. `AWS_ENDPOINT`, `AWS_ALLOW_HTTP`).
    #[arg(long, env = "QV_BLOB_URL")]
    pub blob_url: Option<String>,

    /// The origin browsers use to reach this server (e.g. `https://vault.example`).
    /// When set, sign-in challenges from any other `Origin` are refused.
    #[arg(long, env = "QV_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,

    /// Mark the session cookie `Secure` (browsers accept it on `http://localhost` too).
    #[arg(long, env = "QV_SECURE_COOKIE", default_value_t = true, action = clap::ArgAction::Set)]
    pub secure_cookie: bool,

    /// Lifetime of a session, in seconds.
    #[arg(long, env = "QV_SESSION_SECS", default_value_t = 12 * 3600)]
    pub session_secs: u64,

    /// Lifetime of a sign-in challenge, in seconds (at most 120).
    #[arg(long, env = "QV_CHALLENGE_SECS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=120))]
    pub challenge_secs: u64,

    /// Sign-in requests (challenges and answers) allowed per client IP in a burst;
    /// the allowance refills at one per `QV_AUTH_REFILL_MS`.
    #[arg(long, env = "QV_AUTH_BURST", default_value_t = 30)]
    pub auth_burst: u32,

    /// Milliseconds to refill one sign-in request of the per-IP allowance.
    #[arg(long, env = "QV_AUTH_REFILL_MS", default_value_t = 500)]
    pub auth_refill_ms: u64,

    /// Failed sign-in verifications allowed per account in 15 minutes before it is paused.
    #[arg(long, env = "QV_MAX_FAILED_SIGN_INS", default_value_t = 10)]
    pub max_failed_sign_ins: u32,

    /// Total ciphertext bytes one user may own (uploads in progress count).
    #[arg(long, env = "QV_QUOTA_BYTES", default_value_t = 10 * 1024 * 1024 * 1024)]
    pub quota_bytes: u64,

    /// Number of files one user may own (uploads in progress count).
    #[arg(long, env = "QV_QUOTA_FILES", default_value_t = 10_000)]
    pub quota_files: u64,

    /// Seconds an unfinished upload may sit idle before it is garbage-collected.
    #[arg(long, env = "QV_UPLOAD_TTL_SECS", default_value_t = 24 * 3600)]
    pub upload_ttl_secs: u64,

    /// Seconds between maintenance passes (garbage collection, audit checkpoints).
    #[arg(long, env = "QV_MAINTENANCE_SECS", default_value_t = 60)]
    pub maintenance_secs: u64,

    /// File holding the server's ML-DSA-65 seed that signs audit checkpoints;
    /// created on first run. Defaults to `server-key.bin` in the data folder.
    #[arg(long, env = "QV_SERVER_KEY_FILE")]
    pub server_key_file: Option<PathBuf>,

    /// Folder holding the built app (`cargo xtask dist` writes it).
    #[arg(long, env = "QV_SITE_DIR", default_value = "dist")]
    pub site_dir: PathBuf,

    /// Largest request body accepted outside file uploads, in bytes.
    #[arg(long, env = "QV_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Write the bound address (`ip:port`) to this file once listening.
    /// Tests use it with `--bind 127.0.0.1:0` to find the server without races.
    #[arg(long, env = "QV_PORT_FILE")]
    pub port_file: Option<PathBuf>,

    /// Log format: `pretty` for people, `json` for log collectors.
    #[arg(long, env = "QV_LOG_FORMAT", default_value = "pretty", value_parser = ["pretty", "json"])]
    pub log_format: String,
}

impl Config {
    /// The database URL in force: the explicit one, or the embedded SQLite default.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("quantumvault.db").display()),
        }
    }

    /// Where the server's checkpoint-signing seed lives.
    pub fn effective_server_key_file(&self) -> PathBuf {
        self.server_key_file.clone().unwrap_or_else(|| self.data_dir.join("server-key.bin"))
    }

    /// Folder where ciphertext blobs are stored by the default local blob store.
    pub fn blob_dir(&self) -> PathBuf {
        self.data_dir.join("blobs")
    }
}
