//! A real SMTP server inside the test process (production and scale-out modes), keeping
//! what it accepts and answering as a test tells it to.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// What the test SMTP server answers at the end of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpAnswer {
    Accept,
    /// 451: try again later.
    Temporary,
    /// 554: never.
    Permanent,
}

#[derive(Debug)]
struct SmtpState {
    messages: Vec<String>,
    /// For each of `messages`: when its end of data arrived and when it was kept.
    times: Vec<(SystemTime, SystemTime)>,
    answer: SmtpAnswer,
    refused: u64,
    /// How long the server works on an end of data before it keeps the message and
    /// answers 250 (a relay's checks and its queue file): [`SmtpServer::delay_end_of_data`].
    end_of_data_delay: Duration,
}

/// One message the server accepted, with its timing.
#[derive(Debug, Clone)]
pub struct Received {
    pub raw: String,
    /// When the server read the end of data.
    pub end_of_data: SystemTime,
    /// When it kept the message (then it answered 250).
    pub kept: SystemTime,
}

/// A real SMTP server (mailin-embedded) on a loopback port, keeping what it accepts.
#[derive(Clone, Debug)]
pub struct SmtpServer {
    pub addr: SocketAddr,
    state: Arc<Mutex<SmtpState>>,
}

#[derive(Clone)]
struct SmtpHandler {
    state: Arc<Mutex<SmtpState>>,
    data: Vec<u8>,
}

impl mailin_embedded::Handler for SmtpHandler {
    /// Refusals come at RCPT, as a busy or strict server would answer.
    fn rcpt(&mut self, _to: &str) -> mailin_embedded::Response {
        let mut st = self.state.lock().unwrap();
        match st.answer {
            SmtpAnswer::Accept => mailin_embedded::response::OK,
            SmtpAnswer::Temporary => {
                st.refused += 1;
                mailin_embedded::Response::custom(451, "4.3.0 try again later".into())
            }
            SmtpAnswer::Permanent => {
                st.refused += 1;
                mailin_embedded::Response::custom(550, "5.7.1 delivery not authorized".into())
            }
        }
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> mailin_embedded::Response {
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    /// Like a relay, the server keeps the message whether or not the client is still
    /// there to read the 250: a client that dies after its end of data left cannot
    /// know whether it was kept.
    fn data_end(&mut self) -> mailin_embedded::Response {
        let end_of_data = SystemTime::now();
        let raw = String::from_utf8_lossy(&std::mem::take(&mut self.data)).into_owned();
        let delay = self.state.lock().unwrap().end_of_data_delay;
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        let mut st = self.state.lock().unwrap();
        st.messages.push(raw);
        st.times.push((end_of_data, SystemTime::now()));
        mailin_embedded::response::OK
    }
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind SMTP port");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(SmtpState {
            messages: Vec::new(),
            times: Vec::new(),
            answer: SmtpAnswer::Accept,
            refused: 0,
            end_of_data_delay: Duration::ZERO,
        }));
        let mut server = mailin_embedded::Server::new(SmtpHandler {
            state: state.clone(),
            data: Vec::new(),
        });
        // One thread per connection: more than two workers' SMTP pools (2 × 16).
        server
            .with_name("smtp.test")
            .with_num_threads(64)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer { addr, state }
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message accepted so far, as received.
    pub fn raw_messages(&self) -> Vec<String> {
        self.state.lock().unwrap().messages.clone()
    }

    /// How many messages the server has accepted so far.
    pub fn count(&self) -> usize {
        self.state.lock().unwrap().messages.len()
    }

    /// Every message accepted so far with when its end of data arrived and when the
    /// server kept it.
    pub fn received(&self) -> Vec<Received> {
        let st = self.state.lock().unwrap();
        st.messages
            .iter()
            .zip(&st.times)
            .map(|(raw, (end_of_data, kept))| Received {
                raw: raw.clone(),
                end_of_data: *end_of_data,
                kept: *kept,
            })
            .collect()
    }

    /// From now on the server works `delay` on each end of data before it keeps the
    /// message and answers 250, as a relay that checks or queues mail does (zero: at once).
    pub fn delay_end_of_data(&self, delay: Duration) {
        self.state.lock().unwrap().end_of_data_delay = delay;
    }

    pub fn answer(&self, answer: SmtpAnswer) {
        self.state.lock().unwrap().answer = answer;
    }

    /// Messages refused so far (4xx or 5xx).
    pub fn refused(&self) -> u64 {
        self.state.lock().unwrap().refused
    }

    pub fn clear(&self) {
        let mut st = self.state.lock().unwrap();
        st.messages.clear();
        st.times.clear();
    }
}
