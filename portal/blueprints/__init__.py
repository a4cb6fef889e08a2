"""Blueprints: thin views over services. Each area is a package with bp, routes and forms."""
