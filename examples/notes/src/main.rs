//! The getting-started application (docs/getting-started.md): `JWT_SECRET=$(openssl rand -hex 32)
//! cargo run -p notes`, then register, log in and use `/notes`.

mod model;
mod note;

use model::Access;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let filter = std::env::var("RUST_LOG").unwrap_or("info".into()); // a request log line each
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let url = std::env::var("DATABASE_URL").unwrap_or("sqlite://notes.db?mode=rwc".into());
    let db = access_axum::db::connect(&url, 8).await?; // SQLite: WAL mode, 8 connections
    let app = access_axum::App::new(Access, db) // migrations, stores, AuthConfig::from_env()
        .crud::<note::Entity>("/notes") // creates the table when missing
        .build()
        .await?;
    let addr = std::env::var("ADDR").unwrap_or("127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app.into_make_service()).await?; // with client addresses
    Ok(())
}
