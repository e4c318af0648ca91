//! The OpenAPI 3.1 document served at `/openapi.json`, assembled from the route table
//! ([`crate::routes`]) and the wire types' own schemas, so it cannot drift from what is served.
//!
//! [`Doc`] is the small vocabulary each route uses to describe itself: its parameters, its body
//! and its answers. Every operation lists the errors it can give with the one error body.

use std::borrow::Cow;

use utoipa::ToSchema;
use utoipa::openapi::path::{HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::server::{ServerBuilder, ServerVariableBuilder};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Ref, RefOr,
    Required, ResponseBuilder, Schema,
};

/// One operation's description, built up by the route table.
pub(crate) struct Doc {
    operation: OperationBuilder,
    /// Every schema the operation names, so the document's components hold them all.
    schemas: Vec<(String, RefOr<Schema>)>,
    /// The statuses described so far; the first description of a status stays.
    statuses: Vec<u16>,
}

impl Doc {
    /// An operation in group `tag` with a one-line summary.
    pub(crate) fn new(tag: &str, summary: &str) -> Self {
        let operation = OperationBuilder::new().tag(tag).summary(Some(summary));
        Self { operation, schemas: Vec::new(), statuses: Vec::new() }
    }

    /// A longer description.
    pub(crate) fn describe(mut self, text: &str) -> Self {
        self.operation = self.operation.description(Some(text));
        self
    }

    /// A positive integer id in the path, such as `{review_id}`.
    pub(crate) fn path_id(self, name: &str, what: &str) -> Self {
        self.parameter(ParameterIn::Path, name, true, positive_integer(), what)
            .error(400, &format!("`{name}` is not a positive integer"))
    }

    /// The required `product_id` query parameter.
    pub(crate) fn product_query(self) -> Self {
        self.parameter(ParameterIn::Query, "product_id", true, positive_integer(), "The product.")
            .error(400, "A parameter is missing or out of range")
    }

    /// The optional `page` and `count` query parameters.
    pub(crate) fn paging(self) -> Self {
        self.parameter(ParameterIn::Query, "page", false, positive_integer(), "The 1-based page; default 1.")
            .parameter(
                ParameterIn::Query,
                "count",
                false,
                positive_integer(),
                "Rows per page; default 5. A count above 1000 is served as 1000.",
            )
            .error(400, "A parameter is missing or out of range")
    }

    /// The optional `sort` query parameter of the reviews list.
    pub(crate) fn sort(self) -> Self {
        let sort = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["relevant", "newest", "helpful"]))
            .default(Some("relevant".into()));
        self.parameter(
            ParameterIn::Query,
            "sort",
            false,
            sort.into(),
            "`newest` (date), `helpful` (helpfulness) or `relevant` (helpfulness plus one vote per 90 days \
             of recency); ties by id, newest first.",
        )
    }

    /// A request body of schema `T`, as JSON or as a url-encoded form.
    pub(crate) fn body<T: ToSchema>(mut self) -> Self {
        let schema = self.component::<T>();
        let content = || ContentBuilder::new().schema(Some(schema.clone())).build();
        let body = RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content("application/json", content())
            .content("application/x-www-form-urlencoded", content())
            .build();
        self.operation = self.operation.request_body(Some(body));
        self.error(400, "A field is missing or breaks a rule; `field` names it")
            .error(413, "The body is larger than 64 KiB")
            .error(415, "The body is neither JSON nor a url-encoded form")
    }

    /// A JSON answer of schema `T` with `status`.
    pub(crate) fn answers<T: ToSchema>(mut self, status: u16, what: &str) -> Self {
        self.statuses.push(status);
        let schema = self.component::<T>();
        let response = ResponseBuilder::new()
            .description(what)
            .content("application/json", ContentBuilder::new().schema(Some(schema)).build());
        self.operation = self.operation.response(status.to_string(), response.build());
        self
    }

    /// `204 No Content`.
    pub(crate) fn no_content(self, what: &str) -> Self {
        self.empty(204, what)
    }

    /// `201 Created` with an empty body.
    pub(crate) fn created_empty(self, what: &str) -> Self {
        self.empty(201, what)
    }

    fn empty(mut self, status: u16, what: &str) -> Self {
        self.statuses.push(status);
        self.operation =
            self.operation.response(status.to_string(), ResponseBuilder::new().description(what).build());
        self
    }

    /// A plain-text answer.
    pub(crate) fn text(mut self, what: &str) -> Self {
        self.statuses.push(200);
        let text = ContentBuilder::new().schema(Some(ObjectBuilder::new().schema_type(Type::String))).build();
        let response = ResponseBuilder::new().description(what).content("text/plain; charset=utf-8", text);
        self.operation = self.operation.response("200", response.build());
        self
    }

    /// An error answer with the one error body. The first description of a status stays.
    pub(crate) fn error(mut self, status: u16, what: &str) -> Self {
        let schema = self.component::<crate::error::ErrorBody>();
        let response = ResponseBuilder::new()
            .description(what)
            .content("application/json", ContentBuilder::new().schema(Some(schema)).build());
        if !self.statuses.contains(&status) {
            self.statuses.push(status);
            self.operation = self.operation.response(status.to_string(), response.build());
        }
        self
    }

    fn parameter(
        mut self,
        place: ParameterIn,
        name: &str,
        required: bool,
        schema: Schema,
        what: &str,
    ) -> Self {
        let required = if required { Required::True } else { Required::False };
        let parameter = ParameterBuilder::new()
            .name(name)
            .parameter_in(place)
            .required(required)
            .description(Some(what))
            .schema(Some(schema));
        self.operation = self.operation.parameter(parameter);
        self
    }

    /// Registers `T` (and the schemas it names) and returns a reference to it.
    fn component<T: ToSchema>(&mut self) -> RefOr<Schema> {
        let name: Cow<str> = T::name();
        self.schemas.push((name.to_string(), T::schema()));
        T::schemas(&mut self.schemas);
        RefOr::Ref(Ref::from_schema_name(name))
    }

    /// The finished operation with its id, and the schemas it names. Every operation may answer
    /// 503 when the database is unreachable.
    pub(crate) fn finish(self, id: String) -> (Operation, Vec<(String, RefOr<Schema>)>) {
        let done = self.error(503, "The database is unreachable or the service is busy; retry later");
        (done.operation.operation_id(Some(id)).build(), done.schemas)
    }
}

fn positive_integer() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(1))
        .into()
}

/// The document for the route table's `(method, path, description)` entries: one path item per
/// route, every named schema in components, and the `/api/fec2/{campus}` prefix as a second
/// server.
pub(crate) fn document(endpoints: impl IntoIterator<Item = (HttpMethod, &'static str, Doc)>) -> OpenApi {
    let mut paths = PathsBuilder::new().build();
    let mut components = ComponentsBuilder::new().schemas_from_iter(crate::wire::schemas_named_by_maps());
    for (method, path, doc) in endpoints {
        let (operation, schemas) = doc.finish(operation_id(&method, path));
        paths.add_path_operation(path, vec![method], operation);
        for (name, schema) in schemas {
            components = components.schema(name, schema);
        }
    }
    let campus = ServerVariableBuilder::new()
        .default_value("hr-rfe")
        .description(Some("Any campus: the prefix is accepted and ignored, as the front ends hard-code it."));
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Atelier: Ratings & Reviews and Questions & Answers")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "The catalogue API the FEC front ends were written against, odd value types included. \
                     Every route also answers with one trailing slash, and under `/api/fec2/{campus}`. \
                     A query value in one pair of quotes (`sort=\"relevant\"`) is read as the bare value. \
                     POST bodies may be JSON or url-encoded forms with bracket notation \
                     (`photos[]=URL`, `characteristics[14]=5`). Errors share one body.",
                )),
        )
        .servers(Some([
            ServerBuilder::new().url("/").description(Some("This host")).build(),
            ServerBuilder::new()
                .url("/api/fec2/{campus}")
                .description(Some("The original host's base path"))
                .parameter("campus", campus)
                .build(),
        ]))
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

/// `put_reviews_review_id_helpful`-style ids: unique per method and path, stable across builds.
fn operation_id(method: &HttpMethod, path: &str) -> String {
    let words: Vec<&str> =
        path.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let verb = match method {
        HttpMethod::Get => "get",
        HttpMethod::Post => "post",
        HttpMethod::Put => "put",
        HttpMethod::Delete => "delete",
        HttpMethod::Options => "options",
        HttpMethod::Head => "head",
        HttpMethod::Patch => "patch",
        HttpMethod::Trace => "trace",
    };
    format!("{verb}_{}", words.join("_"))
}
