-- pgbench: the statement the gateway runs for one client-list page (first: 50) of a
-- random seeded partner whose session it holds (gateway/src/auth/session_cache.rs): the
-- page (the list's columns) with the person's own user row and access grant in each
-- client account (two joins, from covering indexes) and the firm's count from its
-- counters (client_status_counts, a subquery of one indexed range), in one statement.
-- One extra lookup maps the partner number to its ids (bench_partners, written by
-- bench-seed). scripts/bench sets the partner range to what it seeded.
\set p random(1, 1000)
SELECT token_hash, user_id, account_id, email FROM bench_partners WHERE p = :p \gset
SELECT c.id, c.client_account_id, c.company_id, c.email, c.name, c.sort_name, c.status, c.status_rank, c.invited_via, c.invited_at, c.last_invite_sent_at, c.trial_ends_at, c.invite_expires_at, c.invite_revoked_at, c.last_partner_login_at, u.role, u.active, g.status, g.expires_at, (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM client_status_counts WHERE partner_account_id = :account_id) FROM clients c LEFT JOIN users u ON u.account_id = c.client_account_id AND u.email = :email LEFT JOIN access_grants g ON g.client_account_id = c.client_account_id AND g.person_id = :user_id WHERE c.partner_account_id = :account_id ORDER BY c.sort_name ASC, c.id ASC LIMIT 51;
