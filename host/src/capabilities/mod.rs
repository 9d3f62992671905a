//! Host capabilities imported by guests through WIT.

pub mod log;
pub mod stderr;
