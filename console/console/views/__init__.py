"""The console's screens, one blueprint per department."""
