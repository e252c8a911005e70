"""Real cities: import OpenStreetMap extracts onto the lattice (``polsim city import``)."""
