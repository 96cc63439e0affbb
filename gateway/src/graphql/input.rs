//! Parsing input at the edge: a field's raw text into its domain type, or
//! `BAD_USER_INPUT` naming the field.

use crate::error::ApiError;
use entity::{CompanyName, Email, Password, PersonName};

pub(crate) fn email(field: &'static str, raw: &str) -> Result<Email, ApiError> {
    Email::parse(raw).map_err(|e| ApiError::bad_input(field, e.0))
}

pub(crate) fn parse_person_name(field: &'static str, raw: &str) -> Result<PersonName, ApiError> {
    PersonName::parse(raw).map_err(|e| ApiError::bad_input(field, e.message(field)))
}

pub(crate) fn parse_company_name(field: &'static str, raw: &str) -> Result<CompanyName, ApiError> {
    CompanyName::parse(raw).map_err(|e| ApiError::bad_input(field, e.message(field)))
}

pub(crate) fn password(field: &'static str, raw: &str) -> Result<Password, ApiError> {
    Password::parse(raw).map_err(|e| ApiError::bad_input(field, e.0))
}

/// Clamps a count into GraphQL's Int.
pub fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
