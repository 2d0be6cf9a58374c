//! Files and folders: atomic writes and copies, the folders buildbench owns, locks, and the
//! journaled edits that are always put back.

pub mod edit;
pub mod fsutil;
pub mod lock;
pub mod paths;
