"""The daily cycle: snapshot → engine → apply, per portfolio and business date, partition by partition."""
