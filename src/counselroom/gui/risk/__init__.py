"""Risk: assessments, the flag, emergency measures and the safety plan."""
