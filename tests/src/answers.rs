//! A GraphQL answer read the way the tests read it: the first error's code, message,
//! field and retry hint. Each takes an answer (`{ data, errors }`, also a live socket's
//! `next` payload) or a list of errors (a live socket's `error` payload), and panics,
//! showing it whole, when it has no such thing, so a test that expected a refusal and got
//! data says what it got instead.

use serde_json::Value;

/// The first error of an answer, or of a list of errors.
fn first_error(body: &Value) -> &Value {
    let error = &body.get("errors").unwrap_or(body)[0];
    assert!(error.is_object(), "expected an error, got {body:#}");
    error
}

/// The first error's `extensions.code`, such as `BAD_USER_INPUT`.
pub fn code_of(body: &Value) -> &str {
    try_code_of(body).unwrap_or_else(|| panic!("expected an error with a code, got {body:#}"))
}

/// The first error's `extensions.code`, or `None` when the answer has no coded error
/// (for a table of outcomes, where success is one of them).
pub fn try_code_of(body: &Value) -> Option<&str> {
    body.get("errors").unwrap_or(body)[0]["extensions"]["code"].as_str()
}

/// The first error's message, as a person reads it.
pub fn message_of(body: &Value) -> &str {
    first_error(body)["message"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a message, got {body:#}"))
}

/// The first error's `extensions.field`: the input it blames.
pub fn field_of(body: &Value) -> &str {
    first_error(body)["extensions"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error naming a field, got {body:#}"))
}

/// The first error's `extensions.retryAfterSeconds` (a `RATE_LIMITED` refusal's hint).
pub fn retry_after_of(body: &Value) -> u64 {
    first_error(body)["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap_or_else(|| panic!("expected a retry hint, got {body:#}"))
}
