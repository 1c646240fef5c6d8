//! The native, Arrow-batched reference engine for stent programs
