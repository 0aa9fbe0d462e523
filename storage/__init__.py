"""Storage: tables, the database engine and sessions, queries and migrations. The only SQL."""
