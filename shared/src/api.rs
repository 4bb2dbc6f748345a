//! Request and response types of the HTTP API, shared by the app and the server.

use serde::{Deserialize, Serialize};

/// Answer of `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `"ok"` when the server answers at all.
    pub status: String,
    /// The server's product version (see [`crate::VERSION`]).
    pub version: String,
}

/// The JSON body of every API error: a stable machine code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable, snake_case identifier of the failure (e.g. `not_found`).
    pub code: String,
    /// What went wrong, in plain words a user can act on.
    pub message: String,
}
