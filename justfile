# Recipes for people who have `just`; each calls the plain script or cargo command.

# Run the whole system on its embedded default (SQLite, in-process worker, mail to data/outbox)
run:
    cargo run -p gateway

# The whole test suite (installs and starts a throwaway PostgreSQL when needed)
test *FILTER:
    scripts/test {{FILTER}}

# Regenerate schema.graphql from the code
schema:
    scripts/schema

# rustfmt and clippy, warnings as errors
lint:
    scripts/lint

# Client-list benchmark on PostgreSQL (seeds 1,000 x 1,000 clients; prints req/s, p50, p99 beside pgbench)
bench:
    scripts/bench
