//! SPEC §3–4: inviting clients three ways, and the client list.

use e2e::{
    ACCEPT_INVITE, CLIENT, CLIENTS, CREATE_CLIENT, INVITE, INVITE_LINK, LOG_IN, ME,
    REGENERATE_INVITE_LINK, RESET_PASSWORD, SIGN_UP, STATUS_COUNTS, TestApp, USERS_EMAIL_ROLE,
    listed_emails, token_of,
};
use entity::{account, client, user};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

#[tokio::test]
async fn an_email_invite_lists_the_client_as_invited_and_sends_a_working_link() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let c = app
        .invite(&partner, "Hello@BakersRow.example", Some("Bakers Row Cafe"))
        .await;
    assert_eq!(c["status"], "INVITED");
    assert_eq!(c["invitedVia"], "EMAIL");
    assert_eq!(c["email"], "hello@bakersrow.example");
    assert_eq!(c["companyId"], Value::Null);
    assert_eq!(c["availableActions"], json!(["RESEND_INVITE"]));
    assert!(c["lastInviteSentAt"].is_string());

    // It is in the list at once.
    let list = app.ok(Some(&partner), CLIENTS, json!({})).await;
    assert_eq!(listed_emails(&list), vec!["hello@bakersrow.example"]);

    // The email carries a single-use link under PUBLIC_URL; following it creates the account.
    let mail = app
        .wait_for_mail("hello@bakersrow.example", "invites you")
        .await;
    assert!(
        mail.subject.starts_with("Ledger & Line"),
        "{}",
        mail.subject
    );
    let link = mail
        .link("http://app.test/invite/")
        .expect("invite link in the email");
    let accepted = app
        .ok(None, ACCEPT_INVITE, json!({ "token": token_of(&link), "input": {
            "companyName": "Bakers Row Cafe Ltd", "name": "Bea Baker", "password": "bea-password-1" }}))
        .await["acceptInvite"]
        .clone();
    assert_eq!(accepted["user"]["role"], "OWNER");
    assert_eq!(accepted["user"]["email"], "hello@bakersrow.example");
    assert_eq!(accepted["user"]["account"]["kind"], "CLIENT");
    assert_eq!(accepted["user"]["account"]["platform"], "V2");
    let me = app.ok(accepted["token"].as_str(), ME, json!({})).await;
    assert_eq!(me["me"]["account"]["name"], "Bakers Row Cafe Ltd");

    // The row moved to TRIAL with a trial end and the client's Company ID.
    let c = app
        .ok(Some(&partner), CLIENT, json!({ "id": c["id"] }))
        .await["client"]
        .clone();
    assert_eq!(c["status"], "TRIAL");
    assert_eq!(c["companyId"], accepted["user"]["account"]["companyId"]);
    assert_eq!(c["name"], "Bakers Row Cafe Ltd");
    let ends = chrono::DateTime::parse_from_rfc3339(c["trialEndsAt"].as_str().unwrap()).unwrap();
    let days = (ends.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((13.9..=14.1).contains(&days), "{days}");
    // The partner has no user in an account created by invite: no Log in yet.
    assert_eq!(c["availableActions"], json!([]));

    // The link works once.
    let again = app
        .gql(
            None,
            ACCEPT_INVITE,
            json!({ "token": token_of(&link), "input": {
            "companyName": "X", "name": "Y", "password": "bea-password-1" }}),
        )
        .await;
    assert_eq!(again["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        account::Entity::find().count(app.db()).await.unwrap(),
        2,
        "no second client account"
    );
}

#[tokio::test]
async fn unknown_used_or_expired_invite_tokens_get_one_answer() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    app.invite(&partner, "hello@bakersrow.example", None).await;
    let link = app
        .wait_for_mail("hello@bakersrow.example", "invites you")
        .await
        .link("http://app.test/invite/")
        .unwrap();
    // Expire it.
    entity::invite::Entity::update_many()
        .col_expr(
            entity::invite::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .exec(app.db())
        .await
        .unwrap();
    let input = json!({ "companyName": "X", "name": "Y", "password": "bea-password-1" });
    let expired = app
        .gql(
            None,
            ACCEPT_INVITE,
            json!({ "token": token_of(&link), "input": input }),
        )
        .await;
    let unknown = app
        .gql(
            None,
            ACCEPT_INVITE,
            json!({ "token": "A".repeat(43), "input": input }),
        )
        .await;
    let garbage = app
        .gql(
            None,
            ACCEPT_INVITE,
            json!({ "token": "<script>", "input": input }),
        )
        .await;
    for b in [&expired, &unknown, &garbage] {
        assert_eq!(
            b["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{b}"
        );
        assert_eq!(b["errors"][0]["message"], expired["errors"][0]["message"]);
    }
    assert_eq!(
        user::Entity::find().count(app.db()).await.unwrap(),
        1,
        "nothing created"
    );
}

#[tokio::test]
async fn inviting_an_existing_client_again_is_a_conflict_and_bad_emails_are_refused() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    app.invite(&partner, "hello@bakersrow.example", None).await;
    let code = app
        .error_code(
            Some(&partner),
            INVITE,
            json!({ "email": "HELLO@bakersrow.example" }),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    let code = app
        .error_code(Some(&partner), INVITE, json!({ "email": "not-an-email" }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(client::Entity::find().count(app.db()).await.unwrap(), 1);
    // Another partner may invite the same business.
    let other = app.partner("other@elsewhere.example").await;
    app.invite(&other, "hello@bakersrow.example", None).await;
}

#[tokio::test]
async fn the_invite_link_signs_clients_up_to_that_partner_until_regenerated() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let link = app.ok(Some(&partner), INVITE_LINK, json!({})).await["inviteLink"].clone();
    let code = link["code"].as_str().unwrap().to_owned();
    assert_eq!(link["url"], format!("http://app.test/join/{code}"));
    assert_eq!(
        app.ok(Some(&partner), INVITE_LINK, json!({})).await["inviteLink"]["code"],
        code.as_str(),
        "stable until regenerated"
    );

    let signup = |email: &str, code: &str| {
        json!({ "input": { "companyName": "Plumb Right", "name": "Pat", "email": email,
            "password": "pat-password-1", "isAccountantOrBookkeeper": false, "partnerCode": code }})
    };
    let p = app
        .ok(None, SIGN_UP, signup("office@plumbright.example", &code))
        .await;
    assert_eq!(p["signUp"]["user"]["account"]["kind"], "CLIENT");
    let list = app.ok(Some(&partner), CLIENTS, json!({})).await;
    let node = &list["clients"]["edges"][0]["node"];
    assert_eq!(node["email"], "office@plumbright.example");
    assert_eq!(node["status"], "TRIAL");
    assert_eq!(node["invitedVia"], "LINK");
    assert_eq!(
        node["companyId"],
        p["signUp"]["user"]["account"]["companyId"]
    );

    let new_code = app
        .ok(Some(&partner), REGENERATE_INVITE_LINK, json!({}))
        .await["regenerateInviteLink"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_code, code);
    let old = app
        .gql(None, SIGN_UP, signup("late@plumbright.example", &code))
        .await;
    assert_eq!(old["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(old["errors"][0]["extensions"]["field"], "partnerCode");
    let users_before = user::Entity::find().count(app.db()).await.unwrap();
    app.ok(None, SIGN_UP, signup("late@plumbright.example", &new_code))
        .await;
    assert_eq!(
        user::Entity::find().count(app.db()).await.unwrap(),
        users_before + 1
    );
    assert_eq!(
        app.ok(Some(&partner), STATUS_COUNTS, json!({})).await["clientStatusCounts"]["trial"],
        2
    );
}

#[tokio::test]
async fn the_sign_up_form_creates_the_account_its_owner_and_the_partners_own_admin_user() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    let c = app
        .create_client(
            &partner,
            "Corner Shop",
            "Cora Corner",
            "cora@cornershop.example",
        )
        .await;
    assert_eq!(c["status"], "TRIAL");
    assert_eq!(c["invitedVia"], "FORM");
    assert!(c["trialEndsAt"].is_string());
    assert_eq!(c["availableActions"], json!(["LOG_IN", "RESET_PASSWORD"]));
    let cid = c["companyId"].as_str().unwrap().to_owned();

    // The partner logs in to the client account with their own email and password.
    let res = app
        .ok(None, LOG_IN, json!({ "email": "rosa@ledgerline.example", "password": "correct-horse-1", "companyId": cid }))
        .await;
    assert_eq!(res["logIn"]["user"]["role"], "ADMIN");
    assert_eq!(res["logIn"]["user"]["account"]["kind"], "CLIENT");
    let in_client = res["logIn"]["token"].as_str().unwrap();
    let users = app.ok(Some(in_client), USERS_EMAIL_ROLE, json!({})).await;
    assert_eq!(
        users["users"],
        json!([
            { "email": "cora@cornershop.example", "role": "OWNER" },
            { "email": "rosa@ledgerline.example", "role": "ADMIN" },
        ])
    );
    // Same password hash as the partner's own user.
    let rows = user::Entity::find().all(app.db()).await.unwrap();
    let hashes: Vec<_> = rows
        .iter()
        .filter(|u| u.email == "rosa@ledgerline.example")
        .map(|u| u.password_hash.clone())
        .collect();
    assert_eq!(hashes.len(), 2);
    assert_eq!(hashes[0], hashes[1]);

    // The contact is emailed a set-password link that works once, then logs in.
    let mail = app
        .wait_for_mail("cora@cornershop.example", "set your password")
        .await;
    let link = mail
        .link("http://app.test/reset-password/")
        .expect("set-password link");
    assert_eq!(
        app.ok(
            None,
            RESET_PASSWORD,
            json!({ "t": token_of(&link), "p": "cora-password-1" })
        )
        .await["resetPassword"],
        true
    );
    assert_eq!(
        app.error_code(
            None,
            RESET_PASSWORD,
            json!({ "t": token_of(&link), "p": "cora-password-2" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    let res = app
        .ok(
            None,
            LOG_IN,
            json!({ "email": "cora@cornershop.example", "password": "cora-password-1" }),
        )
        .await;
    assert_eq!(res["logIn"]["user"]["role"], "OWNER");
    assert_eq!(res["logIn"]["user"]["account"]["companyId"], cid.as_str());
}

#[tokio::test]
async fn the_sign_up_form_refuses_bad_input_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    for (input, field) in [
        (
            json!({ "companyName": "Shop", "contactName": "C", "contactEmail": "nope" }),
            "contactEmail",
        ),
        (
            json!({ "companyName": " ", "contactName": "C", "contactEmail": "c@shop.example" }),
            "companyName",
        ),
        (
            json!({ "companyName": "Shop", "contactName": "C", "contactEmail": "rosa@ledgerline.example" }),
            "contactEmail",
        ),
    ] {
        let b = app
            .gql(Some(&partner), CREATE_CLIENT, json!({ "input": input }))
            .await;
        assert_eq!(
            b["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{b}"
        );
        assert_eq!(b["errors"][0]["extensions"]["field"], field, "{b}");
    }
    assert_eq!(account::Entity::find().count(app.db()).await.unwrap(), 1);
    assert_eq!(client::Entity::find().count(app.db()).await.unwrap(), 0);
}

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

    let list = app.ok(Some(&b), CLIENTS, json!({})).await;
    assert_eq!(list["clients"]["totalCount"], 0);
    assert!(listed_emails(&list).is_empty());
    let counts = app.ok(Some(&b), STATUS_COUNTS, json!({})).await;
    assert_eq!(counts["clientStatusCounts"]["total"], 0);
    let by_id = app.ok(Some(&b), CLIENT, json!({ "id": mine["id"] })).await;
    assert_eq!(by_id["client"], Value::Null);
    let search = app
        .ok(Some(&b), CLIENTS, json!({ "search": "bakers" }))
        .await;
    assert!(listed_emails(&search).is_empty());
    // A's own view is whole.
    assert_eq!(
        app.ok(Some(&a), CLIENTS, json!({})).await["clients"]["totalCount"],
        2
    );
}

#[tokio::test]
async fn the_list_pages_forward_and_back_and_stays_correct_while_invites_arrive() {
    let app = TestApp::spawn().await;
    let p = app.partner("rosa@ledgerline.example").await;
    for i in [3, 7, 1, 9, 5, 2, 8, 6, 4, 10] {
        app.invite(&p, &format!("c{i:02}@clients.example"), None)
            .await;
    }
    let page1 = app.ok(Some(&p), CLIENTS, json!({ "first": 4 })).await;
    assert_eq!(
        listed_emails(&page1),
        ["c01", "c02", "c03", "c04"].map(|n| format!("{n}@clients.example"))
    );
    assert_eq!(page1["clients"]["totalCount"], 10);
    assert_eq!(page1["clients"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(page1["clients"]["pageInfo"]["hasPreviousPage"], false);

    // New invites arrive before and after the cursor.
    app.invite(&p, "c00@clients.example", None).await;
    app.invite(&p, "c06b@clients.example", None).await;
    let after = page1["clients"]["pageInfo"]["endCursor"].as_str().unwrap();
    let page2 = app
        .ok(Some(&p), CLIENTS, json!({ "first": 4, "after": after }))
        .await;
    assert_eq!(
        listed_emails(&page2),
        ["c05", "c06", "c06b", "c07"].map(|n| format!("{n}@clients.example"))
    );
    assert_eq!(page2["clients"]["pageInfo"]["hasPreviousPage"], true);
    let after = page2["clients"]["pageInfo"]["endCursor"].as_str().unwrap();
    let page3 = app
        .ok(Some(&p), CLIENTS, json!({ "first": 4, "after": after }))
        .await;
    assert_eq!(
        listed_emails(&page3),
        ["c08", "c09", "c10"].map(|n| format!("{n}@clients.example"))
    );
    assert_eq!(page3["clients"]["pageInfo"]["hasNextPage"], false);
    // The count is for the whole filter on every page, also on a page past the end.
    assert_eq!(page2["clients"]["totalCount"], 12);
    assert_eq!(page3["clients"]["totalCount"], 12);
    let past = app
        .ok(
            Some(&p),
            CLIENTS,
            json!({ "first": 4, "after": page3["clients"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert!(listed_emails(&past).is_empty());
    assert_eq!(past["clients"]["totalCount"], 12);
    assert_eq!(past["clients"]["pageInfo"]["hasNextPage"], false);

    // And back from page 3.
    let before = page3["clients"]["pageInfo"]["startCursor"]
        .as_str()
        .unwrap();
    let back = app
        .ok(Some(&p), CLIENTS, json!({ "last": 3, "before": before }))
        .await;
    assert_eq!(
        listed_emails(&back),
        ["c06", "c06b", "c07"].map(|n| format!("{n}@clients.example"))
    );
    assert_eq!(back["clients"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(back["clients"]["pageInfo"]["hasNextPage"], true);
    let last = app.ok(Some(&p), CLIENTS, json!({ "last": 2 })).await;
    assert_eq!(
        listed_emails(&last),
        ["c09", "c10"].map(|n| format!("{n}@clients.example"))
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

    let by_name_desc = app
        .ok(
            Some(&p),
            CLIENTS,
            json!({ "orderBy": { "field": "NAME", "direction": "DESC" } }),
        )
        .await;
    assert_eq!(
        listed_emails(&by_name_desc),
        [
            "zed@zebra.example",
            "max@mango.example",
            "amy@apple.example"
        ]
    );
    let by_status = app
        .ok(
            Some(&p),
            CLIENTS,
            json!({ "orderBy": { "field": "STATUS", "direction": "DESC" }, "first": 1 }),
        )
        .await;
    assert_eq!(listed_emails(&by_status), ["max@mango.example"]);
    let by_trial = app
        .ok(
            Some(&p),
            CLIENTS,
            json!({ "orderBy": { "field": "TRIAL_ENDS_AT", "direction": "ASC" }, "first": 1 }),
        )
        .await;
    assert_eq!(
        listed_emails(&by_trial),
        ["max@mango.example"],
        "clients without a trial end sort last"
    );
    // Paging through a non-default order.
    let cursor = by_trial["clients"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap();
    let next = app.ok(Some(&p), CLIENTS, json!({ "orderBy": { "field": "TRIAL_ENDS_AT", "direction": "ASC" }, "first": 5, "after": cursor })).await;
    assert_eq!(listed_emails(&next).len(), 2);
    let by_invited = app
        .ok(
            Some(&p),
            CLIENTS,
            json!({ "orderBy": { "field": "INVITED_AT", "direction": "ASC" } }),
        )
        .await;
    assert_eq!(
        listed_emails(&by_invited),
        [
            "zed@zebra.example",
            "amy@apple.example",
            "max@mango.example"
        ]
    );

    let invited = app
        .ok(Some(&p), CLIENTS, json!({ "status": "INVITED" }))
        .await;
    assert_eq!(invited["clients"]["totalCount"], 2);
    assert_eq!(
        listed_emails(&invited),
        ["amy@apple.example", "zed@zebra.example"]
    );
    let search_name = app
        .ok(Some(&p), CLIENTS, json!({ "search": "ORCHARD" }))
        .await;
    assert_eq!(listed_emails(&search_name), ["amy@apple.example"]);
    let search_email = app
        .ok(Some(&p), CLIENTS, json!({ "search": "mango.EX" }))
        .await;
    assert_eq!(listed_emails(&search_email), ["max@mango.example"]);
    let wildcard = app.ok(Some(&p), CLIENTS, json!({ "search": "%" })).await;
    assert_eq!(
        wildcard["clients"]["totalCount"], 0,
        "% is searched literally"
    );

    let counts = app.ok(Some(&p), STATUS_COUNTS, json!({})).await;
    assert_eq!(
        counts["clientStatusCounts"],
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
    let page = app.ok(Some(&p), CLIENTS, json!({ "first": 1 })).await;
    let cursor = page["clients"]["pageInfo"]["endCursor"].as_str().unwrap();
    let code = app
        .error_code(
            Some(&p),
            CLIENTS,
            json!({ "after": cursor, "orderBy": { "field": "STATUS", "direction": "ASC" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(
        app.ok(Some(&p), CLIENTS, json!({ "first": 100 })).await["clients"]["totalCount"],
        1
    );
}

#[tokio::test]
async fn a_page_of_one_hundred_clients_costs_the_same_queries_as_a_page_of_one() {
    // The statement counter is inside the gateway, so it runs in this process.
    let app = TestApp::spawn_with(e2e::Options {
        in_process: true,
        ..Default::default()
    })
    .await;
    let small = app.partner("small@firm.example").await;
    app.create_client(&small, "Only Co", "C", "only@client.example")
        .await;
    let big = app.partner("big@firm.example").await;
    for i in 0..50 {
        app.invite(&big, &format!("i{i}@client.example"), Some("Invited Co"))
            .await;
        app.create_client(
            &big,
            &format!("Form Co {i}"),
            "C",
            &format!("f{i}@client.example"),
        )
        .await;
    }
    let state = &app.app.as_ref().unwrap().state;
    let count = async |token: &str| {
        let before = state.statements_run();
        let page = app.ok(Some(token), CLIENTS, json!({ "first": 100 })).await;
        (state.statements_run() - before, page)
    };
    let (one, page) = count(&small).await;
    assert_eq!(listed_emails(&page).len(), 1);
    let (hundred, page) = count(&big).await;
    assert_eq!(listed_emails(&page).len(), 100);
    let with_login = page["clients"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["node"]["availableActions"]
                .as_array()
                .unwrap()
                .contains(&json!("LOG_IN"))
        })
        .count();
    assert_eq!(
        with_login, 50,
        "LOG_IN exactly where the partner has a user"
    );
    assert_eq!(
        one, hundred,
        "statements for a page of 1: {one}, of 100: {hundred}"
    );
    assert!(
        hundred <= 3,
        "{hundred} statements for one page: session, count, page"
    );
}

#[tokio::test]
async fn list_requests_beyond_the_pools_size_all_answer_beside_other_reads() {
    // A client-list request reads its session and its page on one pooled connection
    // (gateway/src/lease.rs). With two connections and twenty requests at once, a request
    // that held a connection while waiting for another would stall until the pool's
    // acquire timeout and fail; every one must answer, with the right figures.
    let app = TestApp::spawn_with(e2e::Options {
        extra_args: vec!["--database-max-connections".into(), "2".into()],
        ..Default::default()
    })
    .await;
    let token = app.partner("busy@firm.example").await;
    for i in 0..3 {
        app.invite(&token, &format!("b{i}@client.example"), None)
            .await;
    }
    let both = "{ clients(first: 2) { totalCount } clientStatusCounts { total } }";
    let requests = (0..20).map(|i| {
        let (query, variables) = match i % 4 {
            0 | 1 => (CLIENTS, json!({ "first": 2 })),
            2 => (STATUS_COUNTS, json!({})),
            _ => (both, json!({})),
        };
        let app = &app;
        let token = &token;
        async move { (i, app.gql(Some(token), query, variables).await) }
    });
    for (i, answer) in futures::future::join_all(requests).await {
        assert!(answer.get("errors").is_none(), "request {i}: {answer}");
        let data = &answer["data"];
        match i % 4 {
            0 | 1 => {
                assert_eq!(data["clients"]["totalCount"], 3, "request {i}");
                assert_eq!(listed_emails(data).len(), 2, "request {i}");
            }
            2 => assert_eq!(data["clientStatusCounts"]["total"], 3, "request {i}"),
            _ => {
                assert_eq!(data["clients"]["totalCount"], 3, "request {i}");
                assert_eq!(data["clientStatusCounts"]["total"], 3, "request {i}");
            }
        }
    }
}

/// The list's rows are built in one pass (`gateway/src/graphql/edges.rs`); each must be
/// what async-graphql itself answers for the same selection, which `client(id:)` shows:
/// aliases, fragments spread and inline, repeated and merged selections, `@skip` and
/// `@include`, `__typename`, every field, and the order of the keys.
#[tokio::test]
async fn list_rows_answer_exactly_as_a_single_client_does_for_any_selection() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    app.invite(&partner, "hello@bakersrow.example", Some("Bakers Row Cafe"))
        .await;
    app.invite(&partner, "office@plumbright.example", None)
        .await;
    app.create_client(&partner, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;

    const CLIENT_BITS: &str = "
        fragment ClientBits on Client { companyId invitedAt lastInviteSentAt trialEndsAt availableActions __typename }";
    const EDGE_BITS: &str = "fragment EdgeBits on ClientEdge { cursor node { invitedVia } }";
    let list = format!(
        "query($skip: Boolean!, $with: Boolean!) {{ clients(first: 10) {{ totalCount edges {{
            __typename
            c: cursor
            ...EdgeBits
            node {{ id name @skip(if: $skip) ...ClientBits }}
            node {{ ... on Client {{ status st: status }} email @include(if: $with) }}
            ... {{ other: node {{ id __typename e: email }} }}
        }} }} }} {CLIENT_BITS} {EDGE_BITS}"
    );
    let one = format!(
        "query($id: ID!, $skip: Boolean!, $with: Boolean!) {{ client(id: $id) {{
            invitedVia id name @skip(if: $skip) ...ClientBits
            ... on Client {{ status st: status }} email @include(if: $with)
        }} other: client(id: $id) {{ id __typename e: email }} }} {CLIENT_BITS}"
    );
    for (skip, with) in [(false, true), (true, false)] {
        let vars = json!({ "skip": skip, "with": with });
        let raw = app
            .http()
            .post(format!("{}/graphql", app.next_url()))
            .bearer_auth(&partner)
            .json(&json!({ "query": list, "variables": vars }))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let page: Value = serde_json::from_str(&raw).unwrap();
        assert!(page["errors"].is_null(), "{page}");
        let edges = page["data"]["clients"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), 3);
        // Keys in the order the query asks for them; the merged `node` stays where it
        // first appeared, and gathers its fields in order.
        let first = &raw[raw.find(r#"{"__typename":"ClientEdge""#).unwrap()..];
        let first = &first[..first.find(r#""other":"#).unwrap()];
        let at = |k: &str| {
            first
                .find(k)
                .unwrap_or_else(|| panic!("{k} not in {first}"))
        };
        for (a, b) in [
            (r#""c":"#, r#""cursor":"#),
            (r#""cursor":"#, r#""node":{"invitedVia":"#),
            (r#""invitedVia":"#, r#""id":"#),
            (r#""id":"#, r#""companyId":"#),
            (r#""availableActions":"#, r#""status":"#),
            (r#""status":"#, r#""st":"#),
        ] {
            assert!(at(a) < at(b), "{a} before {b} in {first}");
        }
        for e in edges {
            assert_eq!(e["__typename"], "ClientEdge");
            assert_eq!(e["c"], e["cursor"]);
            let id = e["node"]["id"].as_str().unwrap();
            let single = app
                .ok(
                    Some(&partner),
                    &one,
                    json!({ "id": id, "skip": skip, "with": with }),
                )
                .await;
            assert_eq!(e["node"], single["client"], "row {id}");
            assert_eq!(e["other"], single["other"], "row {id}");
            assert_eq!(e["node"].get("name").is_none(), skip);
            assert_eq!(e["node"].get("email").is_some(), with);
        }
        // The sign-up form's client offers Log in and Reset password; the invited ones resend.
        let actions: Vec<&Value> = edges
            .iter()
            .map(|e| &e["node"]["availableActions"])
            .collect();
        assert!(
            actions.contains(&&json!(["LOG_IN", "RESET_PASSWORD"])),
            "{actions:?}"
        );
        assert_eq!(
            actions
                .iter()
                .filter(|a| ***a == json!(["RESEND_INVITE"]))
                .count(),
            2
        );
    }
}
