//! The job and mail pipeline (ARCHITECTURE.md, "How a request flows"): the outbox is
//! written with the domain change, the worker sends each email once, a retry or a lost
//! job never doubles it, and a worker that is down only delays it.

use e2e::{TestApp, eventually, secs};
use entity::DeliveryStatus;
use entity::delivery::{Column, Entity as Delivery};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::time::Duration;

fn welcome(to: &str) -> worker::Mail {
    worker::Mail::Welcome {
        to: to.into(),
        name: "Rosa".into(),
        company_name: "Ledger & Line".into(),
        company_id: "ABC1234".into(),
        is_partner: true,
    }
}

#[tokio::test]
async fn sign_up_email_is_recorded_then_sent_once_with_a_message_id_from_its_delivery() {
    let app = TestApp::spawn().await;
    app.partner("rosa@ledgerline.example").await;
    let mail = app
        .wait_for_mail("rosa@ledgerline.example", "Welcome")
        .await;
    let d = Delivery::find().one(app.db()).await.unwrap().unwrap();
    let d = app.wait_delivery(d.id, DeliveryStatus::Sent).await;
    assert_eq!(d.kind, "welcome");
    assert_eq!(d.attempts, 1);
    assert!(d.sent_at.is_some());
    assert_eq!(
        mail.message_id,
        format!("<delivery-{}@partner-dashboard.localhost>", d.id)
    );
    assert_eq!(app.mails().len(), 1);
}

#[tokio::test]
async fn sending_a_delivery_again_sends_nothing() {
    let app = TestApp::spawn().await;
    app.partner("rosa@ledgerline.example").await;
    app.wait_for_mail("rosa@ledgerline.example", "Welcome")
        .await;
    let d = Delivery::find().one(app.db()).await.unwrap().unwrap();
    app.wait_delivery(d.id, DeliveryStatus::Sent).await;
    app.clear_mails();

    // A retried or duplicated job for the same delivery.
    app.mailer().send_delivery(app.db(), d.id).await.unwrap();
    app.mailer().send_delivery(app.db(), d.id).await.unwrap();
    assert!(app.mails().is_empty(), "a settled delivery was sent again");
    let after = app.delivery(d.id).await;
    assert_eq!(after.attempts, 1);
}

#[tokio::test]
async fn a_job_lost_from_the_queue_is_dispatched_again_and_sent_once() {
    let app = TestApp::spawn_with_args(&["--outbox-requeue-after", "1s"]).await;
    // A delivery the dispatcher claimed, whose job then vanished (e.g. a queue restart).
    let id = worker::queue_mail(app.db(), None, &welcome("lost@ledgerline.example"))
        .await
        .unwrap();
    Delivery::update_many()
        .col_expr(Column::Status, Expr::value(DeliveryStatus::Queued))
        .col_expr(
            Column::QueuedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(10)),
        )
        .filter(Column::Id.eq(id))
        .exec(app.db())
        .await
        .unwrap();
    app.wait_delivery(id, DeliveryStatus::Sent).await;
    let sent: Vec<_> = app
        .mails()
        .into_iter()
        .filter(|m| m.to == "lost@ledgerline.example")
        .collect();
    assert_eq!(sent.len(), 1);
}

#[tokio::test]
async fn mail_promised_while_no_worker_runs_is_sent_when_one_starts() {
    let dir_app = TestApp::spawn_with_args(&["--embedded-worker", "false"]).await;
    dir_app.partner("rosa@ledgerline.example").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        dir_app.mails().is_empty(),
        "nothing may be sent without a worker"
    );
    let d = Delivery::find().one(dir_app.db()).await.unwrap().unwrap();
    assert_eq!(d.status, DeliveryStatus::Pending);

    // A worker on the same database, queue and mail transport picks it up.
    let runtime = dir_app.start_worker().await;
    let mail = dir_app
        .wait_for_mail("rosa@ledgerline.example", "Welcome")
        .await;
    assert!(mail.subject.contains("Ledger & Line"));
    dir_app.wait_delivery(d.id, DeliveryStatus::Sent).await;
    runtime.shutdown().await;
}

#[tokio::test]
async fn a_temporary_transport_failure_is_retried_with_backoff_until_it_works() {
    let app = TestApp::spawn().await;
    // The outbox directory cannot be created (a file stands where it should be), or the
    // SMTP server answers 451.
    app.break_mail();
    let id = worker::queue_mail(app.db(), None, &welcome("retry@ledgerline.example"))
        .await
        .unwrap();
    app.nudge();

    let failed_once = eventually("an attempt, settled", secs(10), async || {
        let d = app.delivery(id).await;
        // Counted when a send starts; settled once the outcome is recorded.
        if d.attempts >= 1 && d.claimed_until.is_none() {
            Ok(d)
        } else {
            Err(d)
        }
    })
    .await;
    assert_eq!(
        failed_once.status,
        DeliveryStatus::Pending,
        "a temporary failure is retried"
    );
    assert!(failed_once.next_attempt_at > chrono::Utc::now() - chrono::Duration::milliseconds(200));
    let why = failed_once.last_error.as_deref().unwrap_or("");
    assert!(
        why.contains("outbox write") || why.contains("451"),
        "the reason is kept for ops: {why}"
    );

    app.mend_mail();
    let d = app.wait_delivery(id, DeliveryStatus::Sent).await;
    assert!(d.attempts >= 2);
    assert_eq!(
        app.mails()
            .iter()
            .filter(|m| m.to == "retry@ledgerline.example")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_permanent_failure_is_recorded_and_not_retried() {
    let app = TestApp::spawn().await;
    let id = worker::queue_mail(app.db(), None, &welcome("not an address"))
        .await
        .unwrap();
    app.nudge();
    let d = app.wait_delivery(id, DeliveryStatus::Failed).await;
    assert_eq!(d.attempts, 1);
    assert!(d.last_error.unwrap().contains("bad recipient"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let again = app.delivery(id).await;
    assert_eq!(again.attempts, 1, "a permanent failure must not loop");
}

#[tokio::test]
async fn the_dispatcher_never_has_more_than_its_limit_in_the_queue() {
    // No worker consumes, so everything dispatched stays QUEUED.
    let app = TestApp::spawn_with_args(&["--embedded-worker", "false"]).await;
    for i in 0..30 {
        worker::queue_mail(
            app.db(),
            None,
            &welcome(&format!("p{i}@ledgerline.example")),
        )
        .await
        .unwrap();
    }
    let queue = app.queue().await;
    let limits = worker::outbox::DispatchLimits {
        max_in_flight: 10,
        requeue_after: Duration::from_secs(300),
    };
    assert_eq!(
        worker::outbox::dispatch_once(app.db(), &queue, limits)
            .await
            .unwrap(),
        10
    );
    assert_eq!(
        worker::outbox::dispatch_once(app.db(), &queue, limits)
            .await
            .unwrap(),
        0
    );
    let queued = Delivery::find()
        .filter(Column::Status.eq(DeliveryStatus::Queued))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(queued.len(), 10);
    assert_eq!(worker::outbox::backlog(app.db()).await.unwrap(), 30);
}

/// Settling password reset requests and handing mail to the queue share the dispatcher's
/// pass; when reset requests cannot be read at all, every other email still leaves.
#[tokio::test]
async fn mail_keeps_flowing_when_reset_requests_cannot_be_settled() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    app.db()
        .execute_unprepared("DROP TABLE password_reset_requests")
        .await
        .unwrap();
    app.partner("rosa@ledgerline.example").await;
    let welcome = app
        .wait_for_mail("rosa@ledgerline.example", "Welcome")
        .await;
    assert!(
        welcome.subject.contains("Partner Dashboard"),
        "{}",
        welcome.subject
    );
}

/// An email given up on keeps no secret link in the outbox, like a sent one.
#[tokio::test]
async fn a_failed_email_keeps_no_secret_link() {
    let app = TestApp::spawn().await;
    let secret = "a-secret-invite-token-0123456789abcdefghijk";
    let mail = worker::Mail::Invite {
        to: "not an address".into(),
        partner_name: "Ledger & Line".into(),
        company_name: None,
        link: format!("http://app.test/invite/{secret}"),
        client_id: None,
    };
    let id = worker::queue_mail(app.db(), None, &mail).await.unwrap();
    app.nudge();
    let d = app.wait_delivery(id, DeliveryStatus::Failed).await;
    assert!(!d.payload.contains(secret), "{}", d.payload);
    assert!(d.payload.contains(worker::mail::REDACTED), "{}", d.payload);
}
