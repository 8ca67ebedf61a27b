"""Findings over time: the history store, a finding's stable identity, and the view the reports read (issue 26)."""
