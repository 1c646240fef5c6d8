//! The benchmark suite behind `stent bench` (filled in below).
