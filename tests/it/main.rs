//! Integration tests: one binary that starts the real server.
