//! What to send: which endpoints, in which shares, for which ids.
//!
//! A scenario is a weighted mix of endpoints (one endpoint is a mix of one) and the ids it draws
//! from: uniformly from a range, or from a hot set picked once from that range. Everything is
//! parsed from the command line's words, with errors that name what was wrong.

use std::fmt;
use std::str::FromStr;

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};
use serde::Serialize;

/// A kind of request the load tester sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Endpoint {
    /// `GET /health`: the service without its store, the ceiling of the machine.
    Health,
    /// `GET /reviews/meta?product_id=`.
    Meta,
    /// `GET /reviews?product_id=&sort=relevant`.
    Reviews,
    /// `GET /qa/questions?product_id=`.
    Questions,
    /// `GET /qa/questions/{question_id}/answers`.
    Answers,
    /// `GET /products/{product_id}/styles`.
    Styles,
    /// `POST /reviews`, followed by a read that must show the new review.
    Write,
    /// The read after a write (not drawn from the mix: one follows every write).
    Verify,
}

impl Endpoint {
    /// Every endpoint a mix may name, with its name on the command line.
    pub const NAMED: [(&'static str, Endpoint); 7] = [
        ("health", Endpoint::Health),
        ("meta", Endpoint::Meta),
        ("reviews", Endpoint::Reviews),
        ("questions", Endpoint::Questions),
        ("answers", Endpoint::Answers),
        ("styles", Endpoint::Styles),
        ("write", Endpoint::Write),
    ];

    /// The endpoint's name, as the command line and the reports spell it.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Verify => "verify",
            named => Endpoint::NAMED.iter().find(|(_, e)| *e == named).map_or("?", |(n, _)| n),
        }
    }

    /// Whether the id drawn for this endpoint is a question id (else a product id).
    fn takes_question(self) -> bool {
        self == Endpoint::Answers
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A problem with a scenario's words on the command line.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScenarioError {
    /// An endpoint name that does not exist.
    #[error(
        "unknown endpoint {0:?}: the endpoints are health, meta, reviews, questions, answers, styles and write"
    )]
    UnknownEndpoint(String),
    /// A weight that is not a whole number.
    #[error("the weight of {0} is not a whole number: {1:?}")]
    BadWeight(String, String),
    /// A mix whose weights add up to nothing.
    #[error("the mix has no weight: give at least one endpoint a weight above 0")]
    Empty,
    /// An id range that is not `LOW-HIGH` with `1 <= LOW <= HIGH`.
    #[error("an id range is LOW-HIGH with 1 <= LOW <= HIGH, not {0:?}")]
    BadRange(String),
}

/// Endpoints and their weights: `meta`, or `meta=40,reviews=30,write=5`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mix {
    entries: Vec<(Endpoint, u32)>,
    total: u32,
}

impl Mix {
    /// The mix of one endpoint.
    pub fn only(endpoint: Endpoint) -> Mix {
        Mix { entries: vec![(endpoint, 1)], total: 1 }
    }

    /// The endpoints with a weight above zero.
    pub fn endpoints(&self) -> impl Iterator<Item = Endpoint> + '_ {
        self.entries.iter().map(|(endpoint, _)| *endpoint)
    }

    /// The endpoint for a uniform draw in `0..total`.
    fn endpoint_at(&self, mut draw: u32) -> Endpoint {
        for (endpoint, weight) in &self.entries {
            if draw < *weight {
                return *endpoint;
            }
            draw -= weight;
        }
        self.entries[self.entries.len() - 1].0
    }
}

impl FromStr for Mix {
    type Err = ScenarioError;

    fn from_str(words: &str) -> Result<Mix, ScenarioError> {
        let mut entries = Vec::new();
        for word in words.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let (name, weight) = word.split_once('=').unwrap_or((word, "1"));
            let endpoint = Endpoint::NAMED
                .iter()
                .find(|(n, _)| *n == name.trim())
                .map(|(_, e)| *e)
                .ok_or_else(|| ScenarioError::UnknownEndpoint(name.trim().to_owned()))?;
            let weight: u32 = weight
                .trim()
                .parse()
                .map_err(|_| ScenarioError::BadWeight(name.trim().to_owned(), weight.to_owned()))?;
            if weight > 0 {
                entries.push((endpoint, weight));
            }
        }
        let total = entries.iter().map(|(_, w)| w).sum();
        if total == 0 {
            return Err(ScenarioError::Empty);
        }
        Ok(Mix { entries, total })
    }
}

/// Ids from `low` to `high`, both included: `1-1000000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IdRange {
    /// The smallest id drawn.
    pub low: u64,
    /// The largest id drawn.
    pub high: u64,
}

impl FromStr for IdRange {
    type Err = ScenarioError;

    fn from_str(words: &str) -> Result<IdRange, ScenarioError> {
        let bad = || ScenarioError::BadRange(words.to_owned());
        let (low, high) = words.split_once('-').ok_or_else(bad)?;
        let low: u64 = low.trim().parse().map_err(|_| bad())?;
        let high: u64 = high.trim().parse().map_err(|_| bad())?;
        if low == 0 || low > high {
            return Err(bad());
        }
        Ok(IdRange { low, high })
    }
}

/// Where the ids of one kind come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ids {
    /// Uniformly from the whole range.
    Uniform(IdRange),
    /// Uniformly from a few ids picked once (the hot set).
    Hot(Vec<u64>),
}

impl Ids {
    /// A hot set of `size` distinct ids picked from `range` by `seed` (the whole range if smaller).
    pub fn hot(range: IdRange, size: u64, seed: u64) -> Ids {
        let span = range.high - range.low + 1;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut picked: Vec<u64> = Vec::new();
        while (picked.len() as u64) < size.min(span) {
            let id = range.low + rng.next_u64() % span;
            if !picked.contains(&id) {
                picked.push(id);
            }
        }
        picked.sort_unstable();
        Ids::Hot(picked)
    }

    fn draw(&self, rng: &mut Xoshiro256PlusPlus) -> u64 {
        match self {
            Ids::Uniform(range) => range.low + rng.next_u64() % (range.high - range.low + 1),
            Ids::Hot(ids) => ids[(rng.next_u64() % ids.len() as u64) as usize],
        }
    }
}

/// What one run sends: the mix, and the product and question ids it draws from.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    /// The endpoints and their shares.
    pub mix: Mix,
    /// The product ids (meta, reviews, questions, writes).
    pub products: Ids,
    /// The question ids (answers).
    pub questions: Ids,
}

/// One request to send: the endpoint and the id drawn for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Op {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// The product id, or for answers the question id.
    pub id: u64,
}

impl Op {
    /// The path and query of the request.
    pub fn path(self) -> String {
        match self.endpoint {
            Endpoint::Health => "/health".to_owned(),
            Endpoint::Meta => format!("/reviews/meta?product_id={}", self.id),
            Endpoint::Reviews => format!("/reviews?product_id={}&sort=relevant", self.id),
            Endpoint::Questions => format!("/qa/questions?product_id={}", self.id),
            Endpoint::Answers => format!("/qa/questions/{}/answers", self.id),
            Endpoint::Styles => format!("/products/{}/styles", self.id),
            Endpoint::Write => "/reviews".to_owned(),
            // Newest first: the review just written leads the page unless many land at once.
            Endpoint::Verify => format!("/reviews?product_id={}&sort=newest&count=20", self.id),
        }
    }

    /// The JSON body of a write (a review of the product), none for a read.
    pub fn body(self) -> Option<String> {
        (self.endpoint == Endpoint::Write).then(|| {
            format!(
                r#"{{"product_id":{},"rating":4,"summary":"Written by atelier bench","body":"A review written by the load tester to check that a read sees it.","recommend":true,"name":"bench","email":"bench@example.com","photos":[],"characteristics":{{}}}}"#,
                self.id
            )
        })
    }
}

impl Scenario {
    /// The next request: an endpoint by weight, then an id of the kind it takes.
    pub fn pick(&self, rng: &mut Xoshiro256PlusPlus) -> Op {
        let endpoint = self.mix.endpoint_at((rng.next_u64() % u64::from(self.mix.total)) as u32);
        let ids = if endpoint.takes_question() { &self.questions } else { &self.products };
        Op { endpoint, id: ids.draw(rng) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_name_is_a_mix_of_one() {
        assert_eq!("meta".parse::<Mix>(), Ok(Mix::only(Endpoint::Meta)));
    }

    #[test]
    fn weights_share_the_draws() {
        let mix: Mix = "meta=3,write=1".parse().unwrap();
        let drawn: Vec<Endpoint> = (0..4).map(|d| mix.endpoint_at(d)).collect();
        assert_eq!(drawn, [Endpoint::Meta, Endpoint::Meta, Endpoint::Meta, Endpoint::Write]);
    }

    #[test]
    fn an_unknown_endpoint_is_named_in_the_error() {
        assert_eq!("meta,carts".parse::<Mix>(), Err(ScenarioError::UnknownEndpoint("carts".to_owned())));
    }

    #[test]
    fn a_mix_of_zero_weights_is_rejected() {
        assert_eq!("meta=0".parse::<Mix>(), Err(ScenarioError::Empty));
        assert!(matches!("meta=x".parse::<Mix>(), Err(ScenarioError::BadWeight(..))));
    }

    #[test]
    fn a_range_is_low_dash_high_from_one() {
        assert_eq!("3-9".parse::<IdRange>(), Ok(IdRange { low: 3, high: 9 }));
        for bad in ["0-9", "9-3", "9", "a-b", "-3"] {
            assert!(bad.parse::<IdRange>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn a_hot_set_holds_distinct_ids_of_the_range_and_every_draw_is_one_of_them() {
        let range = IdRange { low: 100, high: 1_000_099 };
        let Ids::Hot(set) = Ids::hot(range, 10, 7) else { panic!("not hot") };
        assert_eq!(set.len(), 10);
        assert!(set.windows(2).all(|w| w[0] < w[1]));
        assert!(set.iter().all(|id| (100..=1_000_099).contains(id)));
        let ids = Ids::Hot(set.clone());
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        assert!((0..1000).all(|_| set.contains(&ids.draw(&mut rng))));
    }

    #[test]
    fn a_hot_set_larger_than_its_range_is_the_range() {
        let Ids::Hot(set) = Ids::hot(IdRange { low: 1, high: 3 }, 10, 7) else { panic!() };
        assert_eq!(set, [1, 2, 3]);
    }

    #[test]
    fn answers_draw_question_ids_and_the_rest_product_ids() {
        let scenario = Scenario {
            mix: "answers=1,meta=1".parse().unwrap(),
            products: Ids::Uniform(IdRange { low: 1, high: 5 }),
            questions: Ids::Uniform(IdRange { low: 1000, high: 1005 }),
        };
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        for _ in 0..200 {
            let op = scenario.pick(&mut rng);
            let expected = if op.endpoint == Endpoint::Answers { 1000..=1005 } else { 1..=5 };
            assert!(expected.contains(&op.id), "{op:?}");
        }
    }
}
