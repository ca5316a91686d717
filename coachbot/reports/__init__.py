"""Pictures and files: uploaded photos (charts, PDF reports and exports to come)."""
