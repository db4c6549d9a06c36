"""Evaluations (issue 21): an agent's test sets of cases (sets.py, capture.py) and runs
that answer every case with one version of the agent through the one reply pipeline,
grade each reply with its checks (grading.py; rubric checks by a judge model,
judge.py) and keep the results for comparison (runs.py, history.py)."""
