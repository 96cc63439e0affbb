//! SPEC §4, the client list: for the partner's owner and admins only, never another
//! partner's clients; paged forward and back, stable while invites arrive; sorted,
//! filtered, searched and counted per status; bad arguments refused.

use e2e::{
    CLIENT, CLIENTS, CREATE_CLIENT, INVITE, INVITE_LINK, REGENERATE_INVITE_LINK, STATUS_COUNTS,
    TestApp, listed_emails,
};
use serde_json::{Value, json};

#[tokio::test]
async fn only_a_partners_owner_and_admins_may_invite_and_list() {
    let app = TestApp::spawn().await;
    let client_owner = app
        .sign_up("Shop", "Sam", "sam@shop.example", "sam-password-1", false)
        .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    for (q, vars) in [
        (CLIENTS, json!({})),
        (STATUS_COUNTS, json!({})),
        (INVITE_LINK, json!({})),
        (INVITE, json!({ "email": "x@y.example" })),
        (REGENERATE_INVITE_LINK, json!({})),
        (
            CREATE_CLIENT,
            json!({ "input": { "companyName": "S", "contactName": "C", "contactEmail": "c@s.example" } }),
        ),
        (CLIENT, json!({ "id": "1" })),
    ] {
        assert_eq!(
            app.error_code(Some(&client_owner), q, vars.clone()).await,
            "FORBIDDEN",
            "{q}"
        );
        assert_eq!(
            app.error_code(None, q, vars).await,
            "UNAUTHENTICATED",
            "{q}"
        );
    }
}

#[tokio::test]
async fn partners_never_see_or_touch_each_others_clients() {
    let app = TestApp::spawn().await;
    let a = app.partner("rosa@ledgerline.example").await;
    let b = app.partner("other@elsewhere.example").await;
    let mine = app
        .invite(&a, "hello@bakersrow.example", Some("Bakers Row"))
        .await;
    app.create_client(&a, "Corner Shop", "C", "cora@cornershop.example")
        .await;

    let list = app.clients(&b, json!({})).await;
    assert_eq!(list["totalCount"], 0);
    assert!(listed_emails(&list).is_empty());
    assert_eq!(app.status_counts(&b).await["total"], 0);
    assert_eq!(app.client(&b, &mine["id"]).await, Value::Null);
    let search = app.clients(&b, json!({ "search": "bakers" })).await;
    assert!(listed_emails(&search).is_empty());
    // A's own view is whole.
    assert_eq!(app.clients(&a, json!({})).await["totalCount"], 2);
}

#[tokio::test]
async fn the_list_pages_forward_and_back_and_stays_correct_while_invites_arrive() {
    let app = TestApp::spawn().await;
    let p = app.partner("rosa@ledgerline.example").await;
    for i in [3, 7, 1, 9, 5, 2, 8, 6, 4, 10] {
        app.invite(&p, &format!("c{i:02}@clients.example"), None)
            .await;
    }
    let page1 = app.clients(&p, json!({ "first": 4 })).await;
    assert_eq!(
        listed_emails(&page1),
        ["c01", "c02", "c03", "c04"].map(|n| format!("{n}@clients.example"))
    );
    assert_eq!(page1["totalCount"], 10);
    assert_eq!(page1["pageInfo"]["hasNextPage"], true);
    assert_eq!(page1["pageInfo"]["hasPreviousPage"], false);

    // New invites arrive before and after the cursor.
    app.invite(&p, "c00@clients.example", None).await;
    app.invite(&p, "c06b@clients.example", None).await;
    let after = page1["pageInfo"]["endCursor"].as_str().unwrap();
    let page2 = app.clients(&p, json!({ "first": 4, "after": after })).await;
    assert_eq!(
        listed_emails(&page2),
        ["c05", "c06", "c06b", "c07"].map(|n| format!("{n}@clients.example"))
    );
    assert_eq!(page2["pageInfo"]["hasPreviousPage"], true);
    let after = page2["pageInfo"]["endCursor"].as_str().unwrap();
    let page3 = app.clients(&p, json!({ "first": 4, "after": after })).await;
    assert_eq!(
        listed_emails(&page3),
        ["c08", "c09", "c10"].map(|n| format!("{n}@clients.example"))
    );
    assert_eq!(page3["pageInfo"]["hasNextPage"], false);
    // The count is for the whole filter on every page, also on a page past the end.
    assert_eq!(page2["totalCount"], 12);
    assert_eq!(page3["totalCount"], 12);
    let past = app
        .clients(
            &p,
            json!({ "first": 4, "after": page3["pageInfo"]["endCursor"] }),
        )
        .await;
    assert!(listed_emails(&past).is_empty());
    assert_eq!(past["totalCount"], 12);
    assert_eq!(past["pageInfo"]["hasNextPage"], false);

    // And back from page 3.
    let before = page3["pageInfo"]["startCursor"].as_str().unwrap();
    let back = app
        .clients(&p, json!({ "last": 3, "before": before }))
        .await;
    assert_eq!(
        listed_emails(&back),
        ["c06", "c06b", "c07"].map(|n| format!("{n}@clients.example"))
    );
    assert_eq!(back["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(back["pageInfo"]["hasNextPage"], true);
    let last = app.clients(&p, json!({ "last": 2 })).await;
    assert_eq!(
        listed_emails(&last),
        ["c09", "c10"].map(|n| format!("{n}@clients.example"))
    );
}

/// The list sorted by `field` in `direction` (its first `first` rows, if given).
async fn sorted(app: &TestApp, p: &str, field: &str, direction: &str, first: Option<i64>) -> Value {
    let order = json!({ "field": field, "direction": direction });
    app.clients(p, json!({ "orderBy": order, "first": first }))
        .await
}

/// By name, status, trial end (clients without one last) and invite time; paging through
/// a non-default order.
async fn it_sorts(app: &TestApp, p: &str) {
    let by_name_desc = sorted(app, p, "NAME", "DESC", None).await;
    assert_eq!(
        listed_emails(&by_name_desc),
        [
            "zed@zebra.example",
            "max@mango.example",
            "amy@apple.example"
        ]
    );
    let by_status = sorted(app, p, "STATUS", "DESC", Some(1)).await;
    assert_eq!(listed_emails(&by_status), ["max@mango.example"]);
    let by_trial = sorted(app, p, "TRIAL_ENDS_AT", "ASC", Some(1)).await;
    assert_eq!(
        listed_emails(&by_trial),
        ["max@mango.example"],
        "clients without a trial end sort last"
    );
    // Paging through a non-default order.
    let cursor = by_trial["pageInfo"]["endCursor"].as_str().unwrap();
    let order = json!({ "field": "TRIAL_ENDS_AT", "direction": "ASC" });
    let vars = json!({ "orderBy": order, "first": 5, "after": cursor });
    assert_eq!(listed_emails(&app.clients(p, vars).await).len(), 2);
    let by_invited = sorted(app, p, "INVITED_AT", "ASC", None).await;
    assert_eq!(
        listed_emails(&by_invited),
        [
            "zed@zebra.example",
            "amy@apple.example",
            "max@mango.example"
        ]
    );
}

#[tokio::test]
async fn the_list_sorts_filters_searches_and_counts() {
    let app = TestApp::spawn().await;
    let p = app.partner("rosa@ledgerline.example").await;
    app.invite(&p, "zed@zebra.example", Some("Zebra Crossing"))
        .await;
    app.invite(&p, "amy@apple.example", Some("Apple Orchard"))
        .await;
    app.create_client(&p, "Mango Tree", "M", "max@mango.example")
        .await;

    it_sorts(&app, &p).await;

    let invited = app.clients(&p, json!({ "status": "INVITED" })).await;
    assert_eq!(invited["totalCount"], 2);
    assert_eq!(
        listed_emails(&invited),
        ["amy@apple.example", "zed@zebra.example"]
    );
    let search_name = app.clients(&p, json!({ "search": "ORCHARD" })).await;
    assert_eq!(listed_emails(&search_name), ["amy@apple.example"]);
    let search_email = app.clients(&p, json!({ "search": "mango.EX" })).await;
    assert_eq!(listed_emails(&search_email), ["max@mango.example"]);
    let wildcard = app.clients(&p, json!({ "search": "%" })).await;
    assert_eq!(wildcard["totalCount"], 0, "% is searched literally");

    assert_eq!(
        app.status_counts(&p).await,
        json!({ "invited": 2, "trial": 1, "trialExpired": 0, "paying": 0, "total": 3 })
    );
}

#[tokio::test]
async fn bad_list_arguments_are_refused() {
    let app = TestApp::spawn().await;
    let p = app.partner("rosa@ledgerline.example").await;
    app.invite(&p, "amy@apple.example", None).await;
    for vars in [
        json!({ "first": 0 }),
        json!({ "first": 101 }),
        json!({ "last": -1 }),
        json!({ "first": 5, "last": 5 }),
        json!({ "after": "not-a-cursor" }),
        json!({ "search": "x".repeat(101) }),
    ] {
        assert_eq!(
            app.error_code(Some(&p), CLIENTS, vars.clone()).await,
            "BAD_USER_INPUT",
            "{vars}"
        );
    }
    // A cursor from one order is refused in another.
    let page = app.clients(&p, json!({ "first": 1 })).await;
    let cursor = page["pageInfo"]["endCursor"].as_str().unwrap();
    let code = app
        .error_code(
            Some(&p),
            CLIENTS,
            json!({ "after": cursor, "orderBy": { "field": "STATUS", "direction": "ASC" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(
        app.clients(&p, json!({ "first": 100 })).await["totalCount"],
        1
    );
}
