"""Small file helpers shared by the run, export and record writers."""
