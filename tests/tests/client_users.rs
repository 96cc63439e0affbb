//! SPEC §5 (and §1, roles): client admins manage their account's users with `addUser`,
//! `setUserRole` and `setUserActive`; the owner stays the one owner.

use e2e::{ADD_USER, LOG_IN, ME, SET_USER_ACTIVE, SET_USER_ROLE, SUBSCRIBE, TestApp};
use serde_json::{Value, json};

/// An EMPLOYEE (or MANAGER) cannot manage users or subscribe.
async fn an_employee_cannot_manage_users(
    app: &TestApp,
    emil: &str,
    emil_id: &Value,
    owner_id: &Value,
) {
    for (op, vars) in [
        (
            ADD_USER,
            json!({ "input": { "email": "x@y.example", "name": "X", "role": "ADMIN" } }),
        ),
        (SET_USER_ROLE, json!({ "id": emil_id, "role": "ADMIN" })),
        (SET_USER_ACTIVE, json!({ "id": owner_id, "a": false })),
        (SUBSCRIBE, json!({ "plan": "monthly" })),
    ] {
        assert_eq!(
            app.error_code(Some(emil), op, vars).await,
            "FORBIDDEN",
            "{op}"
        );
    }
}

/// The owner cannot be demoted or deactivated, nobody else becomes OWNER, an email is a
/// user once; users of other accounts are not found.
async fn the_owner_stays_the_one_owner(
    app: &TestApp,
    s: &e2e::PartnerWithClient,
    emil_id: &Value,
    owner_id: &Value,
) {
    let partner_own_id = app.me(Some(&s.partner)).await["id"].clone();
    for (op, vars, code) in [
        (
            SET_USER_ROLE,
            json!({ "id": owner_id, "role": "ADMIN" }),
            "BAD_USER_INPUT",
        ),
        (
            SET_USER_ACTIVE,
            json!({ "id": owner_id, "a": false }),
            "BAD_USER_INPUT",
        ),
        (
            SET_USER_ROLE,
            json!({ "id": emil_id, "role": "OWNER" }),
            "BAD_USER_INPUT",
        ),
        (
            ADD_USER,
            json!({ "input": { "email": "x@y.example", "name": "X", "role": "OWNER" } }),
            "BAD_USER_INPUT",
        ),
        (
            ADD_USER,
            json!({ "input": { "email": "EMIL@cornershop.example", "name": "E", "role": "ADMIN" } }),
            "CONFLICT",
        ),
        // Users of other accounts are not found.
        (
            SET_USER_ROLE,
            json!({ "id": partner_own_id, "role": "EMPLOYEE" }),
            "NOT_FOUND",
        ),
        (
            SET_USER_ROLE,
            json!({ "id": "abc", "role": "EMPLOYEE" }),
            "BAD_USER_INPUT",
        ),
    ] {
        assert_eq!(
            app.error_code(Some(&s.client_owner), op, vars.clone())
                .await,
            code,
            "{op} {vars}"
        );
    }
}

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
    let owner_id = app
        .user_id(&s.client_owner, "cora@cornershop.example")
        .await;
    an_employee_cannot_manage_users(&app, &emil, &added["id"], &owner_id).await;
    the_owner_stays_the_one_owner(&app, &s, &added["id"], &owner_id).await;

    // The partner's ADMIN user in the client account may manage users too.
    let as_partner = app.log_in_to_client(&s.partner, &s.client_id).await;
    let r = app
        .set_user_role(&as_partner, &added["id"], "MANAGER")
        .await;
    assert_eq!(r["role"], "MANAGER");
    // Deactivating a user ends its sessions.
    app.set_user_active(&s.client_owner, &added["id"], false)
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
