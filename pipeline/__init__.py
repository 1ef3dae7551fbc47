"""wifi-footfall: Wi-Fi controller logs to privacy-safe people-flow data (see README, Layout)."""
