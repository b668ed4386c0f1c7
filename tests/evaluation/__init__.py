"""Tests of qa.evaluation: golden loading, metrics, runner, SQuAD, baseline, reports and the command."""
