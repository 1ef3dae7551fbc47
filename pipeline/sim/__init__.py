"""The synthetic city, its simulated logs and the accuracy table: nothing in production imports it."""
