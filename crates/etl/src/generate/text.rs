//! Realistic text for generated rows: product names, review and Q&A prose, usernames, emails
//! and photo URLs, assembled from fixed word lists so that output depends only on the seed.

use atelier_core::tables::ProductRow;

use super::Draw;

const ADJECTIVES: &[&str] = &[
    "Camo", "Bright", "Heritage", "Urban", "Classic", "Alpine", "Coastal", "Vintage", "Nimbus", "Summit",
    "Midnight", "Sunset", "Arctic", "Desert", "Forest", "Harbor", "Velvet", "Granite", "Ember", "Willow",
];
const GARMENTS: &[(&str, &str)] = &[
    ("Onesie", "Jackets"),
    ("Jacket", "Jackets"),
    ("Parka", "Jackets"),
    ("Slacks", "Pants"),
    ("Joggers", "Pants"),
    ("Jeans", "Pants"),
    ("Sneakers", "Kicks"),
    ("Runners", "Kicks"),
    ("Boots", "Boots"),
    ("Sunglasses", "Accessories"),
    ("Cap", "Accessories"),
    ("Backpack", "Accessories"),
    ("Tee", "Shirts"),
    ("Hoodie", "Sweaters"),
    ("Cardigan", "Sweaters"),
    ("Shorts", "Shorts"),
    ("Dress", "Dresses"),
    ("Skirt", "Dresses"),
];
const SLOGANS: &[&str] = &[
    "Blend in to your crowd",
    "Made to be worn every day",
    "Comfort that goes the distance",
    "Built for the long way home",
    "Light enough to forget you are wearing it",
    "Style that does not quit",
    "Your new favourite",
    "Ready for whatever the weather does",
];
const DESCRIPTIONS: &[&str] = &[
    "Cut from a soft, breathable blend that keeps its shape wash after wash.",
    "Reinforced seams and a relaxed fit make it an easy choice for long days.",
    "Designed with recycled materials and finished by hand.",
    "A modern take on a timeless silhouette, with room to move.",
    "Water-resistant outer layer with a brushed lining for cold mornings.",
    "Lightweight and packable, it folds into its own pocket.",
];
const SUMMARIES_GOOD: &[&str] = &[
    "Love it!",
    "Great fit",
    "Exactly as described",
    "Would buy again",
    "Best purchase this year",
    "Super comfortable",
    "Worth every penny",
    "My new favourite",
    "Great quality for the price",
];
const SUMMARIES_MIXED: &[&str] = &[
    "It's okay",
    "Runs a little small",
    "Runs a little large",
    "Decent, not amazing",
    "Good but pricey",
    "Nice colour, odd fit",
];
const SUMMARIES_BAD: &[&str] =
    &["Disappointed", "Not as pictured", "Fell apart quickly", "Would not recommend", "Returned it"];
const SENTENCES_GOOD: &[&str] = &[
    "The material feels sturdy and soft at the same time.",
    "I have worn it almost every day since it arrived.",
    "Fits true to size and looks great.",
    "Shipping was fast and the packaging was nice.",
    "I got compliments the first time I wore it.",
    "Holds up well after several washes.",
    "The colour is even better in person.",
];
const SENTENCES_MIXED: &[&str] = &[
    "The sizing is a bit inconsistent, so consider going up one.",
    "It does the job, but the stitching could be better.",
    "Comfortable enough, though the fabric wrinkles easily.",
    "I like the design, but it took a while to break in.",
];
const SENTENCES_BAD: &[&str] = &[
    "The seams started coming apart after a week.",
    "It looks nothing like the photos.",
    "The fabric is scratchy and thin.",
    "Customer service was slow to respond.",
];
const RESPONSES: &[&str] = &[
    "Thank you for your feedback! We are glad you like it.",
    "We are sorry to hear that. Please contact our support team so we can make it right.",
    "Thanks for the review. Our sizing guide has been updated with your comments.",
];
const QUESTIONS: &[&str] = &[
    "Does this run big or small?",
    "What fabric is it made of?",
    "Can I machine wash it?",
    "Is it true to size?",
    "How long does it last?",
    "Is it waterproof?",
    "Does it come in other colours?",
    "Where is this product made?",
    "Is this good for hiking?",
    "Why is this product cheaper here than other sites?",
];
const ANSWERS: &[&str] = &[
    "It runs a little small, I would size up.",
    "Mostly cotton with a bit of stretch.",
    "Yes, cold wash and hang dry works well for me.",
    "True to size in my experience.",
    "Mine has lasted two years so far.",
    "It handles light rain but not a downpour.",
    "I have only seen it in the colours listed.",
    "We are selling it here without any markup from the middleman!",
    "Great for easy trails, maybe not for mountains.",
    "Not sure, but it has held up well.",
];
const NAME_PARTS: &[&str] = &[
    "sunny", "trail", "happy", "quiet", "city", "river", "moon", "pixel", "maple", "coffee", "jazz", "ocean",
    "cloud", "tiger", "panda", "falcon", "lemon", "cedar", "rocket", "velvet",
];
const EMAIL_DOMAINS: &[&str] = &["example.com", "mail.example.org", "inbox.example.net"];
/// Real images from the original dataset's photo URLs, so a demo front end shows pictures.
const PHOTO_IDS: &[&str] = &[
    "1560570803-7474c0f9af99",
    "1561693532-9ff59442a7db",
    "1487349384428-12b47aca925e",
    "1542574621-e088a4464f7e",
    "1530519729491-aea5b51d1ee1",
    "1511127088257-53ccfcc769fa",
    "1500603720222-eb7a1f997356",
    "1463143217634-f1089c4b3cc4",
];

pub(super) fn product(draw: &mut Draw, id: i64) -> ProductRow {
    let (garment, category) = GARMENTS[draw.below(GARMENTS.len() as u64) as usize];
    ProductRow {
        id,
        name: format!("{} {garment}", draw.pick(ADJECTIVES)),
        slogan: draw.pick(SLOGANS).to_owned(),
        description: draw.pick(DESCRIPTIONS).to_owned(),
        category: category.to_owned(),
        default_price: (10 + draw.below(190) * 5).to_string(),
    }
}

/// A summary and body whose tone follows the rating.
pub(super) fn review(draw: &mut Draw, rating: i16) -> (String, String) {
    let (summaries, sentences) = match rating {
        1 | 2 => (SUMMARIES_BAD, SENTENCES_BAD),
        3 => (SUMMARIES_MIXED, SENTENCES_MIXED),
        _ => (SUMMARIES_GOOD, SENTENCES_GOOD),
    };
    let summary = draw.pick(summaries).to_owned();
    let count = 1 + draw.below(4) as usize;
    let body = (0..count).map(|_| draw.pick(sentences)).collect::<Vec<_>>().join(" ");
    (summary, body)
}

pub(super) fn response(draw: &mut Draw) -> String {
    draw.pick(RESPONSES).to_owned()
}

pub(super) fn question(draw: &mut Draw) -> String {
    draw.pick(QUESTIONS).to_owned()
}

pub(super) fn answer(draw: &mut Draw) -> String {
    draw.pick(ANSWERS).to_owned()
}

pub(super) fn username(draw: &mut Draw) -> String {
    format!("{}{}{}", draw.pick(NAME_PARTS), draw.pick(NAME_PARTS), draw.below(100))
}

pub(super) fn email(draw: &mut Draw, name: &str) -> String {
    let local: String =
        name.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    let local = if local.is_empty() { "shopper" } else { &local };
    format!("{local}@{}", draw.pick(EMAIL_DOMAINS))
}

pub(super) fn photo_url(draw: &mut Draw) -> String {
    format!(
        "https://images.unsplash.com/photo-{}?auto=format&fit=crop&w={}&q=80",
        draw.pick(PHOTO_IDS),
        600 + draw.below(5) * 100
    )
}
