"""The differential test needs no SDK on the path: it builds the FasterAPI
apps with the host, runs their FastAPI twins, and (with the package
installed) uses the package's own TestClient."""
