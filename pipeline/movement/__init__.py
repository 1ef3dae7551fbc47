"""The movement model: visits (presence at a site) and trips (moves between sites) of a day's devices."""
