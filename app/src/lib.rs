//! QuantumVault's browser app.
