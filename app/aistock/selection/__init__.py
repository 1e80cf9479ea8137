"""The selection service: a synced RD-Agent loop's picks on a trading day, stored per run."""
