//! Property tests for the legacy import parser (issue 7): any text, and the example
//! export cut short or with bytes changed, is either imported or refused with a message;
//! it never panics.

use proptest::prelude::*;

fn example() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/legacy-export.example.json"
    ))
    .expect("the example export beside the project")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn any_text_is_refused_without_panicking(raw in any::<String>()) {
        prop_assert!(worker::legacy::parse(&raw).is_err());
    }

    #[test]
    fn a_damaged_export_never_panics(cut in 0usize..4_000, flips in prop::collection::vec((0usize..4_000, any::<u8>()), 0..8)) {
        let mut bytes = example().into_bytes();
        for (at, b) in flips {
            let i = at % bytes.len();
            bytes[i] = b;
        }
        bytes.truncate(cut.min(bytes.len()));
        let text = String::from_utf8_lossy(&bytes);
        if let Err(e) = worker::legacy::parse(&text) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn changed_values_are_refused_or_accepted_never_a_panic(field in prop::sample::select(vec!["email", "role", "companyId", "status", "passwordHash", "name", "upgradeDeadline"]), value in any::<String>()) {
        let mut doc: serde_json::Value = serde_json::from_str(&example()).unwrap();
        fn set_all(v: &mut serde_json::Value, field: &str, value: &str) {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, x) in m.iter_mut() {
                        if k == field { *x = serde_json::Value::String(value.to_owned()); } else { set_all(x, field, value); }
                    }
                }
                serde_json::Value::Array(a) => a.iter_mut().for_each(|x| set_all(x, field, value)),
                _ => {}
            }
        }
        set_all(&mut doc, field, &value);
        let _ = worker::legacy::parse(&doc.to_string());
    }
}

#[test]
fn the_example_itself_is_accepted() {
    assert!(worker::legacy::parse(&example()).is_ok());
}
