//! SPEC §5 and §4: a client admin subscribes to a paid plan, moving the client to
//! `PAYING`, once.

use e2e::{SUBSCRIBE, TestApp, code_of, message_of};
use serde_json::json;

#[tokio::test]
async fn subscribing_moves_the_client_to_paying_once() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    // The client's own account says where its subscription stands: on a trial first.
    const MINE: &str = "{ me { account { plan subscribedAt trialEndsAt } } }";
    let mine = app.ok(Some(&s.client_owner), MINE, json!({})).await["me"]["account"].clone();
    assert_eq!(mine["plan"], json!(null));
    assert_eq!(mine["subscribedAt"], json!(null));
    assert!(mine["trialEndsAt"].is_string(), "{mine}");
    let partner_acc = app.ok(Some(&s.partner), MINE, json!({})).await["me"]["account"].clone();
    assert_eq!(
        partner_acc,
        json!({ "plan": null, "subscribedAt": null, "trialEndsAt": null })
    );
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            SUBSCRIBE,
            json!({ "plan": "platinum" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    let r = app.subscribe(&s.client_owner, "monthly").await;
    assert_eq!(r["companyId"], s.company_id.as_str());
    let c = app.client(&s.partner, &s.client_id).await;
    assert_eq!(c["status"], "PAYING");
    let mine = app.ok(Some(&s.client_owner), MINE, json!({})).await["me"]["account"].clone();
    assert_eq!(mine["plan"], "monthly");
    assert!(mine["subscribedAt"].is_string(), "{mine}");
    let b = app
        .gql(
            Some(&s.client_owner),
            SUBSCRIBE,
            json!({ "plan": "annual" }),
        )
        .await;
    assert_eq!(code_of(&b), "BAD_USER_INPUT");
    assert!(message_of(&b).contains("already paying"));
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
