//! Every failure scenario, judged by real SP libraries (being written).
