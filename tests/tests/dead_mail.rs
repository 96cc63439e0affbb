//! SPEC §9, dead mail for ops: `worker deliveries` lists the outbox (as a table or JSON,
//! by status, kind and age) and `worker retry-deliveries` sends FAILED emails again, run
//! as real processes the way ops run them.

use e2e::TestApp;
use entity::DeliveryStatus;
use entity::delivery::{self, Entity as Delivery};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

fn welcome(to: &str) -> worker::Mail {
    worker::Mail::Welcome {
        to: to.into(),
        name: "Rosa".into(),
        company_name: "Ledger & Line".into(),
        company_id: "LGL1234".into(),
        is_partner: true,
    }
}

/// Marks a delivery FAILED as the sender does after a permanent refusal.
async fn fail(app: &TestApp, id: i64, why: &str, payload: Option<String>) {
    let mut q = Delivery::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(DeliveryStatus::Failed),
        )
        .col_expr(delivery::Column::Attempts, Expr::value(3))
        .col_expr(delivery::Column::LastError, Expr::value(why));
    if let Some(p) = payload {
        q = q.col_expr(delivery::Column::Payload, Expr::value(p));
    }
    q.filter(delivery::Column::Id.eq(id))
        .exec(app.db())
        .await
        .unwrap();
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `worker deliveries`: JSON by status and kind (never a link), and a table for a
/// terminal. `ids`: the failed invite, the bounced welcome, the waiting welcome.
async fn ops_list_the_outbox(app: &TestApp, ids: [i64; 3]) {
    let [invited, bounced, waiting] = ids;
    // JSON, by status and kind.
    let out = app
        .worker_cli(&["deliveries", "--status", "failed", "--json"])
        .await;
    assert!(out.status.success(), "{out:?}");
    let rows: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    let ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [invited, bounced], "newest first, FAILED only");
    assert_eq!(rows[1]["lastError"], "smtp: 550 5.1.1 no such mailbox");
    assert_eq!(rows[1]["kind"], "welcome");
    assert_eq!(rows[1]["attempts"], 3);
    let out = app
        .worker_cli(&["deliveries", "--kind", "invite", "--since", "1h", "--json"])
        .await;
    let rows: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(rows.len(), 1);
    assert!(!stdout(&out).contains("secret"), "never a link");
    // A table for a terminal.
    let out = app.worker_cli(&["deliveries"]).await;
    let table = stdout(&out);
    assert!(
        table.contains("LAST ERROR") && table.contains("550 5.1.1"),
        "{table}"
    );
    assert!(table.contains("3 deliveries"), "{table}");
    assert!(table.contains(&waiting.to_string()));
}

#[tokio::test]
async fn ops_list_and_retry_dead_mail_from_the_worker_binary() {
    let app = TestApp::spawn_with_args(&["--embedded-worker", "false"]).await;
    let bounced = worker::queue_mail(app.db(), None, &welcome("ops@ledgerline.example"))
        .await
        .unwrap();
    fail(&app, bounced, "smtp: 550 5.1.1 no such mailbox", None).await;
    let invite = worker::Mail::Invite {
        to: "hello@bakersrow.example".into(),
        partner_name: "Ledger & Line".into(),
        company_name: None,
        link: "http://app.test/invite/secret".into(),
        client_id: None,
    };
    let invited = worker::queue_mail(app.db(), None, &invite).await.unwrap();
    let kept = serde_json::to_string(&invite.redacted()).unwrap();
    fail(&app, invited, "smtp: 554 rejected", Some(kept)).await;
    let waiting = worker::queue_mail(app.db(), None, &welcome("new@ledgerline.example"))
        .await
        .unwrap();

    ops_list_the_outbox(&app, [invited, bounced, waiting]).await;

    // Retry: the bounced welcome goes back; the invite lost its link and is not resent.
    let out = app.worker_cli(&["retry-deliveries", "--failed"]).await;
    assert!(out.status.success(), "{out:?}");
    let said = stdout(&out);
    assert!(said.contains("1 FAILED deliveries put back"), "{said}");
    assert!(said.contains("1 not sent again"), "{said}");
    let d = app.delivery(bounced).await;
    assert_eq!((d.status, d.attempts), (DeliveryStatus::Pending, 0));
    // Once: it is not FAILED any more.
    let id = bounced.to_string();
    let out = app.worker_cli(&["retry-deliveries", "--id", &id]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no FAILED delivery"));
    // Bad input: nothing to retry named.
    let out = app.worker_cli(&["retry-deliveries"]).await;
    assert!(!out.status.success());

    // A worker sends it, once.
    let runtime = app.start_worker().await;
    app.wait_delivery(bounced, DeliveryStatus::Sent).await;
    runtime.shutdown().await;
    app.wait_for_mail("ops@ledgerline.example", "Welcome").await;
}

#[tokio::test]
async fn ops_retry_gives_a_failed_invite_a_fresh_link_that_works() {
    let app = TestApp::spawn_with_args(&["--embedded-worker", "false"]).await;
    let owner = app.partner("rosa@ledgerline.example").await;
    app.invite(&owner, "hello@bakersrow.example", None).await;
    let d = Delivery::find()
        .filter(delivery::Column::Kind.eq("invite"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let original: worker::Mail = serde_json::from_str(&d.payload).unwrap();
    let worker::Mail::Invite {
        link: first_link, ..
    } = &original
    else {
        panic!("an invite")
    };
    // Refused for good: the sender keeps no link.
    let kept = serde_json::to_string(&original.redacted()).unwrap();
    fail(
        &app,
        d.id,
        "smtp: 550 5.7.1 delivery not authorized",
        Some(kept),
    )
    .await;

    let out = app
        .worker_cli(&["retry-deliveries", "--id", &d.id.to_string()])
        .await;
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout(&out).contains("1 FAILED deliveries put back"),
        "{}",
        stdout(&out)
    );
    let back = app.delivery(d.id).await;
    assert_eq!(back.status, DeliveryStatus::Pending);
    let worker::Mail::Invite { link, .. } = serde_json::from_str(&back.payload).unwrap() else {
        panic!("an invite")
    };
    assert!(link.starts_with("http://app.test/invite/"), "{link}");
    assert_ne!(&link, first_link, "a fresh link");

    let runtime = app.start_worker().await;
    let mail = app
        .wait_for_mail("hello@bakersrow.example", "invites you")
        .await;
    runtime.shutdown().await;
    assert_eq!(
        mail.link("http://app.test/invite/").as_deref(),
        Some(link.as_str())
    );
    let accepted = app
        .accept_invite(&link, "Baker's Row", "Bea", "bea-pass-12345")
        .await;
    assert_eq!(accepted["user"]["role"], "OWNER");
}
