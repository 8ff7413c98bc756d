"""The application: configuration, the store, ingest, clustering, jobs, and (elsewhere) the UI.

Importing this package imports neither TensorFlow nor Dash.
"""
