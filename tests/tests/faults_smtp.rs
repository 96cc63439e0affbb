//! Faults of mail delivery (issue 6; SPEC §7): an SMTP server answering 4xx delays mail
//! until it accepts; one answering 5xx fails the delivery once, visibly to ops.
//!
//! Production mode only: each test brings its own servers or processes where it must stop
//! them, and is bounded in time. They need PostgreSQL and Redis (`TEST_POSTGRES_URL`,
//! `TEST_REDIS_URL`): `scripts/test` runs them in its production pass; their names start
//! with `prod_` so the other passes leave them out.

use e2e::{SmtpAnswer, TestApp, assert_production_mode, eventually, secs};
use entity::DeliveryStatus;
use entity::delivery::Entity as Delivery;
use sea_orm::EntityTrait;
use std::time::Duration;

#[tokio::test]
async fn prod_fault_smtp_answering_4xx_delays_mail_until_it_accepts() {
    assert_production_mode();
    let app = TestApp::spawn().await;
    let smtp = app.smtp.clone().expect("production mode sends by SMTP");
    smtp.answer(SmtpAnswer::Temporary);
    app.partner("rosa@ledgerline.example").await;
    eventually("an attempt to send", secs(20), async || smtp.refused() >= 1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(app.mails().is_empty());
    let d = Delivery::find().one(app.db()).await.unwrap().unwrap();
    assert_eq!(d.status, DeliveryStatus::Pending, "{d:?}");
    assert!(
        d.last_error.as_deref().unwrap_or("").contains("451"),
        "{d:?}"
    );

    smtp.answer(SmtpAnswer::Accept);
    app.wait_for_mail("rosa@ledgerline.example", "Welcome")
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.mails().len(), 1);
    let d = Delivery::find().one(app.db()).await.unwrap().unwrap();
    assert_eq!(d.status, DeliveryStatus::Sent);
    assert!(d.attempts >= 2);
}

#[tokio::test]
async fn prod_fault_smtp_answering_5xx_marks_the_delivery_failed_once() {
    assert_production_mode();
    let app = TestApp::spawn().await;
    let smtp = app.smtp.clone().expect("production mode sends by SMTP");
    smtp.answer(SmtpAnswer::Permanent);
    app.partner("rosa@ledgerline.example").await;
    let welcome = app.newest_delivery("welcome").await;
    let d = app.wait_delivery(welcome.id, DeliveryStatus::Failed).await;
    assert_eq!(d.attempts, 1);
    assert!(
        d.last_error.as_deref().unwrap_or("").contains("550"),
        "{d:?}"
    );
    // Nothing loops: no second attempt, and ops can see it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(smtp.refused(), 1);
    let again = Delivery::find().one(app.db()).await.unwrap().unwrap();
    assert_eq!(again.attempts, 1);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("emails_failed_total{kind=\"welcome\"}")),
        "{metrics}"
    );
}
