"""polsim's benchmarks: the rows of ``polsim bench`` that measure the UI and sweeps."""
