//! Accounts, users and passwords (SPEC §1–2, §5 users, §9 staff).

use super::*;
use crate::{TestApp, token_of};
use serde_json::{Value, json};

impl TestApp {
    /// Signs up (a partner firm when `partner`, else a client business); returns `signUp`.
    pub async fn sign_up(
        &self,
        company: &str,
        name: &str,
        email: &str,
        password: &str,
        partner: bool,
    ) -> Value {
        let input = json!({ "input": {
            "companyName": company, "name": name, "email": email,
            "password": password, "isAccountantOrBookkeeper": partner
        }});
        self.ok(None, SIGN_UP, input).await["signUp"].clone()
    }

    /// Signs up a partner firm (Ledger & Line, Rosa Ledger, `correct-horse-1`) and
    /// returns its owner's session token.
    pub async fn partner(&self, email: &str) -> String {
        let p = self
            .sign_up(
                "Ledger & Line",
                "Rosa Ledger",
                email,
                "correct-horse-1",
                true,
            )
            .await;
        p["token"].as_str().unwrap().to_owned()
    }

    /// Logs in (without a Company ID) and returns the session token.
    pub async fn log_in(&self, email: &str, password: &str) -> String {
        self.log_in_as(email, password, None).await["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Logs in, into the account with `company_id` if given; returns `logIn` (the token,
    /// its expiry, the user and their account).
    pub async fn log_in_as(&self, email: &str, password: &str, company_id: Option<&str>) -> Value {
        let vars = json!({ "email": email, "password": password, "companyId": company_id });
        self.ok(None, LOG_IN, vars).await["logIn"].clone()
    }

    /// Ends the session `token`.
    pub async fn log_out(&self, token: &str) {
        let out = self.ok(Some(token), LOG_OUT, json!({})).await;
        assert_eq!(out["logOut"], true, "{out}");
    }

    /// `me`: the session's user and account (null for none).
    pub async fn me(&self, token: Option<&str>) -> Value {
        self.ok(token, ME, json!({})).await["me"].clone()
    }

    /// The Company ID of the session's account.
    pub async fn company_id(&self, token: &str) -> String {
        let me = self.me(Some(token)).await;
        me["account"]["companyId"].as_str().unwrap().to_owned()
    }

    /// Adds a user to the caller's account (who is emailed a set-password link); returns it.
    pub async fn add_user(&self, token: &str, email: &str, name: &str, role: &str) -> Value {
        let input = json!({ "input": { "email": email, "name": name, "role": role } });
        self.ok(Some(token), ADD_USER, input).await["addUser"].clone()
    }

    /// The users of the caller's account.
    pub async fn users(&self, token: &str) -> Vec<Value> {
        let users = self.ok(Some(token), USERS, json!({})).await;
        users["users"].as_array().unwrap().clone()
    }

    /// The id of a user of the caller's account, by email.
    pub async fn user_id(&self, token: &str, email: &str) -> Value {
        let users = self.users(token).await;
        let user = users.iter().find(|u| u["email"] == email);
        user.unwrap_or_else(|| panic!("no user {email} in {users:?}"))["id"].clone()
    }

    /// Gives a user of the caller's account `role`; returns `setUserRole`.
    pub async fn set_user_role(&self, token: &str, user_id: &Value, role: &str) -> Value {
        let vars = json!({ "id": user_id, "role": role });
        self.ok(Some(token), SET_USER_ROLE, vars).await["setUserRole"].clone()
    }

    /// Makes a user of the caller's account active or inactive; returns `setUserActive`.
    pub async fn set_user_active(&self, token: &str, user_id: &Value, active: bool) -> Value {
        let vars = json!({ "id": user_id, "a": active });
        self.ok(Some(token), SET_USER_ACTIVE, vars).await["setUserActive"].clone()
    }

    /// Asks for a password reset link for `email` (in the account with `company_id`).
    pub async fn request_password_reset(&self, email: &str, company_id: Option<&str>) {
        let vars = json!({ "email": email, "companyId": company_id });
        let answer = self.ok(None, REQUEST_PASSWORD_RESET, vars).await;
        assert_eq!(answer["requestPasswordReset"], true, "{answer}");
    }

    /// Sets a password with an emailed set-password or reset `link` (or its token).
    pub async fn reset_password(&self, link: &str, password: &str) {
        let vars = json!({ "t": token_of(link), "p": password });
        let answer = self.ok(None, RESET_PASSWORD, vars).await;
        assert_eq!(answer["resetPassword"], true, "{answer}");
    }

    /// Sets the password of a user who was emailed a set-password link, with that link.
    pub async fn set_password_from_mail(&self, email: &str, password: &str) {
        let link = self
            .link_mailed_to(
                email,
                "set your password",
                "http://app.test/reset-password/",
            )
            .await;
        self.reset_password(&link, password).await;
    }

    /// Sets `email`'s password the way a person who forgot it does: asks for a reset
    /// link and follows the newest one emailed.
    pub async fn reset_password_by_mail(&self, email: &str, password: &str) {
        let subject = "Reset your password";
        let before = self
            .mails()
            .iter()
            .filter(|m| m.to == email && m.subject.contains(subject))
            .count();
        self.request_password_reset(email, None).await;
        let link = self
            .newest_mail(email, subject, before + 1)
            .await
            .link("http://app.test/reset-password/")
            .expect("a reset link in the email");
        self.reset_password(&link, password).await;
    }

    /// [`set_password_from_mail`](Self::set_password_from_mail), then logs in: returns the
    /// session token.
    pub async fn activate(&self, email: &str, password: &str) -> String {
        self.set_password_from_mail(email, password).await;
        self.log_in(email, password).await
    }

    /// Adds a support staff user with `gateway staff add`, sets their password with the
    /// link it prints, logs them in and enrols an authenticator app, as their first
    /// log-in asks: returns the session token.
    pub async fn staff(&self, email: &str, name: &str) -> String {
        let out = self
            .gateway_cli(&["staff", "add", "--email", email, "--name", name])
            .await;
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "gateway staff add: {out:?}");
        let link = said
            .split_whitespace()
            .find(|w| w.starts_with("http://app.test/reset-password/"))
            .unwrap_or_else(|| panic!("no set-password link printed: {said}"));
        let password = "staff-pass-12345";
        self.reset_password(link, password).await;
        // Support staff always need a second factor: the first log-in enrols one.
        let token = self.log_in(email, password).await;
        self.enrol_totp(&token).await;
        token
    }
}

impl TestApp {
    /// Enrols an authenticator app for the session `token` (a full or enrol-only one):
    /// answers its base32 secret and the recovery codes. The session then works fully.
    pub async fn enrol_totp(&self, token: &str) -> (String, Vec<String>) {
        let begun = self.ok(Some(token), crate::BEGIN_TOTP, json!({})).await;
        let secret = begun["beginTotpEnrolment"]["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        let vars = json!({ "code": crate::totp_code(&secret), "label": "Phone" });
        let done = self.ok(Some(token), crate::CONFIRM_TOTP, vars).await;
        let codes = done["confirmTotpEnrolment"].as_array().unwrap();
        let codes = codes
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        (secret, codes)
    }

    /// Logs in with a second factor: the password's pending token, then `code`. Answers
    /// the working session's token.
    pub async fn log_in_with_code(&self, email: &str, password: &str, code: &str) -> String {
        let pending = self.log_in_as(email, password, None).await;
        assert_eq!(pending["secondFactorRequired"], true, "{pending}");
        let token = pending["token"].as_str().unwrap();
        let done = self
            .ok(
                Some(token),
                crate::VERIFY_SECOND_FACTOR,
                json!({ "code": code }),
            )
            .await;
        done["verifySecondFactor"]["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}
