-- pgbench: the statements the gateway runs for one client-list page (first: 50), for a
-- random seeded partner: the session with its user and account (one join), and the page
-- (the list's columns) with the partner's own user row in each client account (one join,
-- from a covering index) and the count for the filter (a subquery), in one statement.
-- One extra lookup maps the partner number to its ids (bench_partners, written by
-- bench-seed). scripts/bench sets the partner range to what it seeded.
\set p random(1, 1000)
SELECT token_hash, user_id, account_id, email FROM bench_partners WHERE p = :p \gset
SELECT s.*, u.*, a.* FROM sessions s JOIN users u ON u.id = s.user_id JOIN accounts a ON a.id = u.account_id WHERE s.token_hash = :token_hash AND s.expires_at > now() AND u.active LIMIT 1;
SELECT c.id, c.client_account_id, c.company_id, c.email, c.name, c.sort_name, c.status, c.status_rank, c.invited_via, c.invited_at, c.last_invite_sent_at, c.trial_ends_at, u.role, u.active, (SELECT COUNT(*) FROM clients WHERE partner_account_id = :account_id) FROM clients c LEFT JOIN users u ON u.account_id = c.client_account_id AND u.email = :email WHERE c.partner_account_id = :account_id ORDER BY c.sort_name ASC, c.id ASC LIMIT 51;
