/// Why a value from outside could not be parsed into a domain type. The message is
/// written for the person who typed the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);
