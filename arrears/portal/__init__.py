"""The debtor self-service portal: signed links, identity check, the debtor's own pages."""
