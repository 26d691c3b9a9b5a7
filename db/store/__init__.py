"""The storage layer: tables, views, hot-path statements, engines and sessions, the schema and
its migrations, change watching and the audit chain."""
