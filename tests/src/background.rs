//! The app's background work seen from a test: its worker settings, a worker runtime or
//! mailer in this process, the job queue, and the worker's `import-legacy` command.

use crate::TestApp;
use crate::waits::{eventually, secs};

impl TestApp {
    /// The worker settings of this app, as a separate worker would get them.
    pub fn worker_config(&self) -> worker::WorkerConfig {
        gateway::Config::from_args(self.args.clone())
            .expect("valid test configuration")
            .worker
    }

    /// Where this app's changes to clients are published: the in-process gateway's bus,
    /// or the app's Redis channel.
    pub async fn events(&self) -> worker::ClientEvents {
        match &self.app {
            Some(app) => app.state.queue.events().clone(),
            None => worker::JobQueue::connect(&self.worker_config())
                .await
                .unwrap()
                .events()
                .clone(),
        }
    }

    /// A worker runtime in this process, on this app's database, queue and mail transport.
    pub async fn start_worker(&self) -> worker::WorkerRuntime {
        let config = self.worker_config();
        let db = entity::db::connect(&config.database_url(), 2)
            .await
            .unwrap();
        // In process, the gateway's own queue: its live list hears this worker's changes.
        let queue = match &self.app {
            Some(app) => app.state.queue.clone(),
            None => worker::JobQueue::connect(&config).await.unwrap(),
        };
        worker::WorkerRuntime::start(&config, db, queue, worker::Nudge::default())
            .await
            .unwrap()
    }

    /// Runs `worker ARGS…` on this app's database and queue, as ops would in a terminal,
    /// and returns what it printed and how it exited.
    pub async fn worker_cli(&self, args: &[&str]) -> std::process::Output {
        tokio::process::Command::new(crate::binary("worker"))
            .args(args)
            .args(crate::processes::worker_args(&self.args))
            .env("RUST_LOG", "warn")
            .output()
            .await
            .expect("run the worker binary")
    }

    /// Runs `gateway ARGS…` (e.g. `staff add …`) with this app's configuration, as ops
    /// would in a terminal, and returns what it printed and how it exited.
    pub async fn gateway_cli(&self, args: &[&str]) -> std::process::Output {
        tokio::process::Command::new(crate::binary("gateway"))
            .args(&self.args)
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .await
            .expect("run the gateway binary")
    }

    /// A job queue handle like the app's.
    pub async fn queue(&self) -> worker::JobQueue {
        worker::JobQueue::connect(&self.worker_config())
            .await
            .expect("job queue")
    }

    /// A mailer sending the way this app's worker does.
    pub fn mailer(&self) -> worker::mail::Mailer {
        let c = self.worker_config();
        let transport = worker::mail::Transport::from_config(
            c.smtp_url.as_deref(),
            c.smtp_ca_file.as_deref(),
            1,
            c.smtp_timeout,
            c.outbox_dir(),
        )
        .unwrap();
        worker::mail::Mailer::new(transport, &c.mail_from, c.public_url(), c.trial_length).unwrap()
    }

    /// Wakes the in-process dispatcher now (others poll every 100 ms in tests).
    pub fn nudge(&self) {
        if let Some(app) = &self.app {
            app.state.nudge.wake();
        }
    }

    /// Waits until a worker has settled every recorded password reset request (each either
    /// issued its link and queued the email, or found nobody or was throttled).
    pub async fn wait_reset_requests_settled(&self) {
        use entity::password_reset_request::{Column, Entity};
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let pending = async || {
            let n = Entity::find()
                .filter(Column::SettledAt.is_null())
                .count(&self.db)
                .await
                .expect("count reset requests");
            if n == 0 {
                Ok(())
            } else {
                Err(format!("{n} unsettled"))
            }
        };
        eventually(
            "every password reset request to be settled",
            secs(20),
            pending,
        )
        .await;
    }

    /// Imports a legacy V1 export into this app's database as `worker import-legacy` does:
    /// check, plan (skipping partners already imported), write.
    pub async fn import_legacy(&self, text: &str) -> Result<worker::legacy::ImportReport, String> {
        let partners = worker::legacy::parse(text).map_err(|e| e.to_string())?;
        let (new, skipped) = worker::legacy::plan(self.db(), partners)
            .await
            .map_err(|e| e.to_string())?;
        let mut report = worker::legacy::write(self.db(), &new, |_| {})
            .await
            .map_err(|e| e.to_string())?;
        report.skipped_partners = skipped;
        Ok(report)
    }
}

/// The legacy export example beside the project (`../shared/legacy-export.example.json`).
pub fn legacy_example() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/legacy-export.example.json"
    ))
    .expect("the example export beside the project")
}
