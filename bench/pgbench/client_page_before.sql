-- pgbench: the statements the gateway ran for one client-list page before issue 27 (the
-- baseline of `scripts/bench versus`): the session with its user and account (one
-- join), then the page with the person's user row and grant in each client account and
-- the count of the partner's clients (a subquery over every one of them).
\set p random(1, 1000)
SELECT token_hash, user_id, account_id, email FROM bench_partners WHERE p = :p \gset
SELECT s.*, u.*, a.* FROM sessions s JOIN users u ON u.id = s.user_id JOIN accounts a ON a.id = u.account_id WHERE s.token_hash = :token_hash AND s.expires_at > now() AND u.active AND NOT u.suspended_by_partner LIMIT 1;
SELECT c.id, c.client_account_id, c.company_id, c.email, c.name, c.sort_name, c.status, c.status_rank, c.invited_via, c.invited_at, c.last_invite_sent_at, c.trial_ends_at, c.invite_expires_at, c.invite_revoked_at, c.last_partner_login_at, u.role, u.active, g.status, g.expires_at, (SELECT COUNT(*) FROM clients WHERE partner_account_id = :account_id) FROM clients c LEFT JOIN users u ON u.account_id = c.client_account_id AND u.email = :email LEFT JOIN access_grants g ON g.client_account_id = c.client_account_id AND g.person_id = :user_id WHERE c.partner_account_id = :account_id ORDER BY c.sort_name ASC, c.id ASC LIMIT 51;
