//! A real local S3 (and SQS, DynamoDB) for the tests: moto's server on a free loopback port,
//! stopped when dropped. `.ci/run` installs it (`pip install 'moto[server]'`); on a
//! machine without it the tests that need it say so and pass only outside CI. It runs through
//! `moto_server.py`, which makes DynamoDB's conditional writes atomic as the real service's are.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
}

impl Moto {
    /// Starts a server, or returns `None` when moto is not installed (an error under CI).
    pub fn start() -> Option<Moto> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap();
        let launcher = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/common/moto_server.py");
        let child = match Command::new("python3")
            .args([launcher, "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                super::skip::skip(&format!("python3 is not installed ({e})"));
                return None;
            }
        };
        let mut moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            match moto.child.try_wait() {
                Ok(Some(status)) if status.code() == Some(3) => {
                    super::skip::skip("moto is not installed: pip install 'moto[server]'");
                    return None;
                }
                Ok(Some(status)) => panic!("moto's server exited at start: {status}"),
                _ => {}
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    /// Environment for a process that talks to this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "eu-west-1".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }

    /// SDK settings for this server: its endpoint, eu-west-1, test credentials, and trailflow's
    /// HTTPS client (the SDK crates are built without a default one).
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .http_client(trailflow::aws::http_client())
            .region(aws_config::Region::new("eu-west-1"))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_s3::config::SharedCredentialsProvider::new(
                aws_sdk_s3::config::Credentials::new("testing", "testing", None, None, "tests"),
            ))
            .build()
    }

    /// An S3 client for this server.
    pub async fn s3(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.sdk_config())
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }
}

/// Creates a bucket in eu-west-1 (moto, like S3, wants the location constraint outside us-east-1).
pub async fn create_bucket(s3: &aws_sdk_s3::Client, name: &str) {
    s3.create_bucket()
        .bucket(name)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
