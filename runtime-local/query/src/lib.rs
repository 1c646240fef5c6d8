//! SQL over state
