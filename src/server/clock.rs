//! The one place that reads the wall clock and draws randomness for IDs.
