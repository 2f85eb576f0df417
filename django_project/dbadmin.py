"""A short-lived PostgreSQL connection built from a database URL, for creating and dropping scratch databases."""

import dj_database_url
import psycopg


def pg_connect(url: str, **options) -> psycopg.Connection:
    """Connect to the database `url` names (a postgres:// URL), passing `options` on to psycopg.connect."""
    config = dj_database_url.parse(url)
    return psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname=config["NAME"],
        **options,
    )


def pg_execute(url: str, sql: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE need that) on the server `url` names."""
    with pg_connect(url, autocommit=True) as connection:
        connection.execute(sql)
