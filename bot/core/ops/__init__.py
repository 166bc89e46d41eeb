"""Operating the bridge: its status (`/status`, `/readyz`, `/metrics`), the alerts in General and
the watches they ask."""
