//! Issue 16 item 7, the CSV export of the client list (`GET /export/clients.csv`): what a
//! partner finds in the file (every client once, as the list shows it, formulas
//! neutralised), its filters, who may export, and that batches lose and repeat nothing.

use e2e::{TestApp, message_of, spreadsheet_time};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The list with the export's columns, and the export's filters.
const LIST: &str = "query($status: ClientStatus, $search: String, $before: DateTime, $after: String) {
    clients(first: 100, after: $after, status: $status, search: $search, trialEndsBefore: $before) {
      pageInfo { hasNextPage endCursor }
      edges { node { id companyId name email status invitedVia invitedAt trialEndsAt partnerAccess } } } }";

/// A spreadsheet formula as the export writes it: behind a `'`.
fn neutralised(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// The list's rows for these variables, as the export should write them, by id.
async fn listed(app: &TestApp, token: &str, vars: Value) -> BTreeMap<i64, Vec<String>> {
    let mut rows = BTreeMap::new();
    let mut vars = vars;
    loop {
        let page = app.ok(Some(token), LIST, vars.clone()).await;
        for e in page["clients"]["edges"].as_array().unwrap() {
            let n = &e["node"];
            let text = |k: &str| neutralised(n[k].as_str().unwrap_or(""));
            let id: i64 = n["id"].as_str().unwrap().parse().unwrap();
            let cells = [
                "id",
                "companyId",
                "name",
                "email",
                "status",
                "invitedVia",
                "invitedAt",
                "trialEndsAt",
                "partnerAccess",
            ]
            .map(text)
            .to_vec();
            // Times as the spreadsheet gets them: UTC to the second.
            let mut cells = cells;
            for at in [6, 7] {
                cells[at] = spreadsheet_time(&cells[at]);
            }
            assert!(rows.insert(id, cells).is_none());
        }
        let info = &page["clients"]["pageInfo"];
        if info["hasNextPage"] != true {
            return rows;
        }
        vars["after"] = info["endCursor"].clone();
    }
}

fn by_id(rows: Vec<Vec<String>>) -> BTreeMap<i64, Vec<String>> {
    let mut map = BTreeMap::new();
    for r in rows {
        let id = r[0].parse().unwrap();
        assert!(map.insert(id, r).is_none(), "client {id} appears twice");
    }
    map
}

/// Rosa's firm with clients in every status and access state, names a spreadsheet would
/// run or split, and another firm whose clients must never appear. Returns Rosa's token.
async fn firm_with_every_kind_of_client(app: &TestApp) -> String {
    let s = app.partner_with_client().await;
    // Corner Shop: partner access OK, then subscribed (PAYING).
    app.subscribe(&s.client_owner, "monthly").await;
    // Two more by the sign-up form: the client makes Rosa's user there inactive in one
    // and an EMPLOYEE in the other.
    for (company, email, change) in [
        ("Quiet Co", "quinn@quiet.example", "inactive"),
        ("Demoted Co", "dora@demoted.example", "employee"),
    ] {
        app.create_client(&s.partner, company, "Owner", email).await;
        let owner = app.activate(email, "owner-password-1").await;
        let rosa_there = app.user_id(&owner, "rosa@ledgerline.example").await;
        if change == "inactive" {
            app.set_user_active(&owner, &rosa_there, false).await;
        } else {
            app.set_user_role(&owner, &rosa_there, "EMPLOYEE").await;
        }
    }
    // Invited, with names a spreadsheet would run as formulas or split into cells.
    for (email, company) in [
        (
            "link@formula.example",
            Some("=HYPERLINK(\"http://evil.example\",\"x\")"),
        ),
        ("plus@formula.example", Some("+1")),
        ("minus@formula.example", Some("-2+3")),
        ("at@formula.example", Some("@SUM(A1:A2)")),
        ("comma@quote.example", Some("Smith, Jones & \"Best\" Co")),
        ("noname@invited.example", None),
    ] {
        app.invite(&s.partner, email, company).await;
    }
    let other = app.partner("otto@otherfirm.example").await;
    app.invite(&other, "secret@otherclient.example", Some("Other's Client"))
        .await;
    app.create_client(&other, "Other Form Co", "O", "form@otherclient.example")
        .await;
    s.partner
}

#[tokio::test]
async fn a_partner_exports_every_client_once_as_the_list_shows_it() {
    let app = TestApp::spawn().await;
    let rosa = firm_with_every_kind_of_client(&app).await;

    let e = app.export_clients(Some(&rosa), &[]).await;
    assert_eq!(e.status, 200, "{}", e.body);
    assert_eq!(e.headers["content-type"], "text/csv; charset=utf-8");
    // A name that says what the file holds and when it was made.
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(e.file_name(), format!("clients-all-{today}.csv"));
    assert_eq!(e.headers["cache-control"], "no-store");
    // A byte-order mark first, so Excel reads the accents right.
    assert!(e.body.starts_with(
        "\u{feff}id,company id,name,email,status,invited via,invited at (UTC),trial ends at (UTC),partner access\r\n"
    ));
    let rows = e.rows();
    let ids: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "rows come by id");
    let exported = by_id(rows);
    assert_eq!(exported.len(), 9);
    assert_eq!(exported, listed(&app, &rosa, json!({})).await);

    // What a partner would look for in the spreadsheet.
    let row = |email: &str| {
        exported
            .values()
            .find(|r| r[3] == email)
            .unwrap_or_else(|| panic!("{email} exported"))
            .clone()
    };
    assert_eq!(row("cora@cornershop.example")[4], "PAYING");
    assert_eq!(row("cora@cornershop.example")[5], "FORM");
    assert_eq!(row("cora@cornershop.example")[8], "OK");
    assert_eq!(row("quinn@quiet.example")[8], "INACTIVE");
    assert_eq!(row("dora@demoted.example")[8], "NOT_ADMIN");
    assert_eq!(row("noname@invited.example")[8], "MISSING");
    assert_eq!(row("noname@invited.example")[7], "", "no trial yet");
    assert_eq!(
        row("link@formula.example")[2],
        "'=HYPERLINK(\"http://evil.example\",\"x\")"
    );
    assert_eq!(row("plus@formula.example")[2], "'+1");
    assert_eq!(row("minus@formula.example")[2], "'-2+3");
    assert_eq!(row("at@formula.example")[2], "'@SUM(A1:A2)");
    assert_eq!(row("comma@quote.example")[2], "Smith, Jones & \"Best\" Co");
    // As written: quoted, its quotes doubled, and the formula behind its quote.
    assert!(
        e.body
            .contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",")
    );
    assert!(e.body.contains(",\"Smith, Jones & \"\"Best\"\" Co\","));
    assert!(e.body.contains(",'+1,"));

    assert!(
        !e.body.contains("otherclient.example"),
        "another firm's clients"
    );
    let otto = app
        .log_in("otto@otherfirm.example", "correct-horse-1")
        .await;
    let theirs = app.export_clients(Some(&otto), &[]).await.rows();
    assert_eq!(theirs.len(), 2);
    assert!(
        theirs
            .iter()
            .all(|r| r[3].ends_with("@otherclient.example"))
    );
}

type Case<'a> = (Vec<(&'a str, &'a str)>, Value, usize);

#[tokio::test]
async fn filters_narrow_the_export_as_they_narrow_the_list() {
    let app = TestApp::spawn().await;
    let rosa = firm_with_every_kind_of_client(&app).await;
    let soon = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let past = "2000-01-01T00:00:00Z";
    // The export's query, the list's variables, how many clients match.
    let cases: Vec<Case> = vec![
        (
            vec![("status", "INVITED")],
            json!({ "status": "INVITED" }),
            6,
        ),
        (vec![("status", "TRIAL")], json!({ "status": "TRIAL" }), 2),
        (vec![("status", "PAYING")], json!({ "status": "PAYING" }), 1),
        (
            vec![("status", "TRIAL_EXPIRED")],
            json!({ "status": "TRIAL_EXPIRED" }),
            0,
        ),
        (
            vec![("search", "FORMULA")],
            json!({ "search": "FORMULA" }),
            4,
        ),
        (
            vec![("search", "  quiet ")],
            json!({ "search": "  quiet " }),
            1,
        ),
        // Trials ending soon are trials: the PAYING client's old trial end is not one.
        (
            vec![("trialEndsBefore", &soon)],
            json!({ "before": soon }),
            2,
        ),
        (
            vec![("trialEndsBefore", past)],
            json!({ "before": past }),
            0,
        ),
        (
            vec![
                ("status", "TRIAL"),
                ("search", "demoted"),
                ("trialEndsBefore", &soon),
            ],
            json!({ "status": "TRIAL", "search": "demoted", "before": soon }),
            1,
        ),
    ];
    for (query, vars, n) in cases {
        let e = app.export_clients(Some(&rosa), &query).await;
        let exported = by_id(e.rows());
        assert_eq!(exported.len(), n, "{query:?}");
        assert_eq!(exported, listed(&app, &rosa, vars).await, "{query:?}");
        // The file is named for the status it holds.
        let what = query
            .iter()
            .find(|(k, _)| *k == "status")
            .map_or("all".to_owned(), |(_, v)| {
                v.to_lowercase().replace('_', "-")
            });
        assert!(
            e.file_name().starts_with(&format!("clients-{what}-")),
            "{query:?}: {}",
            e.file_name()
        );
    }
    // An offset sent without encoding its `+` (it arrives as a space) means the `+`.
    let plus_as_space = [("trialEndsBefore", "2999-01-01T00:00:00 02:00")];
    let e = app.export_clients(Some(&rosa), &plus_as_space).await;
    assert_eq!(e.rows().len(), 2, "the two trials");
}

#[tokio::test]
async fn only_a_partners_owners_and_admins_may_export() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    app.add_user(&s.partner, "ada@ledgerline.example", "Ada", "ADMIN")
        .await;
    let admin = app
        .activate("ada@ledgerline.example", "ada-password-1")
        .await;
    app.add_user(&s.partner, "emil@ledgerline.example", "Emil", "EMPLOYEE")
        .await;
    let employee = app
        .activate("emil@ledgerline.example", "emil-password-1")
        .await;
    app.add_user(&s.partner, "max@ledgerline.example", "Max", "MANAGER")
        .await;
    let manager = app
        .activate("max@ledgerline.example", "max-password-1")
        .await;
    let staff = app.staff("sam@support.example", "Sam Support").await;

    assert_eq!(app.export_clients(Some(&admin), &[]).await.rows().len(), 1);
    for (who, token, status, code) in [
        ("anonymous", None, 401, "UNAUTHENTICATED"),
        ("a bad token", Some("not-a-session"), 401, "UNAUTHENTICATED"),
        (
            "a client owner",
            Some(s.client_owner.as_str()),
            403,
            "FORBIDDEN",
        ),
        (
            "a partner EMPLOYEE",
            Some(employee.as_str()),
            403,
            "FORBIDDEN",
        ),
        (
            "a partner MANAGER",
            Some(manager.as_str()),
            403,
            "FORBIDDEN",
        ),
        ("support staff", Some(staff.as_str()), 403, "FORBIDDEN"),
    ] {
        let e = app.export_clients(token, &[]).await;
        assert_eq!(e.status, status, "{who}: {}", e.body);
        assert_eq!(e.headers["content-type"], "application/json", "{who}");
        assert_eq!(e.error().0, code, "{who}");
        assert!(!e.body.contains("cornershop"), "{who}");
    }
    // Refused before its parameters are read: an anonymous caller learns nothing of them.
    let e = app.export_clients(None, &[("status", "nonsense")]).await;
    assert_eq!((e.status, e.error().0.as_str()), (401, "UNAUTHENTICATED"));
}

#[tokio::test]
async fn bad_parameters_are_refused_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let s = app.partner_with_client().await;
    let long = "x".repeat(101);
    for (query, field) in [
        (vec![("status", "trial")], Some("status")),
        (vec![("status", "ARCHIVED")], Some("status")),
        (
            vec![("trialEndsBefore", "tomorrow")],
            Some("trialEndsBefore"),
        ),
        (
            vec![("trialEndsBefore", "2025-13-01T00:00:00Z")],
            Some("trialEndsBefore"),
        ),
        (vec![("search", long.as_str())], Some("search")),
        (
            vec![("status", "TRIAL"), ("status", "PAYING")],
            Some("status"),
        ),
        (vec![("staus", "TRIAL")], None),
    ] {
        let e = app.export_clients(Some(&s.partner), &query).await;
        assert_eq!(e.status, 400, "{query:?}: {}", e.body);
        assert_eq!(
            e.error(),
            ("BAD_USER_INPUT".to_owned(), field.map(str::to_owned))
        );
        let message = message_of(&e.error_body()).to_owned();
        assert!(
            message.contains(query[0].0),
            "{message} names {}",
            query[0].0
        );
    }
    // Nothing changed: the list is as it was.
    assert_eq!(
        app.export_clients(Some(&s.partner), &[]).await.rows().len(),
        1
    );
}

/// 2,500 invited clients of `partner_id` (2.5 batches of `EXPORT_BATCH`), interleaved
/// with as many of `other_id`'s, so that each batch's ids are not one run; written
/// straight to the database.
async fn interleaved_clients(app: &TestApp, partner_id: i64, other_id: i64) {
    let now = chrono::Utc::now();
    let rows: Vec<_> = (0..2_500)
        .flat_map(|i| {
            [
                (partner_id, format!("c{i:04}@bulk.example")),
                (other_id, format!("o{i:04}@bulk.example")),
            ]
        })
        .map(|(p, email)| {
            entity::client::new_row(
                p,
                &email,
                Some(format!("Bulk {email}")),
                entity::ClientStatus::Invited,
                entity::InviteMethod::Email,
                now,
            )
        })
        .collect();
    for chunk in rows.chunks(500) {
        use sea_orm::EntityTrait;
        entity::client::Entity::insert_many(chunk.to_vec())
            .exec(app.db())
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn an_export_of_several_batches_has_every_row_exactly_once() {
    let app = TestApp::spawn().await;
    let signed_up = app
        .sign_up(
            "Big Firm",
            "Bo",
            "bo@bigfirm.example",
            "correct-horse-1",
            true,
        )
        .await;
    let bo = signed_up["token"].as_str().unwrap().to_owned();
    let partner_id = e2e::db_id(&signed_up["user"]["account"]["id"]);
    let other = app
        .sign_up("Other", "Ot", "ot@other.example", "correct-horse-1", true)
        .await;
    let other_id = e2e::db_id(&other["user"]["account"]["id"]);
    interleaved_clients(&app, partner_id, other_id).await;
    assert_eq!(gateway::services::client_list::EXPORT_BATCH, 1_000);

    let exported = app.export_clients(Some(&bo), &[]).await.rows();
    assert_eq!(exported.len(), 2_500);
    let emails: Vec<&str> = exported.iter().map(|r| r[3].as_str()).collect();
    let expected: Vec<String> = (0..2_500)
        .map(|i| format!("c{i:04}@bulk.example"))
        .collect();
    assert_eq!(
        emails, expected,
        "every row once, by id, none of the other firm's"
    );
    let ids: Vec<i64> = exported.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));

    // Exactly one batch, and a filter that leaves a batch and a bit.
    let page = by_id(
        app.export_clients(Some(&bo), &[("search", "c1")])
            .await
            .rows(),
    );
    assert_eq!(page.len(), 1_000);
    let page = by_id(
        app.export_clients(Some(&bo), &[("search", "bulk c0")])
            .await
            .rows(),
    );
    assert_eq!(page.len(), 1_000);
}

#[tokio::test]
async fn the_export_counts_against_the_per_address_limit() {
    let app = TestApp::spawn_with_args(&["--rate-limit-ip", "4/1m"]).await;
    let rosa = app.partner("rosa@ledgerline.example").await;
    let mut statuses = Vec::new();
    let refused = loop {
        let e = app.export_clients(Some(&rosa), &[]).await;
        statuses.push(e.status);
        if e.status != 200 || statuses.len() == 10 {
            break e;
        }
    };
    assert_eq!(statuses[0], 200);
    assert_eq!(refused.status, 429, "{statuses:?}");
    assert_eq!(refused.error().0, "RATE_LIMITED");
    assert!(refused.headers.contains_key("retry-after"));
}
