"""Quality (质检): scorecards, QA sampling and review of contacts, pre-scores, coaching."""
