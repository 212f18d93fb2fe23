"""Shared test data builders: counties, people, ID numbers, policies, results and the files counties send."""
