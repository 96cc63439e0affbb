/// What can go wrong in the worker.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("job queue: {0}")]
    Queue(String),
    /// Someone else is doing this right now; try again later.
    #[error("busy: {0}")]
    Busy(String),
    #[error("mail: {0}")]
    Mail(String),
    #[error("configuration: {0}")]
    Config(String),
    /// Input the operator gave that cannot be used (e.g. a bad legacy export).
    #[error("{0}")]
    Invalid(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

impl WorkerError {
    /// Whether trying the same thing again can never work (bad input or configuration),
    /// as opposed to a database, queue or network hiccup.
    pub fn is_permanent(&self) -> bool {
        matches!(self, WorkerError::Invalid(_) | WorkerError::Config(_))
    }
}
