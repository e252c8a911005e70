"""The researchers' web UI (Solara): model building, the map raster, charts and compare mode.

The page itself is :mod:`polsim.viz.app` (served by ``polsim ui``); this package holds the parts
that do not need a browser, so that each can be tested on its own.
"""
