//! The error every command returns: the core's `CommandError`
//! (`{ kind, message, fields }`), built from engine errors.

pub use scimwatch_core::CommandError;

pub type CommandResult<T> = Result<T, CommandError>;
