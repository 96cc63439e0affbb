//! SPEC §5 and §4: a client admin subscribes to a paid plan, moving the client to
//! `PAYING`, once.

use e2e::{CLIENT, SUBSCRIBE, TestApp};
use serde_json::json;

#[tokio::test]
async fn subscribing_moves_the_client_to_paying_once() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            SUBSCRIBE,
            json!({ "plan": "platinum" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    let r = app
        .ok(
            Some(&s.client_owner),
            SUBSCRIBE,
            json!({ "plan": "monthly" }),
        )
        .await;
    assert_eq!(r["subscribe"]["companyId"], s.company_id.as_str());
    let c = app
        .ok(Some(&s.partner), CLIENT, json!({ "id": s.client_id }))
        .await["client"]
        .clone();
    assert_eq!(c["status"], "PAYING");
    let b = app
        .gql(
            Some(&s.client_owner),
            SUBSCRIBE,
            json!({ "plan": "annual" }),
        )
        .await;
    assert_eq!(b["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already paying")
    );
    // A partner account has nothing to subscribe to.
    assert_eq!(
        app.error_code(Some(&s.partner), SUBSCRIBE, json!({ "plan": "monthly" }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(None, SUBSCRIBE, json!({ "plan": "monthly" }))
            .await,
        "UNAUTHENTICATED"
    );
}
