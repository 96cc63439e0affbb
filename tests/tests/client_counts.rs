//! Issue 27: a firm's client counts per status are kept by the database in the same
//! transaction as every change (`client_status_counts`), so the list's `totalCount` and
//! `clientStatusCounts` read a few rows instead of counting the firm's clients. Here they
//! are compared with a fresh `COUNT(*)` after invites, bulk invites, accepts, sign-up
//! forms, subscriptions, removals and trial sweeps made all at once (in scale-out mode,
//! through two gateways and by worker processes).

use chrono::Duration;
use e2e::{CLIENTS, STATUS_COUNTS, TestApp};
use entity::{ClientStatus, client, client_status_count, user};
use futures::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const INVITE_CLIENTS: &str = "mutation($rows: [BulkInviteRow!]!) {
    inviteClients(rows: $rows) { invited skipped invalid } }";

/// The firm of the partner user `email`.
async fn firm_of(app: &TestApp, email: &str) -> i64 {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .account_id
}

/// The firm's clients per status, counted now from their rows.
async fn counted(app: &TestApp, firm: i64) -> BTreeMap<String, i64> {
    let rows: Vec<(ClientStatus, i64)> = client::Entity::find()
        .select_only()
        .column(client::Column::Status)
        .column_as(client::Column::Id.count(), "n")
        .filter(client::Column::PartnerAccountId.eq(firm))
        .group_by(client::Column::Status)
        .into_tuple()
        .all(app.db())
        .await
        .unwrap();
    rows.into_iter()
        .map(|(s, n)| (format!("{s:?}"), n))
        .collect()
}

/// The firm's counters as kept (statuses with none left out).
async fn kept(app: &TestApp, firm: i64) -> BTreeMap<String, i64> {
    client_status_count::Entity::find()
        .filter(client_status_count::Column::PartnerAccountId.eq(firm))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.n != 0)
        .map(|c| (format!("{:?}", c.status), c.n))
        .collect()
}

/// What the list says: `clientStatusCounts`, and `totalCount` of each tab and of all.
async fn listed(app: &TestApp, token: &str) -> BTreeMap<String, i64> {
    let counts = app.ok(Some(token), STATUS_COUNTS, json!({})).await["clientStatusCounts"].clone();
    let mut out = BTreeMap::new();
    let mut sum = 0;
    for (field, status, name) in [
        ("invited", "INVITED", "Invited"),
        ("trial", "TRIAL", "Trial"),
        ("trialExpired", "TRIAL_EXPIRED", "TrialExpired"),
        ("paying", "PAYING", "Paying"),
    ] {
        let n = counts[field].as_i64().unwrap();
        let tab = app
            .ok(
                Some(token),
                CLIENTS,
                json!({ "first": 1, "status": status }),
            )
            .await;
        assert_eq!(
            tab["clients"]["totalCount"], n,
            "the {status} tab's totalCount and clientStatusCounts agree"
        );
        sum += n;
        if n != 0 {
            out.insert(name.to_owned(), n);
        }
    }
    assert_eq!(counts["total"], sum);
    let all = app.ok(Some(token), CLIENTS, json!({ "first": 1 })).await;
    assert_eq!(
        all["clients"]["totalCount"], sum,
        "the whole list's totalCount"
    );
    out
}

fn rows(prefix: &str, n: usize) -> Value {
    json!((0..n)
        .map(|i| json!({ "email": format!("{prefix}{i}@bulk.example"), "companyName": format!("Bulk {i}") }))
        .collect::<Vec<_>>())
}

/// Made before the load: trials that have ended (the sweeps expire them), invites to
/// accept (their links) and to remove (Ben's), and a client of Ben's who will subscribe
/// (their session).
async fn made_first(app: &TestApp, ana: &str, ben: &str) -> (Vec<String>, Vec<Value>, String) {
    let mut ended = Vec::new();
    for i in 0..6 {
        let c = app
            .create_client(
                ana,
                &format!("Ended {i}"),
                "E",
                &format!("ended{i}@client.example"),
            )
            .await;
        app.end_trial_in(&c["id"], -Duration::hours(1)).await;
        ended.push(c);
    }
    let mut links = Vec::new();
    for i in 0..4 {
        let email = format!("accepts{i}@client.example");
        app.invite(ana, &email, Some("Accepts")).await;
        links.push(app.invite_link_mailed_to(&email).await);
    }
    let mut removable = Vec::new();
    for i in 0..3 {
        removable.push(
            app.invite(ben, &format!("gone{i}@client.example"), None)
                .await["id"]
                .clone(),
        );
    }
    let payer = app.invite(ben, "pays@client.example", Some("Pays")).await;
    let pay_link = app.invite_link_mailed_to("pays@client.example").await;
    let payer_session = app
        .accept_invite(&pay_link, "Pays", "Pat", "pat-password-1")
        .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(payer["status"], "INVITED");

    (links, removable, payer_session)
}

/// All at once: single and bulk invites for both firms, accepts, sign-up forms, removals,
/// a subscription and two trial sweeps.
async fn all_at_once(
    app: &TestApp,
    ana: &str,
    ben: &str,
    links: &[String],
    removable: &[Value],
    payer_session: &str,
) {
    let mut work: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>>> = Vec::new();
    for i in 0..10 {
        let (token, email) = if i % 2 == 0 {
            (ana, format!("single{i}@client.example"))
        } else {
            (ben, format!("single{i}@client.example"))
        };
        work.push(Box::pin(async move {
            app.invite(token, &email, None).await;
        }));
    }
    for (token, prefix) in [(ana, "a"), (ben, "b")] {
        work.push(Box::pin(async move {
            let done = app
                .ok(
                    Some(token),
                    INVITE_CLIENTS,
                    json!({ "rows": rows(prefix, 25) }),
                )
                .await;
            assert_eq!(done["inviteClients"]["invited"], 25, "{done}");
        }));
    }
    for (i, link) in links.iter().enumerate() {
        work.push(Box::pin(async move {
            app.accept_invite(link, &format!("Accepted {i}"), "A", "accept-password-1")
                .await;
        }));
    }
    for i in 0..6 {
        let token = if i % 2 == 0 { ana } else { ben };
        work.push(Box::pin(async move {
            app.create_client(
                token,
                &format!("Form {i}"),
                "F",
                &format!("form{i}@client.example"),
            )
            .await;
        }));
    }
    for id in removable {
        work.push(Box::pin(async move {
            app.remove_client(ben, id).await;
        }));
    }
    work.push(Box::pin(async move {
        app.subscribe(payer_session, "monthly").await;
    }));
    // Two sweeps at once, as two worker processes would run them.
    for _ in 0..2 {
        work.push(Box::pin(async move {
            let out = app.worker_cli(&["sweep-trials"]).await;
            assert!(out.status.success(), "{out:?}");
        }));
    }
    join_all(work).await;
}

#[tokio::test]
async fn counts_kept_under_a_mixed_load_equal_a_fresh_count() {
    let app = TestApp::spawn().await;
    let ana = app.partner("ana@firm.example").await;
    let ben = app.partner("ben@firm.example").await;
    let (ana_firm, ben_firm) = (
        firm_of(&app, "ana@firm.example").await,
        firm_of(&app, "ben@firm.example").await,
    );
    let (links, removable, payer_session) = made_first(&app, &ana, &ben).await;
    all_at_once(&app, &ana, &ben, &links, &removable, &payer_session).await;
    let (app, ana, ben) = (&app, ana.as_str(), ben.as_str());

    for (firm, token) in [(ana_firm, ana), (ben_firm, ben)] {
        let fresh = counted(app, firm).await;
        assert_eq!(kept(app, firm).await, fresh, "the counters of firm {firm}");
        assert_eq!(listed(app, token).await, fresh, "what the list says");
    }
    // What the load did, so the comparison above compared something.
    let ana_now = counted(app, ana_firm).await;
    assert_eq!(ana_now["TrialExpired"], 6, "{ana_now:?}");
    assert_eq!(ana_now["Trial"], 4 + 3, "{ana_now:?}");
    assert_eq!(ana_now["Invited"], 5 + 25, "{ana_now:?}");
    let ben_now = counted(app, ben_firm).await;
    assert_eq!(ben_now["Paying"], 1, "{ben_now:?}");
    assert_eq!(ben_now["Invited"], 5 + 25, "{ben_now:?}");
    assert_eq!(ben_now["Trial"], 3, "{ben_now:?}");
}

#[tokio::test]
async fn a_search_counts_what_it_matches_and_an_empty_page_still_counts() {
    let app = TestApp::spawn().await;
    let ana = app.partner("ana@firm.example").await;
    for i in 0..3 {
        app.invite(&ana, &format!("north{i}@client.example"), Some("North"))
            .await;
    }
    app.create_client(&ana, "South Co", "S", "south@client.example")
        .await;
    let total = async |vars: Value| {
        let page = app.ok(Some(&ana), CLIENTS, vars).await;
        page["clients"]["totalCount"].as_i64().unwrap()
    };
    assert_eq!(total(json!({ "first": 1, "search": "north" })).await, 3);
    assert_eq!(
        total(json!({ "first": 1, "search": "NORTH", "status": "INVITED" })).await,
        3
    );
    assert_eq!(
        total(json!({ "first": 1, "search": "north", "status": "TRIAL" })).await,
        0
    );
    assert_eq!(total(json!({ "first": 1, "search": "nobody" })).await, 0);
    assert_eq!(total(json!({ "first": 1 })).await, 4);
    // A page past the end (no row to carry the count) still says how many there are.
    let trial = app
        .ok(
            Some(&ana),
            CLIENTS,
            json!({ "first": 1, "status": "TRIAL" }),
        )
        .await;
    let end = trial["clients"]["pageInfo"]["endCursor"].clone();
    assert_eq!(
        total(json!({ "first": 5, "after": end, "status": "TRIAL" })).await,
        1
    );
}
