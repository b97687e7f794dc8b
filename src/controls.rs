//! Typed helpers on a running [`GhesMock`]: everything the `/_mock` control
//! API does, called in-process.

use crate::delivery::DeliveryFault;
use crate::error::Error;
use crate::model::{Conclusion, Job, Runner, RunnerStatus, Scope, Token, TokenKind, WorkflowRun};
use crate::server::GhesMock;
use crate::service::{
    App, Delivery, DeliveryQuery, Fault, Installation, JitStart, LoggedRequest, MockState, NewApp,
    NewInstallation, NewRun, Registration, RequestFilter, RunnerUpdate,
};

impl GhesMock {
    /// A token the API accepts with every OAuth scope, also when the mock is
    /// in strict mode.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::builder().token("ci", &["repo"]).start().await;
    /// let header = format!("token {}", mock.api_token());
    /// # assert!(header.len() > 10);
    /// # }
    /// ```
    pub fn api_token(&self) -> &str {
        self.service.auth().internal_token()
    }

    /// A new registration token for a scope (`enterprises/E`, `orgs/O` or
    /// `repos/O/R`), as `POST …/actions/runners/registration-token` gives.
    ///
    /// # Panics
    /// If `scope` is not written as above.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let token = mock.registration_token("orgs/octo-org").await;
    /// assert_eq!(token.token.len(), 29);
    /// # }
    /// ```
    pub async fn registration_token(&self, scope: &str) -> Token {
        self.token(scope, TokenKind::Registration).await
    }

    /// A new remove token for a scope, as `POST …/actions/runners/remove-token`
    /// gives.
    ///
    /// # Panics
    /// If `scope` is not written `enterprises/E`, `orgs/O` or `repos/O/R`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let token = mock.remove_token("repos/octo-org/octo-repo").await;
    /// assert!(!token.expires_at.is_empty());
    /// # }
    /// ```
    pub async fn remove_token(&self, scope: &str) -> Token {
        self.token(scope, TokenKind::Remove).await
    }

    async fn token(&self, scope: &str, kind: TokenKind) -> Token {
        let scope: Scope = scope.parse().unwrap_or_else(|reason| panic!("{reason}"));
        self.service
            .create_token(&scope, kind)
            .await
            .unwrap_or_else(|error| panic!("ghes-mock could not create a {kind} token: {error}"))
    }

    /// Registers an online, idle Linux x64 runner in a scope, minting the
    /// registration token for it.
    ///
    /// # Panics
    /// If `scope` is malformed or the name is taken in that scope; use
    /// [`GhesMock::register`] to handle those.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let runner = mock.register_runner("orgs/octo-org", "linux-1").await;
    /// assert_eq!(runner.labels[0].name, "self-hosted");
    /// # }
    /// ```
    pub async fn register_runner(&self, scope: &str, name: &str) -> Runner {
        let token = self.registration_token(scope).await;
        self.register(Registration::new(token.token, name))
            .await
            .unwrap_or_else(|error| panic!("ghes-mock could not register {name:?}: {error}"))
    }

    /// Registers a runner with a registration token, as `config.sh` does.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ghes_mock::{Os, Registration};
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let token = mock.registration_token("orgs/octo-org").await.token;
    /// let runner = mock
    ///     .register(Registration::new(&token, "mac-1").os(Os::Macos).labels(["xcode"]).busy(true))
    ///     .await
    ///     .unwrap();
    /// assert!(runner.busy);
    /// let again = mock.register(Registration::new(&token, "MAC-1")).await;
    /// assert!(again.is_err(), "names are unique in a scope");
    /// # }
    /// ```
    pub async fn register(&self, registration: Registration) -> Result<Runner, Error> {
        self.service.register_runner(registration).await
    }

    /// Creates a GitHub App; the mock makes its key unless one is given, and
    /// then answers it in `private_key_pem`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ghes_mock::{NewApp, NewInstallation};
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let app = mock
    ///     .create_app(NewApp::new().permission("organization_self_hosted_runners", "write"))
    ///     .await
    ///     .unwrap();
    /// let installation = mock.install_app(app.id, NewInstallation::new("orgs/octo-org")).await.unwrap();
    /// assert_eq!(installation.repository_selection, "all");
    /// # }
    /// ```
    pub async fn create_app(&self, app: NewApp) -> Result<App, Error> {
        self.service.create_app(app).await
    }

    /// Installs an App on an account (`orgs/O`, `users/U`, `enterprises/E`).
    pub async fn install_app(
        &self,
        app_id: i64,
        installation: NewInstallation,
    ) -> Result<Installation, Error> {
        self.service.install_app(app_id, installation).await
    }

    /// A JWT the App signs now, valid nine minutes on the mock clock, for an
    /// App whose private key the mock holds.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let app = mock.create_app(ghes_mock::NewApp::new()).await.unwrap();
    /// let jwt = mock.app_jwt(app.id).unwrap();
    /// let me = reqwest::Client::new().get(format!("{}/app", mock.api_url()))
    ///     .bearer_auth(jwt).send().await.unwrap();
    /// assert_eq!(me.status(), 200);
    /// # }
    /// ```
    pub fn app_jwt(&self, app_id: i64) -> Result<String, Error> {
        self.service.app_jwt(app_id)
    }

    /// A new installation token, as `POST /app/installations/{id}/access_tokens`
    /// makes one with no narrowing.
    pub async fn installation_token(
        &self,
        app_id: i64,
        installation_id: i64,
    ) -> Result<String, Error> {
        let issued = self
            .service
            .create_installation_token(app_id, installation_id, Default::default())
            .await?;
        Ok(issued.token)
    }

    /// Makes an organization a member of an enterprise (or, with `None`, of
    /// none), creating either on first use; returns the organization's id.
    /// A member organization inherits the enterprise's runner groups that
    /// serve it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let id = mock.set_org_enterprise("octo-org", Some("octo-enterprise")).await.unwrap();
    /// let state = mock.state().await;
    /// let org = state.scopes.iter().find(|s| s.id == id).unwrap();
    /// assert_eq!(org.enterprise.as_deref(), Some("octo-enterprise"));
    /// # }
    /// ```
    pub async fn set_org_enterprise(
        &self,
        org: &str,
        enterprise: Option<&str>,
    ) -> Result<i64, Error> {
        let row = self.service.set_org_enterprise(org, enterprise).await?;
        Ok(row.scope_id)
    }

    /// Starts the runner of a JIT configuration (what generate-jitconfig
    /// answered as `encoded_jit_config`), as `run.sh --jitconfig` does: it
    /// comes online as a Linux x64 runner of the server's runner version.
    /// A configuration starts its runner once.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let refused = mock.start_jit_runner("not a configuration").await.unwrap_err();
    /// assert_eq!(refused.status(), 422);
    /// # }
    /// ```
    pub async fn start_jit_runner(&self, encoded_jit_config: &str) -> Result<Runner, Error> {
        let start = JitStart {
            encoded_jit_config: encoded_jit_config.to_owned(),
            os: None,
            architecture: None,
            version: None,
        };
        self.service.start_jit_runner(start).await
    }

    /// Sets a runner online or offline.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ghes_mock::RunnerStatus;
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let runner = mock.register_runner("orgs/octo-org", "r").await;
    /// let runner = mock.set_runner_status(runner.id, RunnerStatus::Offline).await.unwrap();
    /// assert_eq!(runner.status, RunnerStatus::Offline);
    /// # }
    /// ```
    pub async fn set_runner_status(
        &self,
        runner_id: i64,
        status: RunnerStatus,
    ) -> Result<Runner, Error> {
        let update = RunnerUpdate {
            status: Some(status),
            busy: None,
        };
        self.service.update_runner(runner_id, update).await
    }

    /// Marks a runner as running a job, or idle again.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let runner = mock.register_runner("orgs/octo-org", "r").await;
    /// assert!(mock.set_runner_busy(runner.id, true).await.unwrap().busy);
    /// # }
    /// ```
    pub async fn set_runner_busy(&self, runner_id: i64, busy: bool) -> Result<Runner, Error> {
        let update = RunnerUpdate {
            status: None,
            busy: Some(busy),
        };
        self.service.update_runner(runner_id, update).await
    }

    /// Removes a runner with a remove token of its scope, as
    /// `config.sh remove` does.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let runner = mock.register_runner("orgs/octo-org", "r").await;
    /// let token = mock.remove_token("orgs/octo-org").await;
    /// mock.remove_runner(runner.id, &token.token).await.unwrap();
    /// # }
    /// ```
    pub async fn remove_runner(&self, runner_id: i64, remove_token: &str) -> Result<(), Error> {
        self.service.remove_runner(runner_id, remove_token).await
    }

    /// Sets the mock clock to wall time + `offset_seconds` (absolute, not
    /// added to an earlier offset). Tokens expire, and runners offline for
    /// too long are removed, as if that time had passed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ghes_mock::Registration;
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let token = mock.registration_token("orgs/octo-org").await.token;
    /// mock.set_clock_offset(3601).await.unwrap();
    /// assert!(mock.register(Registration::new(token, "late")).await.is_err());
    /// # }
    /// ```
    pub async fn set_clock_offset(&self, offset_seconds: i64) -> Result<(), Error> {
        self.service.set_clock(offset_seconds).await.map(drop)
    }

    /// Queues a workflow run, as `POST /_mock/runs` does; answers it with its
    /// jobs as they are once idle runners have taken what they can.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ghes_mock::{NewJob, NewRun};
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let run = mock.queue_run(NewRun::new("octo-org/hello").job(NewJob::new(["gpu"]))).await.unwrap();
    /// assert_eq!((run.run_number, run.status.as_str()), (1, "queued"));
    /// # }
    /// ```
    pub async fn queue_run(&self, run: NewRun) -> Result<WorkflowRun, Error> {
        let run_id = self.service.queue_run(&run).await?;
        let body = self.service.run_with_jobs(run_id, &self.uri()).await?;
        Ok(serde_json::from_slice(&body).map_err(|e| sqlx::Error::Decode(e.into()))?)
    }

    /// A job of any repository.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::start().await;
    /// assert!(mock.job(42).await.is_err());
    /// # }
    /// ```
    pub async fn job(&self, job_id: i64) -> Result<Job, Error> {
        let body = self.service.job_by_id(job_id, &self.uri())?;
        Ok(serde_json::from_value(body).map_err(|e| sqlx::Error::Decode(e.into()))?)
    }

    /// Ends a job now with a conclusion, as `POST /_mock/jobs/{id}/complete`
    /// does; its runner is free again, or gone if it was ephemeral.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ghes_mock::{Conclusion, NewJob, NewRun};
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let run = mock.queue_run(NewRun::new("o/r").job(NewJob::new(["gpu"]))).await.unwrap();
    /// let job = mock.complete_job(run.jobs[0].id, Conclusion::Failure).await.unwrap();
    /// assert_eq!(job.conclusion, Some(Conclusion::Failure));
    /// # }
    /// ```
    pub async fn complete_job(&self, job_id: i64, conclusion: Conclusion) -> Result<Job, Error> {
        self.service.finish_job(job_id, Some(conclusion)).await?;
        self.job(job_id).await
    }

    /// Cancels a job now, as `POST /_mock/jobs/{id}/cancel` does.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ghes_mock::{Conclusion, NewJob, NewRun};
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let run = mock.queue_run(NewRun::new("o/r").job(NewJob::new(["gpu"]))).await.unwrap();
    /// let job = mock.cancel_job(run.jobs[0].id).await.unwrap();
    /// assert_eq!(job.conclusion, Some(Conclusion::Cancelled));
    /// # }
    /// ```
    pub async fn cancel_job(&self, job_id: i64) -> Result<Job, Error> {
        self.complete_job(job_id, Conclusion::Cancelled).await
    }

    /// Plans a fault for the API requests it matches; returns it with its id.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ghes_mock::Fault;
    /// let mock = ghes_mock::GhesMock::start().await;
    /// mock.add_fault(Fault::new("/api/v3/orgs").status(502).times(2)).unwrap();
    /// assert_eq!(mock.faults().len(), 1);
    /// # }
    /// ```
    pub fn add_fault(&self, fault: Fault) -> Result<Fault, Error> {
        self.service.faults().add(fault)
    }

    /// The faults still to apply.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::start().await;
    /// assert!(mock.faults().is_empty());
    /// # }
    /// ```
    pub fn faults(&self) -> Vec<Fault> {
        self.service.faults().list()
    }

    /// Drops every planned fault.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ghes_mock::Fault;
    /// let mock = ghes_mock::GhesMock::start().await;
    /// mock.add_fault(Fault::new("/api/v3").delay_ms(100)).unwrap();
    /// mock.clear_faults();
    /// assert!(mock.faults().is_empty());
    /// # }
    /// ```
    pub fn clear_faults(&self) {
        self.service.faults().clear();
        self.service.delivery_faults().clear();
    }

    /// Plans a fault for the webhook deliveries it matches: the next ones
    /// are dropped, duplicated, delayed or reordered.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ghes_mock::{DeliveryFault, DeliveryFaultKind};
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let fault = mock.add_delivery_fault(DeliveryFault::new(DeliveryFaultKind::Drop).event("workflow_job")).unwrap();
    /// assert_eq!(fault.times, 1);
    /// # }
    /// ```
    pub fn add_delivery_fault(&self, fault: DeliveryFault) -> Result<DeliveryFault, Error> {
        self.service.delivery_faults().add(fault)
    }

    /// Every webhook delivery matching a query, oldest first: those made,
    /// those a fault dropped, and those not attempted yet.
    pub async fn deliveries(&self, query: &DeliveryQuery) -> Result<Vec<Delivery>, Error> {
        self.service.list_all_deliveries(query).await
    }

    /// The API requests received, oldest first, optionally only those of a
    /// method and/or under a path prefix.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ghes_mock::RequestFilter;
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let posts = RequestFilter { method: Some("POST".into()), path_prefix: None };
    /// assert!(mock.received_requests(&posts).is_empty());
    /// # }
    /// ```
    pub fn received_requests(&self, filter: &RequestFilter) -> Vec<LoggedRequest> {
        self.service.requests().list(filter)
    }

    /// Everything the mock holds: scopes with their runners, live tokens and
    /// the clock.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::start().await;
    /// mock.register_runner("orgs/octo-org", "r").await;
    /// assert_eq!(mock.state().await.scopes[0].runner_count, 1);
    /// # }
    /// ```
    pub async fn state(&self) -> MockState {
        self.service
            .state()
            .await
            .unwrap_or_else(|error| panic!("ghes-mock could not read its state: {error}"))
    }

    /// Back to the seeded state: runners, tokens, scopes, the clock, the rate
    /// limits, the faults and the request log.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::start().await;
    /// mock.register_runner("orgs/octo-org", "r").await;
    /// mock.reset().await;
    /// assert!(mock.state().await.scopes.is_empty());
    /// # }
    /// ```
    pub async fn reset(&self) {
        self.service
            .reset()
            .await
            .unwrap_or_else(|error| panic!("ghes-mock could not reset: {error}"));
    }
}
