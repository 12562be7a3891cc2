//! Garbled addresses (tests/garbled_urls.json, also opened in the page by
//! tests/browser/faults.test.mjs): every one gives a race the engine accepts and a short, clear
//! notice that quotes what was wrong, without control characters.
#![cfg(not(target_arch = "wasm32"))]

use activation_race::race::RaceConfig;
use activation_race::settings::{MAX_NOTICES, from_query, to_query};

#[derive(serde::Deserialize)]
struct Case {
    query: String,
    /// A piece of the notice the page must show.
    notice: String,
}

#[derive(serde::Deserialize)]
struct Cases {
    cases: Vec<Case>,
}

fn cases() -> Vec<Case> {
    let text = include_str!("garbled_urls.json");
    match serde_json::from_str::<Cases>(text) {
        Ok(c) => c.cases,
        Err(e) => panic!("tests/garbled_urls.json: {e}"),
    }
}

#[test]
fn every_garbled_address_gives_a_valid_race_and_a_clear_notice() {
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    for case in &cases {
        let read = from_query(&format!("?{}", case.query));
        let what = &case.query.chars().take(60).collect::<String>();
        assert!(
            read.config.validate().is_ok(),
            "{what}: {:?}",
            read.config.validate()
        );
        assert!(!read.notices.is_empty(), "{what}: no notice");
        assert!(
            read.notices.len() <= MAX_NOTICES,
            "{what}: {} notices",
            read.notices.len()
        );
        let all = read.notices.join("\n");
        assert!(
            all.contains(&case.notice),
            "{what}: {:?} not in\n{all}",
            case.notice
        );
        for n in &read.notices {
            assert!(n.chars().count() <= 200, "{what}: a long notice {n:?}");
            assert!(
                !n.chars()
                    .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
                "{what}: control characters in {n:?}"
            );
        }
        // What the page writes back into the address reads again without a notice.
        let again = from_query(&to_query(&read.config));
        assert!(again.notices.is_empty(), "{what}: {:?}", again.notices);
        assert_eq!(again.config, read.config, "{what}");
    }
}

#[test]
fn garbage_next_to_good_settings_keeps_the_good_ones() {
    let read =
        from_query("?epochs=2&lanes=<img src=x onerror=alert(1)>&train=3000&lr=NaN&hidden=64");
    let c = &read.config;
    assert_eq!(
        (c.epochs, c.train_size, c.hidden.as_slice()),
        (2, 3000, &[64][..])
    );
    assert_eq!(c.activations, RaceConfig::default().activations);
    assert_eq!(c.learning_rate, RaceConfig::default().learning_rate);
    assert_eq!(read.notices.len(), 2, "{:?}", read.notices);
}

#[test]
fn a_flood_of_parameters_is_summed_up() {
    let query: String = (0..1000).map(|i| format!("k{i}=1&")).collect();
    let read = from_query(&query);
    assert_eq!(read.notices.len(), MAX_NOTICES);
    assert_eq!(
        read.notices.last().map(String::as_str),
        Some("… and 989 more settings were refused or ignored")
    );
    assert_eq!(read.config, RaceConfig::default());
}
