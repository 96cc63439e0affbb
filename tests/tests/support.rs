//! Support staff (issue 15): ops add and remove them with `gateway staff`, run as a real
//! process; staff look accounts up across tenants and send a failed email again, always
//! with a reason that the account's audit log shows its partner owner; nobody else may,
//! and staff never act as a customer.

use e2e::{
    ACCEPT_INVITE, AUDIT_LOG, CONNECT_LEGACY_PARTNER, ME, TestApp, legacy_example, token_of,
};
use entity::DeliveryStatus;
use entity::delivery::{self, Entity as Delivery};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SEARCH: &str = "query($q: String!, $r: String!) { supportSearch(query: $q, reason: $r) { companyId name kind platform } }";

const ACCOUNT: &str =
    "query($c: String!, $r: String!) { supportAccount(companyId: $c, reason: $r) {
    account { companyId name kind platform }
    users { email role active }
    clients(first: 50) { totalCount edges { node { email status availableActions } } }
    partner { companyId name }
    legacyConnection { status companyId message }
    connectFailureReason
    deliveries(first: 50) { id kind to status attempts lastError createdAt sentAt } } }";

const RETRY: &str = "mutation($id: ID!, $r: String!) { supportRetryDelivery(deliveryId: $id, reason: $r) { id kind to status attempts lastError } }";

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

async fn company_id(app: &TestApp, token: &str) -> String {
    app.ok(Some(token), ME, json!({})).await["me"]["account"]["companyId"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The partner owner's audit log entries with this action.
async fn audit_entries(app: &TestApp, owner: &str, action: &str) -> Vec<Value> {
    let log = app
        .ok(Some(owner), AUDIT_LOG, json!({ "first": 100 }))
        .await;
    log["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .filter(|n| n["action"] == action)
        .collect()
}

/// The searches in the STAFF account's own audit log, oldest first.
async fn staff_searches(app: &TestApp) -> Vec<entity::audit_event::Model> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let staff = entity::account::Entity::find()
        .filter(entity::account::Column::Kind.eq(entity::AccountKind::Staff))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::AccountId.eq(staff.id))
        .filter(entity::audit_event::Column::Action.eq("support.searched"))
        .order_by_asc(entity::audit_event::Column::Id)
        .all(app.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn ops_add_and_remove_staff_from_the_gateway_binary() {
    let app = TestApp::spawn().await;
    let out = app
        .gateway_cli(&[
            "staff",
            "add",
            "--email",
            "Sam@Support.example",
            "--name",
            "Sam Support",
        ])
        .await;
    assert!(out.status.success(), "{out:?}");
    let said = stdout(&out);
    assert!(
        said.contains("sam@support.example added as support staff"),
        "{said}"
    );
    let printed = said
        .split_whitespace()
        .find(|w| w.starts_with("http://app.test/reset-password/"))
        .expect("the set-password link is printed")
        .to_owned();
    // The same link is emailed.
    let mail = app
        .wait_for_mail("sam@support.example", "set your password")
        .await;
    assert_eq!(
        mail.link("http://app.test/reset-password/").as_deref(),
        Some(printed.as_str())
    );
    app.ok(
        None,
        e2e::RESET_PASSWORD,
        json!({ "t": token_of(&printed), "p": "staff-pass-12345" }),
    )
    .await;
    let login = app
        .ok(
            None,
            e2e::LOG_IN,
            json!({ "email": "sam@support.example", "password": "staff-pass-12345" }),
        )
        .await;
    let token = login["logIn"]["token"].as_str().unwrap().to_owned();
    // Staff sessions last at most 8 hours (SESSION_TTL is 30 days).
    let expires: chrono::DateTime<chrono::Utc> = login["logIn"]["expiresAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let left = expires - chrono::Utc::now();
    assert!(
        left <= chrono::Duration::hours(8) && left > chrono::Duration::hours(7),
        "{left:?}"
    );
    let me = app.ok(Some(&token), ME, json!({})).await;
    assert_eq!(me["me"]["account"]["kind"], "STAFF");

    // Adding the same person twice is refused, and says so.
    let out = app
        .gateway_cli(&[
            "staff",
            "add",
            "--email",
            "sam@support.example",
            "--name",
            "Sam",
        ])
        .await;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already a support staff user"),
        "{out:?}"
    );
    // Bad input: a malformed email changes nothing.
    let out = app
        .gateway_cli(&["staff", "add", "--email", "not-an-email", "--name", "X"])
        .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--email"));

    let out = app.gateway_cli(&["staff", "list"]).await;
    assert!(out.status.success());
    assert!(stdout(&out).contains("sam@support.example"));
    assert!(stdout(&out).contains("1 staff users"), "{}", stdout(&out));

    // Removed: the session ends at once and log-in is refused.
    let out = app
        .gateway_cli(&["staff", "remove", "--email", "sam@support.example"])
        .await;
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("signed out everywhere"));
    assert_eq!(
        app.error_code(Some(&token), ME, json!({})).await,
        "UNAUTHENTICATED"
    );
    let body = app
        .gql(
            None,
            e2e::LOG_IN,
            json!({ "email": "sam@support.example", "password": "staff-pass-12345" }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let out = app
        .gateway_cli(&["staff", "remove", "--email", "nobody@support.example"])
        .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a support staff user"));

    // Added again: active, with a fresh link.
    let out = app
        .gateway_cli(&[
            "staff",
            "add",
            "--email",
            "sam@support.example",
            "--name",
            "Sam",
        ])
        .await;
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout(&out).contains("made active again"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test]
async fn staff_search_any_tenant_and_the_search_is_in_supports_own_log() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let rosa_co = company_id(&app, &owner).await;
    let other = app.partner("omar@othertax.example").await;
    let omar_co = company_id(&app, &other).await;
    let staff = app.staff("sam@support.example", "Sam Support").await;
    let r = "ticket #4521";

    // By Company ID, lower-case as a person types it.
    let d = app
        .ok(
            Some(&staff),
            SEARCH,
            json!({ "q": rosa_co.to_lowercase(), "r": r }),
        )
        .await;
    let found: Vec<&str> = d["supportSearch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["companyId"].as_str().unwrap())
        .collect();
    assert_eq!(found, [rosa_co.as_str()]);
    // By a user's email, any tenant, case-insensitively.
    let d = app
        .ok(
            Some(&staff),
            SEARCH,
            json!({ "q": "OMAR@OtherTax", "r": r }),
        )
        .await;
    assert_eq!(d["supportSearch"][0]["companyId"], omar_co.as_str());
    assert_eq!(d["supportSearch"].as_array().unwrap().len(), 1);
    // By part of an email that every account's users share: every tenant, never the
    // STAFF account (whose user is sam@support.example).
    let d = app
        .ok(Some(&staff), SEARCH, json!({ "q": ".example", "r": r }))
        .await;
    let kinds: Vec<&str> = d["supportSearch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 2, "{d}");
    assert!(!kinds.contains(&"STAFF"));
    // A `%` is a character, not a wildcard.
    let d = app
        .ok(Some(&staff), SEARCH, json!({ "q": "%", "r": r }))
        .await;
    assert_eq!(d["supportSearch"], json!([]));

    // At most 50 accounts.
    for i in 0..55 {
        let row = entity::account::new_row(
            &format!("Bulk Bookkeeping {i}"),
            entity::AccountKind::Partner,
            entity::Platform::V2,
            None,
            chrono::Utc::now(),
        );
        entity::account::insert_with_new_company_id(app.db(), row)
            .await
            .unwrap();
    }
    let d = app
        .ok(
            Some(&staff),
            SEARCH,
            json!({ "q": "bulk bookkeeping", "r": r }),
        )
        .await;
    assert_eq!(d["supportSearch"].as_array().unwrap().len(), 50);

    // A search is support's own business (issue 22 item 4): a reason given about one
    // firm never shows in another's log. It is in the staff account's log, with who
    // searched, why and what was found.
    assert!(
        audit_entries(&app, &owner, "support.searched")
            .await
            .is_empty()
    );
    let searches = staff_searches(&app).await;
    assert_eq!(searches.len(), 5, "{searches:#?}");
    let detail = searches[0].detail.clone().unwrap();
    assert!(detail.contains("ticket #4521"), "{detail}");
    assert!(detail.contains("sam@support.example"), "{detail}");
    assert!(detail.contains(rosa_co.as_str()), "{detail}");

    // A reason is required and bounded; bad input changes nothing.
    let before = staff_searches(&app).await.len();
    for bad in ["", "   ", &"x".repeat(501)] {
        let body = app
            .gql(Some(&staff), SEARCH, json!({ "q": rosa_co, "r": bad }))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(body["errors"][0]["extensions"]["field"], "reason");
    }
    let body = app
        .gql(Some(&staff), SEARCH, json!({ "q": " ", "r": r }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "query");
    assert_eq!(staff_searches(&app).await.len(), before);
    // Nobody but staff.
    for token in [None, Some(owner.as_str()), Some(other.as_str())] {
        assert_eq!(
            app.error_code(token, SEARCH, json!({ "q": rosa_co, "r": r }))
                .await,
            if token.is_none() {
                "UNAUTHENTICATED"
            } else {
                "FORBIDDEN"
            }
        );
    }
}

#[tokio::test]
async fn staff_see_an_account_its_clients_partner_connection_and_mail_never_a_link() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let rosa_co = company_id(&app, &owner).await;
    app.invite(&owner, "hello@bakersrow.example", Some("Baker's Row"))
        .await;
    let created = app
        .create_client(&owner, "Form Co", "Fay", "fay@form.example")
        .await;
    let form_co = created["companyId"].as_str().unwrap().to_owned();
    app.wait_for_mail("hello@bakersrow.example", "invites you")
        .await;
    let staff = app.staff("sam@support.example", "Sam Support").await;
    let why = "ticket #88: client says no invite arrived";

    let d = app
        .ok(Some(&staff), ACCOUNT, json!({ "c": rosa_co, "r": why }))
        .await;
    let a = &d["supportAccount"];
    assert_eq!(a["account"]["kind"], "PARTNER");
    assert_eq!(a["users"][0]["email"], "rosa@ledgerline.example");
    // The same client list the partner sees, with no action offered to staff.
    assert_eq!(a["clients"]["totalCount"], 2);
    let partner_view = app
        .ok(Some(&owner), e2e::CLIENTS, json!({ "first": 50 }))
        .await;
    let emails = |v: &Value| -> Vec<String> {
        v["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["email"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(emails(&a["clients"]), emails(&partner_view["clients"]));
    for e in a["clients"]["edges"].as_array().unwrap() {
        assert_eq!(e["node"]["availableActions"], json!([]));
    }
    assert!(a["partner"].is_null() && a["legacyConnection"].is_null());
    assert!(a["connectFailureReason"].is_null());
    // Its mail: the welcome, the invite it sent and the form client's set-password email,
    // with their status, and no link or token anywhere in the answer.
    let kinds: Vec<&str> = a["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"welcome") && kinds.contains(&"invite"),
        "{kinds:?}"
    );
    let invite = a["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "invite")
        .unwrap();
    assert_eq!(invite["to"], "hello@bakersrow.example");
    assert_eq!(invite["status"], "SENT");
    assert!(invite["sentAt"].is_string());
    let text = d.to_string();
    assert!(!text.contains("/invite/") && !text.contains("/reset-password/"));
    // The owner reads that support looked, and why.
    let viewed = audit_entries(&app, &owner, "support.viewed").await;
    assert_eq!(viewed.len(), 1);
    assert_eq!(
        viewed[0]["detail"],
        format!("support (sam@support.example) viewed your account: {why}")
    );

    // A client account: its partner; the read shows in that partner's log, about it.
    let d = app
        .ok(
            Some(&staff),
            ACCOUNT,
            json!({ "c": form_co, "r": "ticket #89" }),
        )
        .await;
    let a = &d["supportAccount"];
    assert_eq!(a["account"]["kind"], "CLIENT");
    assert_eq!(a["partner"]["companyId"], rosa_co.as_str());
    assert!(a["clients"].is_null());
    let viewed = audit_entries(&app, &owner, "support.viewed").await;
    assert_eq!(viewed.len(), 2);
    assert_eq!(viewed[0]["targetClient"]["email"], "fay@form.example");

    // A V1 partner: its Partner Connect request with the reason it failed.
    app.import_legacy(&legacy_example()).await.unwrap();
    let v1 = app
        .log_in("owner@ledgerline.example", "legacy-owner-pass-1")
        .await;
    let v1_co = company_id(&app, &v1).await;
    app.ok(
        Some(&v1),
        CONNECT_LEGACY_PARTNER,
        json!({ "c": "ZZZ9999", "e": "nobody@nowhere.example" }),
    )
    .await;
    let settled = app.wait_connection_settled(&v1).await;
    assert_eq!(settled["status"], "FAILED");
    let d = app
        .ok(
            Some(&staff),
            ACCOUNT,
            json!({ "c": v1_co, "r": "ticket #90" }),
        )
        .await;
    let c = &d["supportAccount"]["legacyConnection"];
    assert_eq!(c["status"], "FAILED");
    assert_eq!(c["companyId"], "ZZZ9999");
    assert_eq!(c["message"], settled["message"]);
    // Support sees the real reason the partner is not told.
    assert_eq!(
        d["supportAccount"]["connectFailureReason"],
        "no account has Company ID ZZZ9999"
    );
    assert!(
        !settled["message"]
            .as_str()
            .unwrap()
            .contains("no account has")
    );

    // Unknown: null. Malformed, or no reason: BAD_USER_INPUT. Others: FORBIDDEN.
    let d = app
        .ok(Some(&staff), ACCOUNT, json!({ "c": "QQQ0000", "r": "t" }))
        .await;
    assert!(d["supportAccount"].is_null());
    let body = app
        .gql(Some(&staff), ACCOUNT, json!({ "c": "not an id", "r": "t" }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "companyId");
    let body = app
        .gql(Some(&staff), ACCOUNT, json!({ "c": rosa_co, "r": "" }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "reason");
    assert_eq!(audit_entries(&app, &owner, "support.viewed").await.len(), 2);
    assert_eq!(
        app.error_code(Some(&owner), ACCOUNT, json!({ "c": rosa_co, "r": "t" }))
            .await,
        "FORBIDDEN"
    );
}

/// Waits until delivery `id` has this status.
async fn wait_status(app: &TestApp, id: i64, want: DeliveryStatus) -> delivery::Model {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let d = Delivery::find_by_id(id)
            .one(app.db())
            .await
            .unwrap()
            .unwrap();
        if d.status == want {
            return d;
        }
        assert!(Instant::now() < deadline, "delivery {id}: {d:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn staff_send_a_failed_invite_again_once_with_a_fresh_link_that_works() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let staff = app.staff("sam@support.example", "Sam Support").await;
    if let Some(smtp) = &app.smtp {
        // A real refusal: the mail server answers 550 to this invite.
        smtp.answer(e2e::SmtpAnswer::Permanent);
    }
    app.invite(&owner, "hello@bakersrow.example", None).await;
    let d = Delivery::find()
        .filter(delivery::Column::Kind.eq("invite"))
        .order_by_desc(delivery::Column::Id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let failed = if let Some(smtp) = &app.smtp {
        let failed = wait_status(&app, d.id, DeliveryStatus::Failed).await;
        smtp.answer(e2e::SmtpAnswer::Accept);
        failed
    } else {
        // The embedded default writes .eml files, which cannot bounce: record the same
        // outcome the sender records for a 550 (FAILED, the link removed).
        wait_status(&app, d.id, DeliveryStatus::Sent).await;
        let mail: worker::Mail = serde_json::from_str(&d.payload).unwrap();
        Delivery::update_many()
            .col_expr(
                delivery::Column::Status,
                Expr::value(DeliveryStatus::Failed),
            )
            .col_expr(
                delivery::Column::LastError,
                Expr::value("smtp: 550 5.7.1 delivery not authorized"),
            )
            .col_expr(
                delivery::Column::Payload,
                Expr::value(serde_json::to_string(&mail.redacted()).unwrap()),
            )
            .filter(delivery::Column::Id.eq(d.id))
            .exec(app.db())
            .await
            .unwrap();
        Delivery::find_by_id(d.id)
            .one(app.db())
            .await
            .unwrap()
            .unwrap()
    };
    assert!(
        failed.payload.contains(worker::mail::REDACTED),
        "a failed email keeps no link"
    );
    let id = d.id.to_string();
    let original: worker::Mail = serde_json::from_str(&d.payload).unwrap();

    let r = app
        .ok(Some(&staff), RETRY, json!({ "id": id, "r": "ticket #91" }))
        .await;
    assert_eq!(r["supportRetryDelivery"]["id"], id.as_str());
    assert_eq!(r["supportRetryDelivery"]["status"], "PENDING");
    assert_eq!(r["supportRetryDelivery"]["attempts"], 0);
    wait_status(&app, d.id, DeliveryStatus::Sent).await;
    let mail = app
        .wait_for_mail("hello@bakersrow.example", "invites you")
        .await;
    let link = mail
        .link("http://app.test/invite/")
        .expect("the resent invite carries a link");
    let worker::Mail::Invite { link: first, .. } = original else {
        panic!("an invite")
    };
    assert_ne!(link, first, "a fresh link, not the removed one");
    // The fresh link works.
    let accepted = app
        .ok(
            None,
            ACCEPT_INVITE,
            json!({ "token": token_of(&link), "input": {
                "companyName": "Baker's Row", "name": "Bea", "password": "bea-pass-12345" } }),
        )
        .await;
    assert_eq!(accepted["acceptInvite"]["user"]["role"], "OWNER");

    // Once: it is not FAILED any more.
    let body = app
        .gql(Some(&staff), RETRY, json!({ "id": id, "r": "again" }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("SENT"),
        "{body}"
    );
    // The partner owner reads it, about the client.
    let seen = audit_entries(&app, &owner, "support.retried_delivery").await;
    assert_eq!(seen.len(), 1);
    assert!(seen[0]["detail"].as_str().unwrap().contains("ticket #91"));
    assert_eq!(seen[0]["targetClient"]["email"], "hello@bakersrow.example");
    // A failed email whose link was removed and that does not say whom it was for (one
    // written before that was recorded): refused, saying what to do instead; unchanged.
    let legacy = worker::Mail::Invite {
        to: "old@client.example".into(),
        partner_name: "Ledger & Line".into(),
        company_name: None,
        link: worker::mail::REDACTED.into(),
        client_id: None,
    };
    // Written FAILED at once, so no worker takes it meanwhile.
    let now = chrono::Utc::now();
    let old_id = Delivery::insert(delivery::ActiveModel {
        kind: sea_orm::Set("invite".into()),
        recipient: sea_orm::Set("old@client.example".into()),
        payload: sea_orm::Set(serde_json::to_string(&legacy).unwrap()),
        status: sea_orm::Set(DeliveryStatus::Failed),
        attempts: sea_orm::Set(10),
        next_attempt_at: sea_orm::Set(now),
        queued_at: sea_orm::Set(None),
        sent_at: sea_orm::Set(None),
        last_error: sea_orm::Set(Some("smtp: 550 5.1.1 no such mailbox".into())),
        created_at: sea_orm::Set(now),
        claimed_until: sea_orm::Set(None),
        ..Default::default()
    })
    .exec(app.db())
    .await
    .unwrap()
    .last_insert_id;
    let body = app
        .gql(
            Some(&staff),
            RETRY,
            json!({ "id": old_id.to_string(), "r": "ticket #92" }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("resend the invite"),
        "{body}"
    );
    assert_eq!(
        wait_status(&app, old_id, DeliveryStatus::Failed)
            .await
            .attempts,
        10,
        "unchanged"
    );
    // Refusals.
    assert_eq!(
        app.error_code(Some(&staff), RETRY, json!({ "id": "999999", "r": "t" }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(Some(&owner), RETRY, json!({ "id": id, "r": "t" }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(None, RETRY, json!({ "id": id, "r": "t" }))
            .await,
        "UNAUTHENTICATED"
    );
}
