"""integrations: outgoing webhooks (issue 13)."""
