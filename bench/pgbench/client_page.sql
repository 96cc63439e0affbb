-- pgbench: the statements the gateway runs for one client-list page (first: 50), for a
-- random seeded partner: the session with its user and account (one join), the count, the page, and
-- which page clients have the partner's own user. One extra lookup maps the partner
-- number to its ids (bench_partners, written by bench-seed).
\set p random(1, 20)
SELECT token_hash, user_id, account_id, email FROM bench_partners WHERE p = :p \gset
SELECT s.*, u.*, a.* FROM sessions s JOIN users u ON u.id = s.user_id JOIN accounts a ON a.id = u.account_id WHERE s.token_hash = :token_hash AND s.expires_at > now() AND u.active LIMIT 1;
SELECT COUNT(*) FROM clients WHERE partner_account_id = :account_id;
SELECT id, partner_account_id, client_account_id, company_id, email, name, sort_name, status, status_rank, invited_via, invited_at, last_invite_sent_at, trial_ends_at FROM clients WHERE partner_account_id = :account_id ORDER BY sort_name ASC, id ASC LIMIT 51;
SELECT account_id FROM users WHERE email = :email AND account_id IN (SELECT client_account_id FROM clients WHERE partner_account_id = :account_id AND client_account_id IS NOT NULL ORDER BY sort_name ASC, id ASC LIMIT 50);
