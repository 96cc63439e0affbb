//! SPEC §7: a mutation that promises background work never loses it. Every kind of work
//! (an email, a Partner Connect check, a client upgrade) is recorded in the mutation's
//! transaction and handed to the queue by the dispatcher; a job lost from the queue (here
//! deleted from it, on whichever queue backend the mode runs) is handed out again, and
//! the work is done exactly once.

use e2e::{
    TestApp, UPGRADE_CLIENT, code_of, eventually, legacy_example, listed_emails, message_of, secs,
};
use entity::{TaskKind, TaskStatus, task};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use std::time::Duration;

/// No worker runs until the test starts one; lost jobs are handed out again after 1 s.
async fn app_without_workers() -> TestApp {
    TestApp::spawn_with_args(&["--embedded-worker", "false", "--outbox-requeue-after", "1s"]).await
}

/// Hands the recorded work to the queue once, as the dispatcher does, then deletes the
/// jobs from the queue: the work is QUEUED in the database and its job is gone.
async fn dispatch_and_lose_the_jobs(app: &TestApp) {
    let queue = app.queue().await;
    let config = app.worker_config();
    let limits = worker::outbox::DispatchLimits {
        max_in_flight: config.outbox_max_in_flight,
        requeue_after: Duration::from_secs(3600),
    };
    let handed = worker::outbox::dispatch_once(app.db(), &queue, limits)
        .await
        .unwrap();
    assert!(handed >= 1, "nothing was handed to the queue");
    let lost = queue.discard_waiting().await.unwrap();
    assert_eq!(lost as usize, handed, "every job handed out was deleted");
    let depths = queue.depths().await.unwrap();
    assert!(depths.iter().all(|(_, n)| *n == 0), "{depths:?}");
}

/// The example V1 partner imported beside a V2 firm, with its Partner Connect request
/// to that firm made (and, with no worker running, not yet checked).
async fn connect_requested(app: &TestApp) -> e2e::LegacyPartners {
    let p = app.legacy_partners(&legacy_example()).await;
    app.connect_legacy_partner(&p.v1_owner, &p.v2_company_id, "rosa@v2firm.example")
        .await;
    p
}

async fn task_of(app: &TestApp, kind: TaskKind) -> task::Model {
    task::Entity::find()
        .filter(task::Column::Kind.eq(kind))
        .one(app.db())
        .await
        .unwrap()
        .expect("the work was recorded")
}

async fn wait_task_done(app: &TestApp, kind: TaskKind) -> task::Model {
    eventually(
        &format!("the {kind:?} task to finish"),
        secs(30),
        async || {
            let t = task_of(app, kind).await;
            if t.status == TaskStatus::Done {
                Ok(t)
            } else {
                Err(t)
            }
        },
    )
    .await
}

#[tokio::test]
async fn a_lost_invite_email_is_sent_once() {
    let app = app_without_workers().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    app.clear_mails();
    app.invite(&partner, "hello@bakersrow.example", None).await;
    dispatch_and_lose_the_jobs(&app).await;

    let runtime = app.start_worker().await;
    app.wait_for_mail("hello@bakersrow.example", "invites you")
        .await;
    // Time for a second copy to show, were one coming.
    tokio::time::sleep(Duration::from_secs(3)).await;
    runtime.shutdown().await;
    let copies = app
        .mails()
        .iter()
        .filter(|m| m.to.contains("hello@bakersrow.example"))
        .count();
    assert_eq!(copies, 1);
}

#[tokio::test]
async fn a_lost_partner_connect_check_is_settled_once() {
    let app = app_without_workers().await;
    let p = connect_requested(&app).await;
    assert_eq!(
        task_of(&app, TaskKind::PartnerConnectCheck).await.status,
        TaskStatus::Pending
    );
    dispatch_and_lose_the_jobs(&app).await;
    assert_eq!(
        task_of(&app, TaskKind::PartnerConnectCheck).await.status,
        TaskStatus::Queued
    );

    let runtime = app.start_worker().await;
    assert_eq!(
        app.wait_connection_settled(&p.v1_owner).await["status"],
        "CONNECTED"
    );
    let t = wait_task_done(&app, TaskKind::PartnerConnectCheck).await;
    runtime.shutdown().await;
    assert_eq!(t.attempts, 1, "checked once: {t:?}");
    let c = app.legacy_connection(&p.v1_owner).await;
    assert_eq!(c["status"], "CONNECTED");
}

#[tokio::test]
async fn a_lost_client_upgrade_is_done_once() {
    let app = app_without_workers().await;
    let p = connect_requested(&app).await;
    // The connect check runs first, with a worker, and the worker stops again.
    let runtime = app.start_worker().await;
    assert_eq!(
        app.wait_connection_settled(&p.v1_owner).await["status"],
        "CONNECTED"
    );
    runtime.shutdown().await;

    let bakers = app.upgrade_candidate(&p.v1_owner, "BKR2201").await["client"]["id"].clone();
    app.upgrade_client(&p.v1_owner, &bakers).await;
    // Asked again while it is under way: refused, saying so (not "already upgraded").
    let again = app
        .gql(Some(&p.v1_owner), UPGRADE_CLIENT, json!({ "id": bakers }))
        .await;
    assert_eq!(code_of(&again), "BAD_USER_INPUT");
    assert!(message_of(&again).contains("under way"), "{again}");
    dispatch_and_lose_the_jobs(&app).await;

    let runtime = app.start_worker().await;
    let t = wait_task_done(&app, TaskKind::ClientUpgrade).await;
    app.wait_for_mail("hello@bakersrow.example", "set your password")
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    runtime.shutdown().await;
    assert_eq!(t.attempts, 1, "upgraded once: {t:?}");
    let listed = listed_emails(&app.clients(&p.v2_owner, json!({})).await);
    assert_eq!(
        listed
            .iter()
            .filter(|e| *e == "hello@bakersrow.example")
            .count(),
        1,
        "{listed:?}"
    );
    // The V1 client is marked upgraded (its only eligible client: the tab is gone).
    let v1_row = entity::client::Entity::find()
        .filter(entity::client::Column::CompanyId.eq("BKR2201"))
        .all(app.db())
        .await
        .unwrap();
    assert!(v1_row.iter().any(|c| c.upgraded_at.is_some()), "{v1_row:?}");
    // Both partners' audit logs show the finished upgrade.
    for owner in [&p.v1_owner, &p.v2_owner] {
        let log = app.audit_actions(owner).await;
        assert!(log.iter().any(|a| a == "client.upgraded"), "{log:?}");
    }
    let set_password_mails = app
        .mails()
        .iter()
        .filter(|m| {
            m.to.contains("hello@bakersrow.example") && m.subject.contains("set your password")
        })
        .count();
    assert_eq!(set_password_mails, 1);
}

/// The gateway pushes nothing to the queue itself: work promised while no worker runs
/// waits in `tasks`, and the first worker to start does it.
#[tokio::test]
async fn work_waits_in_the_database_until_a_worker_runs() {
    let app = app_without_workers().await;
    let p = connect_requested(&app).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let depths = app.queue().await.depths().await.unwrap();
    assert!(
        depths.iter().all(|(_, n)| *n == 0),
        "nothing pushed yet: {depths:?}"
    );
    assert_eq!(
        task_of(&app, TaskKind::PartnerConnectCheck).await.status,
        TaskStatus::Pending
    );
    let runtime = app.start_worker().await;
    assert_eq!(
        app.wait_connection_settled(&p.v1_owner).await["status"],
        "CONNECTED"
    );
    runtime.shutdown().await;
}

/// A job that fails for a reason that may pass (the database restarting) is retried by
/// the outbox with growing gaps; after `TASK_MAX_ATTEMPTS` the task is FAILED, with the
/// reason, for ops. A permanent failure is FAILED at once.
#[tokio::test]
async fn failed_work_is_retried_with_backoff_then_given_up_with_its_reason() {
    let app = app_without_workers().await;
    connect_requested(&app).await;
    let subject = task_of(&app, TaskKind::PartnerConnectCheck)
        .await
        .subject_id;
    let temporary = || {
        Err(worker::WorkerError::Db(sea_orm::DbErr::Custom(
            "the database is restarting".into(),
        )))
    };
    let mut last_gap = chrono::Duration::zero();
    for attempt in 1..worker::outbox::TASK_MAX_ATTEMPTS {
        let before = chrono::Utc::now();
        worker::outbox::finish_task(
            app.db(),
            TaskKind::PartnerConnectCheck,
            subject,
            &temporary(),
        )
        .await
        .unwrap();
        let t = task_of(&app, TaskKind::PartnerConnectCheck).await;
        assert_eq!(t.status, TaskStatus::Pending, "attempt {attempt}: {t:?}");
        assert_eq!(t.attempts, attempt);
        let gap = t.next_attempt_at - before;
        assert!(
            gap > last_gap,
            "attempt {attempt}: the gap grows ({gap} after {last_gap})"
        );
        last_gap = gap;
        assert!(t.last_error.as_deref().unwrap().contains("restarting"));
    }
    worker::outbox::finish_task(
        app.db(),
        TaskKind::PartnerConnectCheck,
        subject,
        &temporary(),
    )
    .await
    .unwrap();
    let t = task_of(&app, TaskKind::PartnerConnectCheck).await;
    assert_eq!(t.status, TaskStatus::Failed, "{t:?}");
    assert!(t.finished_at.is_some());

    // Asking again (the V1 owner connects again after fixing the details) resets it.
    entity::task::record(
        app.db(),
        TaskKind::PartnerConnectCheck,
        subject,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let t = task_of(&app, TaskKind::PartnerConnectCheck).await;
    assert_eq!(
        (t.status, t.attempts, t.last_error),
        (TaskStatus::Pending, 0, None)
    );
    let permanent = Err(worker::WorkerError::Invalid("cannot be done".into()));
    worker::outbox::finish_task(app.db(), TaskKind::PartnerConnectCheck, subject, &permanent)
        .await
        .unwrap();
    assert_eq!(
        task_of(&app, TaskKind::PartnerConnectCheck).await.status,
        TaskStatus::Failed
    );
}
