"""Evaluation: the runner, TREC run files, measures, results files, fusion and report tables."""
