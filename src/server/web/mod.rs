//! The web layer (placeholder while the engine is wired in).
