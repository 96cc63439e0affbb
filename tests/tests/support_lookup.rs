//! SPEC §9 and issue 15: support staff look accounts up across tenants, always with a
//! reason. A search is support's own business, in the STAFF account's log (issue 22 item
//! 4); a look at an account shows its users, clients, partner, Partner Connect request
//! (with the real failure reason) and mail, never a link or token, and lands in the audit
//! log its partner owner reads. Nobody else may, and staff never act as a customer.

use e2e::{TestApp, code_of, field_of, legacy_example};
use entity::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

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

const WHY: &str = "ticket #4521";

/// The searches in the STAFF account's own audit log, oldest first.
async fn staff_searches(app: &TestApp) -> Vec<audit_event::Model> {
    let staff = entity::account::Entity::find()
        .filter(entity::account::Column::Kind.eq(entity::AccountKind::Staff))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    audit_event::Entity::find()
        .filter(audit_event::Column::AccountId.eq(staff.id))
        .filter(audit_event::Column::Action.eq("support.searched"))
        .order_by_asc(audit_event::Column::Id)
        .all(app.db())
        .await
        .unwrap()
}

/// `supportSearch` for `q` with the reason [`WHY`]: the accounts found.
async fn search(app: &TestApp, staff: &str, q: &str) -> Vec<Value> {
    let d = app
        .ok(Some(staff), SEARCH, json!({ "q": q, "r": WHY }))
        .await;
    d["supportSearch"].as_array().unwrap().clone()
}

/// `field` of every account found.
fn each<'a>(found: &'a [Value], field: &str) -> Vec<&'a str> {
    found.iter().map(|a| a[field].as_str().unwrap()).collect()
}

/// 55 partner accounts named "Bulk Bookkeeping {i}", written straight to the database.
async fn fifty_five_bulk_accounts(app: &TestApp) {
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
}

#[tokio::test]
async fn staff_search_any_tenant_and_the_search_is_in_supports_own_log() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let rosa_co = app.company_id(&owner).await;
    let other = app.partner("omar@othertax.example").await;
    let omar_co = app.company_id(&other).await;
    let staff = app.staff("sam@support.example", "Sam Support").await;

    // By Company ID, lower-case as a person types it.
    let found = search(&app, &staff, &rosa_co.to_lowercase()).await;
    assert_eq!(each(&found, "companyId"), [rosa_co.as_str()]);
    // By a user's email, any tenant, case-insensitively.
    let found = search(&app, &staff, "OMAR@OtherTax").await;
    assert_eq!(each(&found, "companyId"), [omar_co.as_str()]);
    // By part of an email that every account's users share: every tenant, never the
    // STAFF account (whose user is sam@support.example).
    let kinds = each(&search(&app, &staff, ".example").await, "kind")
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(!kinds.iter().any(|k| k == "STAFF"));
    // A `%` is a character, not a wildcard.
    assert!(search(&app, &staff, "%").await.is_empty());
    // At most 50 accounts.
    fifty_five_bulk_accounts(&app).await;
    assert_eq!(search(&app, &staff, "bulk bookkeeping").await.len(), 50);

    // A search is support's own business (issue 22 item 4): a reason given about one
    // firm never shows in another's log. It is in the staff account's log, with who
    // searched, why and what was found.
    assert!(
        app.audit_entries(&owner, "support.searched")
            .await
            .is_empty()
    );
    let searches = staff_searches(&app).await;
    assert_eq!(searches.len(), 5, "{searches:#?}");
    let detail = searches[0].detail.clone().unwrap();
    assert!(detail.contains("ticket #4521"), "{detail}");
    assert!(detail.contains("sam@support.example"), "{detail}");
    assert!(detail.contains(rosa_co.as_str()), "{detail}");
    a_search_needs_a_reason_and_staff(&app, &staff, &[&owner, &other], &rosa_co).await;
}

/// A reason is required and bounded, bad input changes nothing; nobody but staff.
async fn a_search_needs_a_reason_and_staff(
    app: &TestApp,
    staff: &str,
    partners: &[&str],
    company_id: &str,
) {
    let before = staff_searches(app).await.len();
    for bad in ["", "   ", &"x".repeat(501)] {
        let vars = json!({ "q": company_id, "r": bad });
        let body = app.gql(Some(staff), SEARCH, vars).await;
        assert_eq!(code_of(&body), "BAD_USER_INPUT");
        assert_eq!(field_of(&body), "reason");
    }
    let body = app
        .gql(Some(staff), SEARCH, json!({ "q": " ", "r": WHY }))
        .await;
    assert_eq!(field_of(&body), "query");
    assert_eq!(staff_searches(app).await.len(), before);
    let vars = json!({ "q": company_id, "r": WHY });
    assert_eq!(
        app.error_code(None, SEARCH, vars.clone()).await,
        "UNAUTHENTICATED"
    );
    for token in partners {
        assert_eq!(
            app.error_code(Some(token), SEARCH, vars.clone()).await,
            "FORBIDDEN"
        );
    }
}

/// `supportAccount` for the Company ID `c` with the reason `r`.
async fn look_at(app: &TestApp, staff: &str, c: &str, r: &str) -> Value {
    let d = app
        .ok(Some(staff), ACCOUNT, json!({ "c": c, "r": r }))
        .await;
    d["supportAccount"].clone()
}

/// The emails of a `clients` connection's rows.
fn emails(v: &Value) -> Vec<String> {
    e2e::listed_emails(v)
}

/// A partner account: the same client list the partner sees (with no action offered
/// to staff), its mail with no link or token, and the owner reads why support looked.
async fn a_partner_as_staff_see_it(app: &TestApp, staff: &str, owner: &str, rosa_co: &str) {
    let why = "ticket #88: client says no invite arrived";
    let a = look_at(app, staff, rosa_co, why).await;
    assert_eq!(a["account"]["kind"], "PARTNER");
    assert_eq!(a["users"][0]["email"], "rosa@ledgerline.example");
    assert_eq!(a["clients"]["totalCount"], 2);
    let partner_view = app.clients(owner, json!({ "first": 50 })).await;
    assert_eq!(emails(&a["clients"]), emails(&partner_view));
    for e in a["clients"]["edges"].as_array().unwrap() {
        assert_eq!(e["node"]["availableActions"], json!([]));
    }
    assert!(a["partner"].is_null() && a["legacyConnection"].is_null());
    assert!(a["connectFailureReason"].is_null());
    // Its mail: the welcome, the invite it sent and the form client's set-password email,
    // with their status, and no link or token anywhere in the answer.
    let deliveries = a["deliveries"].as_array().unwrap();
    let kinds: Vec<&str> = deliveries
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"welcome") && kinds.contains(&"invite"),
        "{kinds:?}"
    );
    let invite = deliveries.iter().find(|d| d["kind"] == "invite").unwrap();
    assert_eq!(invite["to"], "hello@bakersrow.example");
    assert_eq!(invite["status"], "SENT");
    assert!(invite["sentAt"].is_string());
    let text = a.to_string();
    assert!(!text.contains("/invite/") && !text.contains("/reset-password/"));
    // The owner reads that support looked, and why.
    let viewed = app.audit_entries(owner, "support.viewed").await;
    assert_eq!(viewed.len(), 1);
    assert_eq!(
        viewed[0]["detail"],
        format!("support (sam@support.example) viewed your account: {why}")
    );
}

/// A V1 partner: its Partner Connect request, with the real reason it failed, which the
/// partner is not told.
async fn a_failed_connect_as_staff_see_it(app: &TestApp, staff: &str) {
    app.import_legacy(&legacy_example()).await.unwrap();
    let v1 = app
        .log_in("owner@ledgerline.example", "legacy-owner-pass-1")
        .await;
    let v1_co = app.company_id(&v1).await;
    app.connect_legacy_partner(&v1, "ZZZ9999", "nobody@nowhere.example")
        .await;
    let settled = app.wait_connection_settled(&v1).await;
    assert_eq!(settled["status"], "FAILED");
    let a = look_at(app, staff, &v1_co, "ticket #90").await;
    let c = &a["legacyConnection"];
    assert_eq!(c["status"], "FAILED");
    assert_eq!(c["companyId"], "ZZZ9999");
    assert_eq!(c["message"], settled["message"]);
    // Support sees the real reason the partner is not told.
    assert_eq!(
        a["connectFailureReason"],
        "no account has Company ID ZZZ9999"
    );
    let told = settled["message"].as_str().unwrap();
    assert!(!told.contains("no account has"), "{told}");
}

#[tokio::test]
async fn staff_see_an_account_its_clients_partner_connection_and_mail_never_a_link() {
    let app = TestApp::spawn().await;
    let owner = app.partner("rosa@ledgerline.example").await;
    let rosa_co = app.company_id(&owner).await;
    app.invite(&owner, "hello@bakersrow.example", Some("Baker's Row"))
        .await;
    let created = app
        .create_client(&owner, "Form Co", "Fay", "fay@form.example")
        .await;
    let form_co = created["companyId"].as_str().unwrap().to_owned();
    app.wait_for_mail("hello@bakersrow.example", "invites you")
        .await;
    let staff = app.staff("sam@support.example", "Sam Support").await;
    a_partner_as_staff_see_it(&app, &staff, &owner, &rosa_co).await;

    // A client account: its partner; the read shows in that partner's log, about it.
    let a = look_at(&app, &staff, &form_co, "ticket #89").await;
    assert_eq!(a["account"]["kind"], "CLIENT");
    assert_eq!(a["partner"]["companyId"], rosa_co.as_str());
    assert!(a["clients"].is_null());
    let viewed = app.audit_entries(&owner, "support.viewed").await;
    assert_eq!(viewed.len(), 2);
    assert_eq!(viewed[0]["targetClient"]["email"], "fay@form.example");
    a_failed_connect_as_staff_see_it(&app, &staff).await;

    // Unknown: null. Malformed, or no reason: BAD_USER_INPUT. Others: FORBIDDEN.
    assert!(look_at(&app, &staff, "QQQ0000", "t").await.is_null());
    let body = app
        .gql(Some(&staff), ACCOUNT, json!({ "c": "not an id", "r": "t" }))
        .await;
    assert_eq!(field_of(&body), "companyId");
    let body = app
        .gql(Some(&staff), ACCOUNT, json!({ "c": rosa_co, "r": "" }))
        .await;
    assert_eq!(field_of(&body), "reason");
    assert_eq!(app.audit_entries(&owner, "support.viewed").await.len(), 2);
    assert_eq!(
        app.error_code(Some(&owner), ACCOUNT, json!({ "c": rosa_co, "r": "t" }))
            .await,
        "FORBIDDEN"
    );
}
