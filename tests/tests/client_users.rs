//! SPEC §5 (and §1, roles): client admins manage their account's users with `addUser`,
//! `setUserRole` and `setUserActive`; the owner stays the one owner.

use e2e::{ADD_USER, LOG_IN, ME, SET_USER_ACTIVE, SET_USER_ROLE, SUBSCRIBE, TestApp};
use serde_json::json;

#[tokio::test]
async fn client_admins_manage_users_and_the_owner_stays_owner() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    let added = app
        .add_user(
            &s.client_owner,
            "emil@cornershop.example",
            "Emil",
            "EMPLOYEE",
        )
        .await;
    assert_eq!(added["role"], "EMPLOYEE");
    assert_eq!(added["account"]["companyId"], s.company_id.as_str());
    // The new user sets a password from the emailed link, and logs in.
    let emil = app
        .activate("emil@cornershop.example", "emil-password-1")
        .await;

    // An EMPLOYEE (or MANAGER) cannot manage users or subscribe.
    let owner_id = app
        .user_id(&s.client_owner, "cora@cornershop.example")
        .await;
    assert_eq!(
        app.error_code(
            Some(&emil),
            ADD_USER,
            json!({ "input": { "email": "x@y.example", "name": "X", "role": "ADMIN" } })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(
            Some(&emil),
            SET_USER_ROLE,
            json!({ "id": added["id"], "role": "ADMIN" })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(
            Some(&emil),
            SET_USER_ACTIVE,
            json!({ "id": owner_id, "a": false })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(Some(&emil), SUBSCRIBE, json!({ "plan": "monthly" }))
            .await,
        "FORBIDDEN"
    );

    // The owner cannot be demoted or deactivated, and nobody else becomes OWNER.
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            SET_USER_ROLE,
            json!({ "id": owner_id, "role": "ADMIN" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            SET_USER_ACTIVE,
            json!({ "id": owner_id, "a": false })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            SET_USER_ROLE,
            json!({ "id": added["id"], "role": "OWNER" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            ADD_USER,
            json!({ "input": { "email": "x@y.example", "name": "X", "role": "OWNER" } })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            ADD_USER,
            json!({ "input": { "email": "EMIL@cornershop.example", "name": "E", "role": "ADMIN" } })
        )
        .await,
        "CONFLICT"
    );
    // Users of other accounts are not found.
    let partner_own_id = app.ok(Some(&s.partner), ME, json!({})).await["me"]["id"].clone();
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            SET_USER_ROLE,
            json!({ "id": partner_own_id, "role": "EMPLOYEE" })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(
            Some(&s.client_owner),
            SET_USER_ROLE,
            json!({ "id": "abc", "role": "EMPLOYEE" })
        )
        .await,
        "BAD_USER_INPUT"
    );

    // The partner's ADMIN user in the client account may manage users too.
    let as_partner = app.log_in_to_client(&s.partner, &s.client_id).await;
    let r = app
        .ok(
            Some(&as_partner),
            SET_USER_ROLE,
            json!({ "id": added["id"], "role": "MANAGER" }),
        )
        .await;
    assert_eq!(r["setUserRole"]["role"], "MANAGER");
    // Deactivating a user ends its sessions.
    app.ok(
        Some(&s.client_owner),
        SET_USER_ACTIVE,
        json!({ "id": added["id"], "a": false }),
    )
    .await;
    assert_eq!(
        app.error_code(Some(&emil), ME, json!({})).await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.error_code(
            None,
            LOG_IN,
            json!({ "email": "emil@cornershop.example", "password": "emil-password-1" })
        )
        .await,
        "UNAUTHENTICATED"
    );
}
