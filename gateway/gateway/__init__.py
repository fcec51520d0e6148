"""The API gateway: routing, authentication, role and estate checks, and error
mapping. No business rules: those live in the services."""
