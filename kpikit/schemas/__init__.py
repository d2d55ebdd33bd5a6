"""JSON Schemas of the notebooks' results.json files."""
