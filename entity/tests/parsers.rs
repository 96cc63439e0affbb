//! Property tests for the parsers at the edge (issue 7): whatever a caller sends, they
//! answer Ok or Err, never panic, and what they accept reads back the same.

use entity::{CompanyId, Email, Password, SecretToken, parse_duration};
use proptest::prelude::*;
use std::time::Duration;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn email_never_panics_and_accepted_ones_read_back(raw in any::<String>()) {
        if let Ok(e) = Email::parse(&raw) {
            let again = Email::parse(e.as_str()).expect("an accepted email parses again");
            prop_assert_eq!(again.as_str(), e.as_str());
            prop_assert!(e.as_str().contains('@'));
            prop_assert!(!e.as_str().chars().any(char::is_control));
        }
    }

    #[test]
    fn well_formed_emails_are_accepted(local in "[a-z0-9]([a-z0-9_+-]|\\.[a-z0-9]){0,20}", domain in "[a-z0-9]{1,10}(\\.[a-z]{2,6}){1,2}") {
        let raw = format!("{local}@{domain}");
        prop_assert!(Email::parse(&raw).is_ok(), "{}", raw);
    }

    #[test]
    fn company_id_never_panics_and_accepts_exactly_three_letters_four_digits(raw in any::<String>()) {
        if let Ok(c) = CompanyId::parse(&raw) {
            let b = c.as_str().as_bytes();
            prop_assert_eq!(b.len(), 7);
            prop_assert!(b[..3].iter().all(u8::is_ascii_uppercase));
            prop_assert!(b[3..].iter().all(u8::is_ascii_digit));
        }
    }

    #[test]
    fn company_ids_in_any_case_and_spacing_are_accepted(id in "[A-Za-z]{3}[0-9]{4}", pad in " {0,3}") {
        let c = CompanyId::parse(&format!("{pad}{id}{pad}")).unwrap();
        prop_assert_eq!(c.as_str(), id.to_ascii_uppercase());
    }

    #[test]
    fn tokens_and_passwords_never_panic(raw in any::<String>()) {
        if let Some(t) = SecretToken::parse(&raw) {
            prop_assert_eq!(t.hash().as_str().len(), 64);
        }
        let _ = Password::parse(&raw);
    }

    #[test]
    fn generated_tokens_parse_back(_n in 0..100u32) {
        let t = SecretToken::generate();
        let back = SecretToken::parse(t.expose()).expect("a generated token parses");
        prop_assert_eq!(back.hash().into_string(), t.hash().into_string());
    }

    #[test]
    fn durations_never_panic(raw in any::<String>()) {
        let _ = parse_duration(&raw);
    }

    #[test]
    fn durations_read_what_they_say(n in 0u64..1_000_000, unit in prop::sample::select(vec!["ms", "s", "m", "h", "d"])) {
        let want = match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n * 60),
            "h" => Duration::from_secs(n * 3600),
            _ => Duration::from_secs(n * 86_400),
        };
        prop_assert_eq!(parse_duration(&format!("{n}{unit}")).unwrap(), want);
    }
}
