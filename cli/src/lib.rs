//! The `stent` command-line tool.
