//! The outbox seen from a test: a delivery by id, waiting for one to reach a status, and
//! what a mail server's later refusal leaves behind.

use crate::TestApp;
use crate::waits::{eventually, secs};
use entity::DeliveryStatus;
use entity::delivery::{Column, Entity, Model};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

impl TestApp {
    /// Delivery `id` as the outbox has it now.
    pub async fn delivery(&self, id: i64) -> Model {
        Entity::find_by_id(id)
            .one(self.db())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no delivery {id}"))
    }

    /// The newest delivery of this kind (`invite`, `welcome`, …), as the outbox has it now.
    pub async fn newest_delivery(&self, kind: &str) -> Model {
        Entity::find()
            .filter(Column::Kind.eq(kind))
            .order_by_desc(Column::Id)
            .one(self.db())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no {kind} delivery"))
    }

    /// Waits (up to 30 s) until delivery `id` has status `want`; returns it then.
    pub async fn wait_delivery(&self, id: i64, want: DeliveryStatus) -> Model {
        let what = format!("delivery {id} to be {want:?}");
        eventually(&what, secs(30), async || {
            let d = self.delivery(id).await;
            if d.status == want { Ok(d) } else { Err(d) }
        })
        .await
    }

    /// The newest delivery of this kind (`invite`, `set_password`, …) to `to`, once it
    /// was sent.
    pub async fn sent_delivery(&self, kind: &str, to: &str) -> Model {
        let what = format!("a {kind} email sent to {to}");
        eventually(&what, secs(30), async || {
            let d = Entity::find()
                .filter(Column::Kind.eq(kind))
                .filter(Column::Recipient.eq(to))
                .order_by_desc(Column::Id)
                .one(self.db())
                .await
                .unwrap();
            d.filter(|d| d.status == DeliveryStatus::Sent)
        })
        .await
    }

    /// Records for a sent delivery what a mail server's later bounce (550) leaves: FAILED,
    /// its link removed, as the sender records a permanent refusal.
    pub async fn bounce(&self, d: &Model) {
        self.fail_delivery(d, "smtp: 550 5.1.1 no such mailbox")
            .await;
    }

    /// Records delivery `d` FAILED with `why`, its link removed, as the sender records a
    /// permanent refusal (for the `.eml` outbox, which cannot refuse anything).
    pub async fn fail_delivery(&self, d: &Model, why: &str) {
        let mail: worker::Mail = serde_json::from_str(&d.payload).unwrap();
        Entity::update_many()
            .col_expr(Column::Status, Expr::value(DeliveryStatus::Failed))
            .col_expr(Column::LastError, Expr::value(why))
            .col_expr(
                Column::Payload,
                Expr::value(serde_json::to_string(&mail.redacted()).unwrap()),
            )
            .filter(Column::Id.eq(d.id))
            .exec(self.db())
            .await
            .unwrap();
    }
}
