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

    /// Folder where ciphertext blobs are stored by the default local blob store.
    pub fn blob_dir(&self) -> PathBuf {
        self.data_dir.join("blobs")
    }
}
